//! The SCIM request log (SPEC §7) end to end: every SCIM request recorded
//! with its fields, no secret in the stored text, refused credentials
//! recorded with their reason while clients get one identical `401`, the
//! admin API's filters and cursor paging, bad filters refused, retention
//! per site, and the CLI.

use jiff::{SignedDuration, Timestamp};
use reqwest::{Method, StatusCode};
use roster_app::Clock;
use serde_json::{Value, json};

use crate::helpers::{Backend, Reply, TestApp, assert_error, patch_op, scim_user, spawn_app};

/// Writes what the recorder still has queued.
async fn flushed(app: &TestApp) {
    app.app.scim_log().flush().await;
}

async fn search(app: &TestApp, site: &str, query: &str) -> Reply {
    flushed(app).await;
    app.get(&format!("/api/admin/sites/{site}/logs/scim?{query}")).await
}

/// The items of a search that must succeed.
async fn items(app: &TestApp, site: &str, query: &str) -> Vec<Value> {
    let found = search(app, site, query).await;
    assert_eq!(found.status, StatusCode::OK, "{found:?}");
    found.body["items"].as_array().expect("items").clone()
}

/// Sets a provider's SCIM credential through the admin API and returns
/// the answer (its `token`, or `username` and `password`).
async fn credential(app: &TestApp, site: &str, provider: &str, body: Value) -> Value {
    let path = format!("/api/admin/sites/{site}/providers/{provider}/scim");
    let set = app.post(&path, body).await;
    assert_eq!(set.status, StatusCode::OK, "{set:?}");
    set.body
}

async fn provider(app: &TestApp, site: &str, kind: &str, name: &str) -> String {
    let created = app
        .post(&format!("/api/admin/sites/{site}/providers"), json!({ "kind": kind, "name": name }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    created.body["id"].as_str().expect("id").to_owned()
}

/// A raw SCIM request: the status, the headers and the exact body bytes.
async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    auth: Option<&str>,
    body: Option<&str>,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = app.client.request(method, format!("{}/api/scim{path}", app.address));
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    if let Some(body) = body {
        request = request.header("content-type", "application/scim+json").body(body.to_owned());
    }
    let response = request.send().await.expect("request");
    let (status, headers) = (response.status(), response.headers().clone());
    (status, headers, response.bytes().await.expect("body").to_vec())
}

async fn every_request_is_logged_with_its_fields(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let started = app.clock.now();
    let created = scim.post("/Users", scim_user("ann")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(scim.get(&format!("/Users/{id}")).await.status, StatusCode::OK);
    assert_eq!(scim.post("/Users", scim_user("ann")).await.status, StatusCode::CONFLICT);
    assert_eq!(scim.get("/Users/no-such-id").await.status, StatusCode::NOT_FOUND);
    assert_eq!(scim.get("/Nothing?x=1").await.status, StatusCode::NOT_FOUND);
    let bad_type = app
        .client
        .post(format!("{}/api/scim/Users", app.address))
        .bearer_auth(&scim.token)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_type.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let last = scim.get("/Users?filter=userName%20eq%20%22ann%22").await;
    let request_id = last.headers["x-request-id"].to_str().unwrap().to_owned();

    let found = items(&app, "acme", "").await;
    let seen: Vec<(String, String, u64)> = found
        .iter()
        .map(|entry| {
            (
                entry["method"].as_str().unwrap().to_owned(),
                entry["path"].as_str().unwrap().to_owned(),
                entry["status"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("GET", "/api/scim/Users?filter=userName%20eq%20%22ann%22".to_owned(), 200),
        ("POST", "/api/scim/Users".to_owned(), 415),
        ("GET", "/api/scim/Nothing?x=1".to_owned(), 404),
        ("GET", "/api/scim/Users/no-such-id".to_owned(), 404),
        ("POST", "/api/scim/Users".to_owned(), 409),
        ("GET", format!("/api/scim/Users/{id}"), 200),
        ("POST", "/api/scim/Users".to_owned(), 201),
    ]
    .map(|(method, path, status)| (method.to_owned(), path, status));
    assert_eq!(seen, expected, "newest first");
    let newest = &found[0];
    assert_eq!(newest["request_id"], request_id.as_str());
    assert_eq!(newest["provider"], "Okta");
    assert_eq!(newest["provider_id"], scim.provider_id.as_str());
    assert!(newest["refusal"].is_null());
    assert!(newest["duration_ms"].as_f64().unwrap() >= 0.0);
    let at: Timestamp = newest["at"].as_str().unwrap().parse().unwrap();
    assert!(at >= started && at <= app.clock.now(), "{at}");
    assert_eq!(found[4]["scim_type"], "uniqueness");

    // One entry with its bodies and kept headers.
    let create = &found[6];
    let detail = app
        .get(&format!("/api/admin/sites/acme/logs/scim/{}", create["id"].as_str().unwrap()))
        .await;
    assert_eq!(detail.status, StatusCode::OK, "{detail:?}");
    assert_eq!(detail.body["status"], 201);
    assert_eq!(detail.body["request"]["body"]["userName"], "ann");
    assert_eq!(detail.body["request"]["headers"]["content-type"], "application/scim+json");
    assert!(detail.body["request"]["headers"].get("authorization").is_none());
    assert_eq!(detail.body["request"]["truncated"], false);
    assert_eq!(detail.body["response"]["body"]["id"], id.as_str());
    let media = app
        .get(&format!("/api/admin/sites/acme/logs/scim/{}", found[1]["id"].as_str().unwrap()))
        .await;
    assert_eq!(media.body["response"]["body"]["status"], "415", "{media:?}");
    let missing = app.get("/api/admin/sites/acme/logs/scim/no-such-entry").await;
    assert_error(&missing, StatusCode::NOT_FOUND, "not_found", None);

    // Another site's key sees none of it.
    app.site("other").await;
    let key = app.site_key("other").await;
    let foreign = app.call_as(&key, Method::GET, "/api/admin/sites/acme/logs/scim", None).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{foreign:?}");
}

async fn secrets_never_reach_the_log(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let okta = provider(&app, "acme", "okta", "Okta").await;
    let token = credential(&app, "acme", &okta, json!({ "auth": "token" })).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let jumpcloud = provider(&app, "acme", "jumpcloud", "JumpCloud").await;
    let basic = credential(&app, "acme", &jumpcloud, json!({ "auth": "basic" })).await;
    let (username, password) =
        (basic["username"].as_str().unwrap(), basic["password"].as_str().unwrap());
    let bearer = format!("Bearer {token}");
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{username}:{password}")
        )
    );

    let mut user = scim_user("ann");
    user["password"] = json!("Secret-Create-1");
    let (status, _, body) =
        raw(&app, Method::POST, "/Users", Some(&bearer), Some(&user.to_string())).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = serde_json::from_slice::<Value>(&body).unwrap()["id"].as_str().unwrap().to_owned();
    let patches = [
        patch_op(json!([{ "op": "replace", "path": "password", "value": "Secret-Patch-2" }])),
        patch_op(json!([{ "op": "Replace", "value": { "Password": "Secret-Patch-3" } }])),
    ];
    for patch in patches {
        let path = format!("/Users/{id}");
        let (status, _, _) =
            raw(&app, Method::PATCH, &path, Some(&bearer), Some(&patch.to_string())).await;
        assert!(status.is_success(), "{status}");
    }
    let bulk = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [{
            "method": "POST", "path": "/Users", "bulkId": "b1",
            "data": { "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                      "userName": "bob", "password": "Secret-Bulk-4" }
        }]
    });
    let (status, _, _) =
        raw(&app, Method::POST, "/Bulk", Some(&basic), Some(&bulk.to_string())).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = raw(&app, Method::GET, "/Users", Some(&basic), None).await;
    assert_eq!(status, StatusCode::OK);
    let filter = "/Users?filter=password%20eq%20%22Secret-Filter-8%22";
    raw(&app, Method::GET, filter, Some(&basic), None).await;
    // Hostile bodies: broken JSON and a form carrying a password.
    let broken = "{\"userName\": \"eve\", \"password\": \"Secret-Broken-5\"";
    let (status, _, _) = raw(&app, Method::POST, "/Users", Some(&bearer), Some(broken)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = raw(
        &app,
        Method::POST,
        "/Users?access_token=Secret-Query-6",
        Some(&bearer),
        Some("password=Secret-Form-7"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    flushed(&app).await;
    let stored = app.store.scim_log_dump().await.unwrap();
    assert_eq!(stored.lines().count(), 8, "{stored}");
    for secret in [
        token.as_str(),
        password,
        "Secret-Create-1",
        "Secret-Patch-2",
        "Secret-Patch-3",
        "Secret-Bulk-4",
        "Secret-Broken-5",
        "Secret-Query-6",
        "Secret-Form-7",
        "Secret-Filter-8",
    ] {
        assert!(!stored.contains(secret), "{secret} is in the log: {stored}");
    }
    assert!(stored.contains("[redacted]"));
    assert!(!stored.to_ascii_lowercase().contains("authorization"), "{stored}");
    // The users were still created and the bodies otherwise kept.
    assert!(stored.contains("bob") && stored.contains("ann"));
}

async fn refused_credentials_are_logged_with_their_reason(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let okta = provider(&app, "acme", "okta", "Okta").await;
    // Expiring at a midnight one to two days from now.
    let today = app.clock.now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let expires = today.checked_add(jiff::Span::new().days(2)).unwrap().to_string();
    let first = credential(&app, "acme", &okta, json!({ "auth": "token", "expires": expires }))
        .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut answers = Vec::new();
    let mut refuse = async |auth: Option<String>| {
        let (status, mut headers, body) =
            raw(&app, Method::GET, "/Users", auth.as_deref(), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        headers.remove("date");
        headers.remove("x-request-id");
        answers.push((headers, body));
    };
    refuse(None).await;
    refuse(Some("Bearer roster_scim_unknown".into())).await;
    app.clock.advance(SignedDuration::from_hours(72));
    refuse(Some(format!("Bearer {first}"))).await;
    let second =
        credential(&app, "acme", &okta, json!({ "auth": "token", "reset": true })).await["token"]
            .as_str()
            .unwrap()
            .to_owned();
    refuse(Some(format!("Bearer {first}"))).await;
    refuse(Some(format!("Basic {}", "c2NpbTpwYXNz"))).await;
    credential(&app, "acme", &okta, json!({ "auth": "off" })).await;
    refuse(Some(format!("Bearer {second}"))).await;
    // Byte for byte the same answer, whatever the reason.
    for answer in &answers[1..] {
        assert_eq!(answer, &answers[0]);
    }

    let found = items(&app, "acme", "status=401").await;
    let reasons: Vec<&str> = found.iter().map(|e| e["refusal"].as_str().unwrap()).collect();
    assert_eq!(reasons, ["switched_off", "revoked", "expired"], "{found:?}");
    assert!(found.iter().all(|e| e["provider"] == "Okta"));
    // The credentials that named no provider (none, an unknown token, a
    // Basic credential that is nobody's) are kept without a site.
    let stored = app.store.scim_log_dump().await.unwrap();
    assert_eq!(stored.matches("\"no_credential\"").count(), 1, "{stored}");
    assert_eq!(stored.matches("\"unknown\"").count(), 2, "{stored}");
}

/// Requests at three times, from two providers, with several outcomes.
async fn logged_requests(app: &TestApp) -> (Timestamp, Timestamp) {
    let okta = app.scim_provider("acme", "okta", "Okta").await;
    let entra = app.scim_provider("acme", "entra_id", "Entra").await;
    for name in ["a", "b", "c"] {
        assert_eq!(okta.post("/Users", scim_user(name)).await.status, StatusCode::CREATED);
    }
    app.clock.advance(SignedDuration::from_hours(1));
    let middle = app.clock.now();
    for _ in 0..4 {
        assert_eq!(okta.get("/Users").await.status, StatusCode::OK);
    }
    assert_eq!(okta.post("/Users", scim_user("a")).await.status, StatusCode::CONFLICT);
    assert_eq!(okta.post("/Users", scim_user("b")).await.status, StatusCode::CONFLICT);
    app.clock.advance(SignedDuration::from_hours(1));
    let late = app.clock.now();
    assert_eq!(entra.get("/Users/missing").await.status, StatusCode::NOT_FOUND);
    assert_eq!(entra.delete("/Users/missing").await.status, StatusCode::NOT_FOUND);
    assert_eq!(entra.get("/Groups").await.status, StatusCode::OK);
    (middle, late)
}

async fn filters_and_cursor_paging(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let (middle, late) = logged_requests(&app).await;
    let count = async |query: &str| items(&app, "acme", query).await.len();
    assert_eq!(count("").await, 12);
    assert_eq!(count("status=4xx").await, 4);
    assert_eq!(count("status=409").await, 2);
    assert_eq!(count("status=2xx").await, 8);
    assert_eq!(count("method=post").await, 5);
    assert_eq!(count("method=DELETE").await, 1);
    assert_eq!(count("provider=Entra").await, 3);
    assert_eq!(count("provider=okta").await, 9);
    assert_eq!(count("path=/Users/missing").await, 2);
    assert_eq!(count("path=/api/scim/Groups").await, 1);
    let at = |t: Timestamp| t.to_string().replace('+', "%2B");
    assert_eq!(count(&format!("since={}", at(middle))).await, 9);
    assert_eq!(count(&format!("since={}&until={}", at(middle), at(late))).await, 6);
    assert_eq!(count(&format!("until={}", at(middle))).await, 3);
    assert_eq!(count("status=4xx&provider=Okta&method=POST").await, 2);
    // Each entry names its site.
    let all = items(&app, "acme", "limit=500").await;
    assert!(all.iter().all(|entry| entry["site"] == "acme"), "{all:#?}");

    // Pages of five: every entry once, in the same order as one page.
    let all: Vec<Value> = items(&app, "acme", "limit=500").await;
    let mut paged = Vec::new();
    let mut query = "limit=5".to_owned();
    loop {
        let page = search(&app, "acme", &query).await;
        assert_eq!(page.status, StatusCode::OK, "{page:?}");
        paged.extend(page.body["items"].as_array().unwrap().iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(cursor) => query = format!("limit=5&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(paged, all);
    let ids: std::collections::HashSet<&str> =
        paged.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 12);
    // Filters and the cursor together.
    let first = search(&app, "acme", "status=2xx&limit=3").await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let rest = items(&app, "acme", &format!("status=2xx&limit=10&cursor={cursor}")).await;
    assert_eq!(rest.len(), 5);
}

async fn bad_filters_are_refused_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    logged_requests(&app).await;
    flushed(&app).await;
    let (before, logs_before) = (app.snapshot().await, app.store.scim_log_dump().await.unwrap());
    for (query, field) in [
        ("status=abc", "status"),
        ("status=6xx", "status"),
        ("status=4000", "status"),
        ("method=BREW", "method"),
        ("path=Users", "path"),
        ("since=yesterday", "since"),
        ("until=2026-13-01T00:00:00Z", "until"),
        ("since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z", "until"),
        ("cursor=garbage!", "cursor"),
        ("cursor=eHl6", "cursor"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("provider=Nobody", "provider"),
        ("colour=blue", "query"),
    ] {
        let refused = search(&app, "acme", query).await;
        assert_error(&refused, StatusCode::BAD_REQUEST, "invalid_request", Some(field));
    }
    assert_eq!(app.snapshot().await, before);
    assert_eq!(app.store.scim_log_dump().await.unwrap(), logs_before);
}

async fn retention_deletes_only_what_is_past_each_sites_period(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("long").await;
    app.site("short").await;
    let set = app.patch("/api/admin/sites/short", json!({ "scim_log_retention_days": 10 })).await;
    assert_eq!(set.status, StatusCode::OK, "{set:?}");
    assert_eq!(set.body["scim_log_retention_days"], 10);
    assert_eq!(app.get("/api/admin/sites/long").await.body["scim_log_retention_days"], 90);
    let before = app.snapshot().await;
    for days in [0, 3651, -5] {
        let refused =
            app.patch("/api/admin/sites/short", json!({ "scim_log_retention_days": days })).await;
        assert_error(
            &refused,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            Some("scim_log_retention_days"),
        );
    }
    assert_eq!(app.snapshot().await, before);

    let long = app.scim_provider("long", "okta", "Okta").await;
    let short = app.scim_provider("short", "okta", "Okta").await;
    let round = async || {
        assert_eq!(long.get("/Users").await.status, StatusCode::OK);
        assert_eq!(short.get("/Users").await.status, StatusCode::OK);
        assert_eq!(raw(&app, Method::GET, "/Users", None, None).await.0, StatusCode::UNAUTHORIZED);
    };
    round().await;
    app.clock.advance(SignedDuration::from_hours(24 * 11));
    round().await;
    flushed(&app).await;
    let count = async |site: &str| items(&app, site, "").await.len();
    let unattributed =
        async || app.store.scim_log_dump().await.unwrap().matches("no_credential").count();

    let report = app.app.jobs().log_retention().await.unwrap();
    assert_eq!(report.scim_logs_deleted, 1, "{report:?}");
    assert_eq!((count("long").await, count("short").await, unattributed().await), (2, 1, 2));
    app.clock.advance(SignedDuration::from_hours(24 * 80));
    let report = app.app.jobs().log_retention().await.unwrap();
    assert_eq!((report.scim_logs_deleted, report.unattributed_deleted), (3, 1), "{report:?}");
    assert_eq!((count("long").await, count("short").await, unattributed().await), (1, 0, 1));
    // Once more deletes nothing.
    assert_eq!(app.app.jobs().log_retention().await.unwrap().scim_logs_deleted, 0);
}

/// The CLI over the same search, as a table and as the API's JSON, and
/// the retention job and setting.
async fn the_cli_searches_and_purges(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let (middle, late) = logged_requests(&app).await;
    flushed(&app).await;
    let db = &app._database;
    let table = crate::cli::run_ok(db, &["logs", "scim", "--site", "acme", "--status", "4xx"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 5, "{table}");
    assert!(lines[0].starts_with("TIME") && lines[0].contains("STATUS"), "{table}");
    assert!(lines[1].contains("DELETE") && lines[1].contains("404") && lines[1].contains("Entra"));
    assert!(lines[3].contains("409") && lines[3].contains("uniqueness"), "{table}");
    let json = crate::cli::run_json(
        db,
        &[
            "logs",
            "scim",
            "--site",
            "acme",
            "--provider",
            "Okta",
            "--method",
            "GET",
            "--limit",
            "2",
        ],
    );
    let api = search(&app, "acme", "provider=Okta&method=GET&limit=2").await.body;
    assert_eq!(json, api);
    let next = json["next_cursor"].as_str().unwrap();
    let rest = crate::cli::run_json(
        db,
        &[
            "logs",
            "scim",
            "--site",
            "acme",
            "--method",
            "GET",
            "--cursor",
            next,
            "--provider",
            "Okta",
        ],
    );
    assert_eq!(rest["items"].as_array().unwrap().len(), 2);
    let id = json["items"][0]["id"].as_str().unwrap();
    let one = crate::cli::run_ok(db, &["logs", "scim", "--site", "acme", "--id", id]);
    let one: Value = serde_json::from_str(&one).unwrap();
    assert_eq!(one["id"], id);
    assert!(one["response"]["body"]["Resources"].is_array());

    // An exact status, and a time range, as the API answers them.
    let conflicts =
        crate::cli::run_json(db, &["logs", "scim", "--site", "acme", "--status", "409"]);
    assert_eq!(conflicts, search(&app, "acme", "status=409").await.body);
    let statuses: Vec<&Value> =
        conflicts["items"].as_array().unwrap().iter().map(|e| &e["status"]).collect();
    assert_eq!(statuses, [409, 409], "{conflicts}");
    assert_eq!(conflicts["items"][0]["site"], "acme");
    let (since, until) = (middle.to_string(), late.to_string());
    let range = crate::cli::run_json(
        db,
        &["logs", "scim", "--site", "acme", "--since", &since, "--until", &until, "--limit", "500"],
    );
    assert_eq!(range["items"].as_array().unwrap().len(), 6, "{range}");
    let at = |t: &str| t.replace('+', "%2B");
    let query = format!("since={}&until={}&limit=500", at(&since), at(&until));
    assert_eq!(range, search(&app, "acme", &query).await.body);
    let newer = crate::cli::run_json(db, &["logs", "scim", "--site", "acme", "--since", &until]);
    assert_eq!(newer["items"].as_array().unwrap().len(), 3, "{newer}");

    // Bad values: the CLI fails naming the option's field, and prints nothing.
    for (args, field) in [
        (&["--status", "teapot"][..], "status"),
        (&["--status", "4000"][..], "status"),
        (&["--since", "yesterday"][..], "since"),
        (&["--until", "2026-13-01T00:00:00Z"][..], "until"),
        (&["--since", &until, "--until", &since][..], "until"),
    ] {
        let mut full = vec!["logs", "scim", "--site", "acme"];
        full.extend_from_slice(args);
        let refused = crate::cli::run(db, &full);
        assert!(!refused.status.success(), "{args:?}");
        assert!(refused.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains(field), "{args:?}: {stderr}");
    }

    let site = crate::cli::run_json(
        db,
        &["site", "update", "--site", "acme", "--scim-log-retention-days", "30"],
    );
    assert_eq!(site["scim_log_retention_days"], 30);
    let report = crate::cli::run_json(db, &["jobs", "run", "log-retention"]);
    assert_eq!(report["scim_logs_deleted"], 0);
    assert_eq!(report["sites"], 1);
}

/// The real server: what it queued is written before it stops on SIGTERM,
/// and `--scim-log off` records nothing.
async fn the_server_flushes_at_shutdown_and_can_switch_recording_off(backend: Backend) {
    use crate::cli::{run_json, run_ok};
    use crate::serve::Server;

    let db = crate::helpers::fresh_database(backend).await;
    run_ok(&db, &["site", "create", "--slug", "acme"]);
    run_ok(&db, &["provider", "create", "--site", "acme", "--kind", "okta", "--name", "Okta"]);
    let scim = run_json(
        &db,
        &["provider", "scim", "--site", "acme", "--provider", "Okta", "--auth", "token"],
    );
    let token = scim["token"].as_str().unwrap().to_owned();
    let client = reqwest::Client::new();
    let logged = || {
        run_json(&db, &["logs", "scim", "--site", "acme", "--limit", "500"])["items"]
            .as_array()
            .unwrap()
            .len()
    };
    for (args, recorded) in [(&[][..], 20), (&["--scim-log", "off"][..], 0)] {
        let before = logged();
        let server = Server::start(&db.cli_args, args);
        for _ in 0..20 {
            let users = client
                .get(format!("{}/api/scim/Users", server.address))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(users.status(), StatusCode::OK);
        }
        let stopped = server.stop();
        assert!(stopped.success(), "{:#?}", stopped.log);
        assert_eq!(logged() - before, recorded, "{args:?}");
    }
}

crate::on_both_databases!(
    the_server_flushes_at_shutdown_and_can_switch_recording_off,
    every_request_is_logged_with_its_fields,
    secrets_never_reach_the_log,
    refused_credentials_are_logged_with_their_reason,
    filters_and_cursor_paging,
    bad_filters_are_refused_and_change_nothing,
    retention_deletes_only_what_is_past_each_sites_period,
    the_cli_searches_and_purges,
);
