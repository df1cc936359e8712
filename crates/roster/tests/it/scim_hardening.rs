//! Input a SCIM client can send that once caused a 5xx or minutes of CPU
//! (issue 16 §4): each is answered, on both databases, with a 400 and the
//! right `scimType` (and the store unchanged), or is handled correctly.

use base64::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};

use roster_scim::MAX_FILTER_OPERATORS;

use crate::helpers::{Backend, Scim, assert_scim_error, patch_op, scim_user, spawn_app};

/// `?filter=` with `filter` percent-encoded, and the largest page.
fn filtered(resource: &str, filter: &str) -> String {
    let query = serde_urlencoded::to_string([("filter", filter), ("count", "1000")]).unwrap();
    format!("/{resource}?{query}")
}

const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

async fn created(scim: &Scim<'_>, path: &str, body: Value) -> String {
    let reply = scim.post(path, body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    reply.body["id"].as_str().unwrap().to_owned()
}

/// `term(0) op term(1) op ...`, `n` terms.
fn chain(op: &str, n: usize, term: impl Fn(usize) -> String) -> String {
    (0..n).map(term).collect::<Vec<_>>().join(&format!(" {op} "))
}

/// A long chain of `or` or `and` within the 10,000-character limit was
/// deeper than SQLite's expression depth (1,000), a 500, or overflowed a
/// worker's stack, a crash. Chains up to the operator limit work; longer
/// ones are a 400 naming the limit; the server carries on.
async fn long_filter_chains_work_or_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let okta = app.scim_provider("acme", "okta", "Okta").await;
    let entra = app.scim_provider("acme", "entra_id", "Entra").await;
    for name in ["u7@example.com", "u200@example.com"] {
        created(&okta, "/Users", scim_user(name)).await;
    }
    let terms = MAX_FILTER_OPERATORS + 1;
    let ors = chain("or", terms, |i| format!("userName eq \"u{i}@example.com\""));
    let reply = okta.get(&filtered("Users", &ors)).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["totalResults"], 2, "{reply:?}");
    let presents = chain("or", terms, |_| "id pr".to_owned());
    let reply = okta.get(&filtered("Users", &presents)).await;
    assert_eq!(reply.body["totalResults"], 2, "{reply:?}");
    let ands = chain("and", terms, |_| "id pr".to_owned());
    let reply = okta.post("/Users/.search", json!({ "schemas": [SEARCH], "filter": ands })).await;
    assert_eq!(reply.body["totalResults"], 2, "{reply:?}");
    let inner = chain("or", terms, |i| format!("value eq \"u{i}@example.com\""));
    let reply = okta.get(&filtered("Users", &format!("emails[{inner}]"))).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let groups = okta.get(&filtered("Groups", &presents)).await;
    assert_eq!(groups.status, StatusCode::OK, "{groups:?}");

    let before = app.snapshot().await;
    for terms in [terms + 1, 900] {
        for op in ["or", "and"] {
            let long = chain(op, terms, |_| "id pr".to_owned());
            for scim in [&okta, &entra] {
                let reply = scim.get(&filtered("Users", &long)).await;
                assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("invalidFilter"));
                assert!(reply.body["detail"].as_str().unwrap().contains("more than 200"));
                let body = json!({ "schemas": [SEARCH], "filter": long });
                let reply = scim.post("/.search", body).await;
                assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("invalidFilter"));
            }
        }
    }
    let nested = chain("or", 1_500, |i| format!("(not (id pr) and userName eq \"{i}\")"));
    let reply = okta.get(&filtered("Users", &nested[..9_999])).await;
    assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("invalidFilter"));
    assert_eq!(app.snapshot().await, before);
    assert_eq!(okta.get("/Users").await.body["totalResults"], 2, "the server carries on");
}

/// A user with more e-mails than one INSERT may bind (SQLite: 32,766
/// variables, five per address) is stored whole.
async fn thousands_of_emails_are_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let okta = app.scim_provider("acme", "okta", "Okta").await;
    let emails: Vec<Value> = (0..7_000)
        .map(|i| json!({ "value": format!("a{i}@example.com"), "type": "work" }))
        .collect();
    let mut user = scim_user("many@example.com");
    user["emails"] = Value::Array(emails);
    let id = created(&okta, "/Users", user).await;
    let reply = okta.get(&format!("/Users/{id}")).await;
    assert_eq!(reply.body["emails"].as_array().map(Vec::len), Some(7_000), "stored whole");
    assert_eq!(reply.body["emails"][6_999]["value"], "a6999@example.com");
    let found = okta.get(&filtered("Users", r#"emails.value eq "A6999@example.com""#)).await;
    assert_eq!(found.body["totalResults"], 1, "{found:?}");
    // Replaced by PUT: the old rows go, the new ones are all there.
    let mut user = scim_user("many@example.com");
    user["emails"] =
        (0..6_600).map(|i| json!({ "value": format!("b{i}@example.com") })).collect::<Value>();
    let put = okta.put(&format!("/Users/{id}"), user).await;
    assert_eq!(put.body["emails"].as_array().map(Vec::len), Some(6_600), "{:?}", put.status);
    let gone = okta.get(&filtered("Users", r#"emails.value eq "a1@example.com""#)).await;
    assert_eq!(gone.body["totalResults"], 0, "{gone:?}");
}

/// PostgreSQL text cannot hold NUL; indexes cannot hold very long keys.
/// Both are refused before anything is written, on both databases alike.
async fn unstorable_values_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let okta = app.scim_provider("acme", "okta", "Okta").await;
    let alice = created(&okta, "/Users", scim_user("alice@example.com")).await;
    let staff =
        created(&okta, "/Groups", json!({ "schemas": [GROUP], "displayName": "Staff" })).await;
    let before = app.snapshot().await;

    for filter in [r#"userName eq "a\u0000""#, r#"emails[type eq "\u0000"]"#] {
        let reply = okta.get(&filtered("Users", filter)).await;
        assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("invalidFilter"));
        assert!(reply.body["detail"].as_str().unwrap().contains("NUL"), "{reply:?}");
        let reply =
            okta.post("/Groups/.search", json!({ "schemas": [SEARCH], "filter": filter })).await;
        assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("invalidFilter"));
    }
    let mut typed = scim_user("bob@example.com");
    typed["emails"] = json!([{ "value": "bob@example.com", "type": "wo\u{0}rk" }]);
    let mut extra = scim_user("bob@example.com");
    extra["title"] = json!("Chief\u{0}");
    let mut nested = scim_user("bob@example.com");
    nested["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] =
        json!({ "department": "R\u{0}D" });
    let cases = [
        ("/Users", typed, "emails[0].type"),
        ("/Users", extra, "title"),
        ("/Users", nested, "department"),
        (
            "/Groups",
            json!({ "schemas": [GROUP], "displayName": "Ops", "externalId": "e\u{0}" }),
            "externalId",
        ),
        (
            "/Groups",
            json!({ "schemas": [GROUP], "displayName": "Ops", "externalId": "x".repeat(3_000) }),
            "externalId",
        ),
    ];
    for (path, body, place) in cases {
        let reply = okta.post(path, body.clone()).await;
        assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("invalidValue"));
        assert!(reply.body["detail"].as_str().unwrap().contains(place), "{place}: {reply:?}");
    }
    let nul_name = patch_op(json!([{ "op": "replace", "path": "displayName", "value": "A\u{0}" }]));
    let reply = okta.patch(&format!("/Users/{alice}"), nul_name.clone()).await;
    assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("invalidValue"));
    let reply = okta.patch(&format!("/Groups/{staff}"), nul_name).await;
    assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("invalidValue"));
    let long_id =
        patch_op(json!([{ "op": "add", "path": "externalId", "value": "y".repeat(3_000) }]));
    let reply = okta.patch(&format!("/Groups/{staff}"), long_id).await;
    assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("invalidValue"));
    let mut put =
        json!({ "schemas": [GROUP], "displayName": "Staff", "externalId": "z".repeat(3_000) });
    let reply = okta.put(&format!("/Groups/{staff}"), put.clone()).await;
    assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("invalidValue"));
    put["externalId"] = json!("k\u{0}");
    let reply = okta.put(&format!("/Groups/{staff}"), put).await;
    assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("invalidValue"));
    let reply = okta.get("/Users/a%00b").await;
    assert_scim_error(&reply, StatusCode::NOT_FOUND, None);
    assert_eq!(app.snapshot().await, before);

    // A long externalId that fits the limit is stored and found.
    let fits = "x".repeat(255);
    let ops = created(
        &okta,
        "/Groups",
        json!({ "schemas": [GROUP], "displayName": "Ops", "externalId": fits }),
    )
    .await;
    let reply = okta.get(&filtered("Groups", &format!("externalId eq \"{fits}\""))).await;
    assert_eq!(reply.body["Resources"][0]["id"], ops.as_str(), "{reply:?}");
}

fn cursor(text: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

/// A forged cursor or start index of any size pages nowhere, without
/// overflowing the paging arithmetic. (Cursors hold keys, not offsets,
/// since issue 20: the offsets that cursors once held are refused.)
async fn huge_page_positions_are_safe(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let okta = app.scim_provider("acme", "okta", "Okta").await;
    created(&okta, "/Users", scim_user("alice@example.com")).await;
    let forged = [
        format!("roster:{}", u64::MAX),
        "roster:99999999999999999999".into(),
        format!("roster:{}", i64::MAX),
    ];
    for forged in forged {
        for path in [
            format!("/Users?cursor={}&count=10", cursor(&forged)),
            format!("/Groups?cursor={}", cursor(&forged)),
        ] {
            let reply = okta.get(&path).await;
            assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("invalidCursor"));
        }
    }
    let reply = okta.get(&format!("/Users?startIndex={}&count=1000", u64::MAX)).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["Resources"], json!([]), "{reply:?}");
    let reply = okta
        .post("/.search", json!({ "schemas": [SEARCH], "startIndex": i64::MAX, "count": 1000 }))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
}

/// A search body near the 2 MiB limit, all brackets, through the Entra
/// dialect's value-path rewrite: refused for its length (and at once:
/// `.config/nextest.toml` ends the test as a failure if it takes minutes).
async fn huge_filters_are_refused_quickly(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let entra = app.scim_provider("acme", "entra_id", "Entra").await;
    let filter = format!("{}{}", "emails[".repeat(100_000), "].value eq x".repeat(100_000));
    let reply =
        entra.post("/Users/.search", json!({ "schemas": [SEARCH], "filter": filter })).await;
    assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("invalidFilter"));
    assert!(reply.body["detail"].as_str().unwrap().contains("10000"), "{reply:?}");
}

/// Found by the request stream (`scim_stream.rs`): an id that decodes to
/// bytes that are not UTF-8 was axum's plain-text 400, and the service
/// root with a trailing slash the admin API's 404. Both are SCIM errors
/// now, and nothing is written.
async fn malformed_urls_get_scim_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let okta = app.scim_provider("acme", "okta", "Okta").await;
    let alice = created(&okta, "/Users", scim_user("alice@example.com")).await;
    let before = app.snapshot().await;
    for id in ["%FF", "%C3", "a%FE%FFb"] {
        for path in [format!("/Users/{id}"), format!("/Groups/{id}")] {
            let replies = [
                okta.get(&path).await,
                okta.put(&path, scim_user("bob@example.com")).await,
                okta.patch(&path, patch_op(json!([{ "op": "remove", "path": "title" }]))).await,
                okta.delete(&path).await,
            ];
            for reply in &replies {
                assert_scim_error(reply, StatusCode::NOT_FOUND, None);
                assert!(reply.body["detail"].as_str().unwrap().contains("UTF-8"), "{reply:?}");
            }
        }
        for path in [format!("/Schemas/{id}"), format!("/ResourceTypes/{id}")] {
            assert_scim_error(&okta.get(&path).await, StatusCode::NOT_FOUND, None);
        }
    }
    let root = okta.get("/").await;
    assert_scim_error(&root, StatusCode::NOT_FOUND, None);
    assert!(root.body["detail"].as_str().unwrap().contains("/Users"), "{root:?}");
    assert_eq!(app.snapshot().await, before);
    assert_eq!(okta.get(&format!("/Users/{alice}")).await.status, StatusCode::OK);
}

/// Found by the request stream: a request refused before its body is read
/// (no credential, a media type that is not JSON, a method or endpoint
/// that does not exist, a bad id) had its connection closed under the
/// client while it was still sending, so the client saw a broken pipe
/// instead of the answer, or its next request on that kept-alive
/// connection failed. Every answer arrives, and the connection serves on.
async fn unread_bodies_do_not_break_the_connection(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let okta = app.scim_provider("acme", "okta", "Okta").await;
    // One connection, kept alive between the requests.
    let client = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap();
    let base = format!("{}/api/scim", app.address);
    let mut user = scim_user("big@example.com");
    user["title"] = json!("t".repeat(1_500_000));
    let body = user.to_string();
    let json = "application/scim+json";
    let token = Some(okta.token.as_str());
    let cases: [(&str, &str, Option<&str>, &str, StatusCode); 6] = [
        ("POST", "/Users", None, json, StatusCode::UNAUTHORIZED),
        ("POST", "/Users", token, "text/plain", StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("PUT", "/Users", token, json, StatusCode::METHOD_NOT_ALLOWED),
        ("POST", "/Nothing", token, json, StatusCode::NOT_FOUND),
        ("PUT", "/Users/%FF", token, json, StatusCode::NOT_FOUND),
        // A precondition that is not text: refused before the body.
        ("PUT", "/Users/x", token, json, StatusCode::BAD_REQUEST),
    ];
    for round in 0..2 {
        for (method, path, token, content_type, status) in &cases {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let mut request = client
                .request(method, format!("{base}{path}"))
                .header("content-type", *content_type)
                .body(body.clone());
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if *status == StatusCode::BAD_REQUEST {
                let odd = reqwest::header::HeaderValue::from_bytes(b"W/\"\xff\"").unwrap();
                request = request.header("if-match", odd);
            }
            let sent = request.send().await;
            let reply = crate::helpers::reply(sent.unwrap_or_else(|e| {
                panic!("round {round}, {path} as {content_type}: no answer: {e:?}")
            }))
            .await;
            assert_scim_error(&reply, *status, reply.body["scimType"].as_str());
            let next = client.get(format!("{base}/Users")).bearer_auth(&okta.token).send().await;
            let next =
                next.unwrap_or_else(|e| panic!("after {path}: the next request failed: {e:?}"));
            assert_eq!(next.status(), StatusCode::OK);
        }
    }
}

crate::on_both_databases!(
    unread_bodies_do_not_break_the_connection,
    malformed_urls_get_scim_errors,
    long_filter_chains_work_or_are_refused,
    thousands_of_emails_are_stored,
    unstorable_values_are_refused,
    huge_page_positions_are_safe,
    huge_filters_are_refused_quickly,
);
