//! Keyset cursor paging of SCIM lists (issue 20, RFC 9865), on both
//! databases: a walk sees every match once and in the list's order (with
//! filters, with `sortBy` ascending and descending over values that some
//! users lack, over multi-valued attributes, with `count` changing
//! between pages, and over JSON-held booleans); users created or deleted during a walk shift no one
//! else; `previousCursor` goes back; and a cursor that was altered or
//! belongs to another query is refused, changing nothing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{Backend, Scim, assert_scim_error, spawn_app};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// The users of the walks: creation order is not name order, and some
/// lack each sorted attribute (display name, family name, e-mails,
/// `active`), while others share a value, so that ties are broken by id.
fn user(i: usize, count: usize) -> Value {
    let mut user = json!({
        "schemas": [USER],
        "userName": format!("user-{:03}@example.com", (i * 97) % count),
        "title": if i.is_multiple_of(4) { "Engineer" } else { "Sales" },
    });
    if !i.is_multiple_of(3) {
        user["displayName"] = json!(format!("Team {}", i % 7));
    }
    if !i.is_multiple_of(5) {
        let family = ["Zoë", "zoe", "Ålund", "Berg", "berg", "Ng"][i % 6];
        user["name"] = json!({ "familyName": family, "givenName": "G" });
    }
    match i % 4 {
        0 => user["emails"] = json!([{ "value": format!("w{:03}@example.com", i % 50) }]),
        1 => {
            user["emails"] = json!([
                { "value": format!("x{i}@example.com") },
                { "value": format!("p{:03}@example.com", i % 13), "primary": true }
            ]);
        }
        _ => {}
    }
    // A boolean held in the JSON of the user's attributes.
    if i % 3 == 1 {
        user["phoneNumbers"] =
            json!([{ "value": format!("+1 555 {i:04}"), "primary": i.is_multiple_of(2) }]);
    }
    match i % 8 {
        0 => user["active"] = json!(false),
        1 => user["active"] = json!(true),
        _ => {}
    }
    user
}

/// Creates `count` users in one `/Bulk` request.
async fn create_users(scim: &Scim<'_>, count: usize) {
    let operations: Vec<Value> = (0..count)
        .map(|i| json!({ "method": "POST", "path": "/Users", "bulkId": format!("u{i}"), "data": user(i, count) }))
        .collect();
    let reply = scim.post("/Bulk", json!({ "schemas": [BULK], "Operations": operations })).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    for op in reply.body["Operations"].as_array().unwrap() {
        assert_eq!(op["status"], "201", "{op}");
    }
}

/// `path` with `query` (and `extra`, already encoded) as its query string.
fn url(path: &str, query: &[(&str, &str)], extra: &str) -> String {
    let encoded = serde_urlencoded::to_string(query).unwrap();
    let parts: Vec<&str> =
        [encoded.as_str(), extra].into_iter().filter(|part| !part.is_empty()).collect();
    format!("{path}?{}", parts.join("&"))
}

fn ids(page: &Value) -> Vec<String> {
    page["Resources"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().into()).collect()
}

/// The whole result of a query as one index page: the order a walk must
/// follow, as the database sorts it without any keyset condition.
async fn one_page(scim: &Scim<'_>, path: &str, query: &[(&str, &str)]) -> Vec<Value> {
    let reply = scim.get(&url(path, query, "startIndex=1&count=1000")).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["totalResults"], reply.body["itemsPerPage"], "{reply:?}");
    reply.body["Resources"].as_array().unwrap().clone()
}

/// Walks a query with cursors, `counts` giving each page's size in turn,
/// checking each page; returns the ids seen and the last page.
async fn walk(
    scim: &Scim<'_>,
    path: &str,
    query: &[(&str, &str)],
    counts: &[usize],
    total: usize,
) -> (Vec<String>, Value) {
    let mut seen = Vec::new();
    let mut cursor = String::new();
    for count in counts.iter().cycle() {
        let page = scim.get(&url(path, query, &format!("cursor={cursor}&count={count}"))).await;
        assert_eq!(page.status, StatusCode::OK, "{page:?}");
        assert_eq!(page.body["totalResults"], total, "{page:?}");
        let items = ids(&page.body);
        assert_eq!(page.body["itemsPerPage"], items.len(), "{page:?}");
        assert!(page.body.get("startIndex").is_none(), "{page:?}");
        seen.extend(items.iter().cloned());
        match page.body["nextCursor"].as_str() {
            Some(next) => {
                assert_eq!(items.len(), *count, "only the last page is short: {page:?}");
                cursor = next.to_owned();
            }
            None => {
                assert_eq!(seen.len(), total, "nextCursor is absent on the last page only");
                return (seen, page.body);
            }
        }
        assert!(seen.len() <= total, "{seen:?}");
    }
    unreachable!("cycle never ends")
}

/// Follows `previousCursor` from `page` to the first page, `count` users
/// at a time; returns the ids before `page`'s, in order.
async fn walk_back(
    scim: &Scim<'_>,
    path: &str,
    query: &[(&str, &str)],
    page: &Value,
    count: usize,
) -> Vec<String> {
    let mut before: Vec<Vec<String>> = Vec::new();
    let mut page = page.clone();
    while let Some(previous) = page["previousCursor"].as_str() {
        let reply = scim.get(&url(path, query, &format!("cursor={previous}&count={count}"))).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert!(
            reply.body.get("nextCursor").is_some(),
            "a page before another has a next: {reply:?}"
        );
        page = reply.body;
        before.push(ids(&page));
    }
    before.into_iter().rev().flatten().collect()
}

/// Every case walks exactly the one-page result, forwards with changing
/// page sizes and back from the last page.
async fn cursor_walks_see_every_match_once_in_order(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    create_users(&scim, 240).await;
    let cases: &[&[(&str, &str)]] = &[
        &[],
        &[("filter", "title eq \"Engineer\"")],
        &[("sortBy", "displayName")],
        &[("sortBy", "displayName"), ("sortOrder", "descending")],
        &[("filter", "title eq \"Sales\""), ("sortBy", "name.familyName")],
        &[("sortBy", "name.familyName"), ("sortOrder", "descending")],
        &[("sortBy", "userName"), ("sortOrder", "descending")],
        &[("sortBy", "userName")],
        &[("sortBy", "emails"), ("sortOrder", "descending")],
        &[("sortBy", "emails.value")],
        &[("sortBy", "active")],
        &[("sortBy", "active"), ("sortOrder", "descending")],
        &[("sortBy", "phoneNumbers.primary"), ("sortOrder", "descending")],
        &[("sortBy", "phoneNumbers.primary")],
        &[("sortBy", "meta.lastModified"), ("sortOrder", "descending")],
        &[("filter", "displayName pr and not (title eq \"Engineer\")"), ("sortBy", "displayName")],
    ];
    for query in cases {
        let all = one_page(&scim, "/Users", query).await;
        let expected: Vec<String> = all.iter().map(|u| u["id"].as_str().unwrap().into()).collect();
        let mut distinct = expected.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), expected.len(), "{query:?}");
        let (seen, last) = walk(&scim, "/Users", query, &[7, 3, 11], expected.len()).await;
        assert_eq!(seen, expected, "{query:?}");
        let last_ids = ids(&last);
        let back = walk_back(&scim, "/Users", query, &last, 9).await;
        assert_eq!(back, expected[..expected.len() - last_ids.len()], "{query:?}");
    }

    // Unassigned values sort last ascending and first descending, on both
    // databases (their default NULL placements differ).
    let has_name = |u: &Value| u.get("displayName").is_some();
    let ascending = one_page(&scim, "/Users", &[("sortBy", "displayName")]).await;
    let named = ascending.iter().filter(|u| has_name(u)).count();
    assert!(named > 0 && named < ascending.len());
    assert!(ascending[..named].iter().all(has_name) && !ascending[named..].iter().any(has_name));
    let names: Vec<&str> =
        ascending[..named].iter().map(|u| u["displayName"].as_str().unwrap()).collect();
    assert!(names.windows(2).all(|pair| pair[0] <= pair[1]), "{names:?}");
    let query = [("sortBy", "displayName"), ("sortOrder", "descending")];
    let descending = one_page(&scim, "/Users", &query).await;
    let unnamed = descending.len() - named;
    assert!(
        !descending[..unnamed].iter().any(has_name) && descending[unnamed..].iter().all(has_name)
    );

    // The same walk through POST /Users/.search, the cursor in the body.
    let query = [("filter", "title eq \"Sales\""), ("sortBy", "userName")];
    let expected: Vec<String> = one_page(&scim, "/Users", &query)
        .await
        .iter()
        .map(|u| u["id"].as_str().unwrap().into())
        .collect();
    let (mut seen, mut cursor) = (Vec::new(), String::new());
    loop {
        let body = json!({ "schemas": [SEARCH], "filter": "title eq \"Sales\"", "sortBy": "userName", "cursor": cursor, "count": 50 });
        let page = scim.post("/Users/.search", body).await;
        assert_eq!(page.status, StatusCode::OK, "{page:?}");
        seen.extend(ids(&page.body));
        match page.body["nextCursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, expected);
}

/// Groups page by keyset too: by creation, and by name descending (a
/// column never NULL, walked along its index).
async fn group_walks_see_every_group_once(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let operations: Vec<Value> = (0..45)
        .map(|i| json!({ "method": "POST", "path": "/Groups", "bulkId": format!("g{i}"), "data": { "schemas": [GROUP], "displayName": format!("Group {:02}", (i * 7) % 45) } }))
        .collect();
    let reply = scim.post("/Bulk", json!({ "schemas": [BULK], "Operations": operations })).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let cases: &[&[(&str, &str)]] = &[
        &[],
        &[("sortBy", "displayName"), ("sortOrder", "descending")],
        &[("filter", "displayName sw \"group 1\""), ("sortBy", "displayName")],
    ];
    for query in cases {
        let all = one_page(&scim, "/Groups", query).await;
        let expected: Vec<String> = all.iter().map(|g| g["id"].as_str().unwrap().into()).collect();
        let (seen, last) = walk(&scim, "/Groups", query, &[4, 10], expected.len()).await;
        assert_eq!(seen, expected, "{query:?}");
        let back = walk_back(&scim, "/Groups", query, &last, 6).await;
        assert_eq!(back, expected[..expected.len() - ids(&last).len()], "{query:?}");
    }
    let sorted =
        one_page(&scim, "/Groups", &[("sortBy", "displayName"), ("sortOrder", "descending")]).await;
    assert_eq!(sorted[0]["displayName"], "Group 44");
    assert_eq!(sorted[44]["displayName"], "Group 00");
}

async fn create(scim: &Scim<'_>, name: &str) -> String {
    let body = json!({ "schemas": [USER], "userName": name });
    let reply = scim.post("/Users", body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    reply.body["id"].as_str().unwrap().to_owned()
}

/// The point of keyset paging: a user created or deleted between pages
/// makes the walk skip or repeat no other user (an offset would shift
/// every later row by one).
async fn users_coming_and_going_shift_no_one(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    for (round, sorted) in [("r1-", true), ("r2-", false)] {
        for i in 0..30 {
            create(&scim, &format!("{round}m{:02}", (i * 7) % 30)).await;
        }
        let filter = format!("userName sw \"{round}\"");
        let mut query = vec![("filter", filter.as_str())];
        if sorted {
            query.push(("sortBy", "userName"));
        }
        let order: Vec<String> = one_page(&scim, "/Users", &query)
            .await
            .iter()
            .map(|u| u["id"].as_str().unwrap().into())
            .collect();

        let first = scim.get(&url("/Users", &query, "cursor=&count=10")).await;
        assert_eq!(ids(&first.body), order[..10]);
        // A seen user and an unseen one leave; one joins before the walk's
        // position by name (after it in creation order), one after it.
        for gone in [&order[3], &order[15]] {
            assert_eq!(scim.delete(&format!("/Users/{gone}")).await.status, StatusCode::NO_CONTENT);
        }
        let early = create(&scim, &format!("{round}a")).await;
        create(&scim, &format!("{round}z")).await;
        let mut seen = ids(&first.body);
        let mut cursor = first.body["nextCursor"].as_str().unwrap().to_owned();
        loop {
            let page = scim.get(&url("/Users", &query, &format!("cursor={cursor}&count=10"))).await;
            assert_eq!(page.status, StatusCode::OK, "{page:?}");
            seen.extend(ids(&page.body));
            match page.body["nextCursor"].as_str() {
                Some(next) => cursor = next.to_owned(),
                None => break,
            }
        }
        // The first page, then everything after its last user as the
        // directory now stands.
        let now: Vec<String> = one_page(&scim, "/Users", &query)
            .await
            .iter()
            .map(|u| u["id"].as_str().unwrap().into())
            .collect();
        assert!(!now.contains(&order[15]) && now.len() == 30, "{now:?}");
        let position = now.iter().position(|id| *id == order[9]).unwrap();
        let mut expected = order[..10].to_vec();
        expected.extend(now[position + 1..].iter().cloned());
        assert_eq!(seen, expected, "sorted: {sorted}");
        assert_eq!(seen.contains(&early), !sorted);
        assert_eq!(seen.len(), if sorted { 30 } else { 31 });
    }
}

/// `previousCursor` leads to the page before, whatever page size it is
/// asked with, and its `nextCursor` back to the page after.
async fn previous_cursor_goes_back(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    create_users(&scim, 25).await;
    let query = [("sortBy", "name.familyName"), ("sortOrder", "descending")];
    let scim = &scim;
    let page = |cursor: String, count: usize| {
        let path = url("/Users", &query, &format!("cursor={cursor}&count={count}"));
        async move { scim.get(&path).await.body }
    };
    let first = page(String::new(), 10).await;
    assert!(first.get("previousCursor").is_none(), "{first}");
    let second = page(first["nextCursor"].as_str().unwrap().into(), 10).await;
    let third = page(second["nextCursor"].as_str().unwrap().into(), 10).await;
    assert_eq!(ids(&third).len(), 5);
    assert!(third.get("nextCursor").is_none(), "{third}");
    let back = page(third["previousCursor"].as_str().unwrap().into(), 10).await;
    assert_eq!(ids(&back), ids(&second));
    let back = page(back["previousCursor"].as_str().unwrap().into(), 10).await;
    assert_eq!(ids(&back), ids(&first));
    assert!(back.get("previousCursor").is_none(), "{back}");
    let again = page(back["nextCursor"].as_str().unwrap().into(), 10).await;
    assert_eq!(ids(&again), ids(&second));
    // Back by 4 from the third page: the last 4 of the second.
    let short = page(third["previousCursor"].as_str().unwrap().into(), 4).await;
    assert_eq!(ids(&short), ids(&second)[6..]);
    assert_eq!(short["totalResults"], 25);
    // A count of 0 asks for the total only, and gets no cursor.
    let none = page(second["nextCursor"].as_str().unwrap().into(), 0).await;
    assert_eq!((none["totalResults"].clone(), none["itemsPerPage"].clone()), (json!(25), json!(0)));
    assert!(none.get("nextCursor").is_none() && none.get("previousCursor").is_none(), "{none}");
}

/// A cursor is bound to its query: another filter, sort, order or
/// resource type refuses it, as it does an altered cursor or one of the
/// offsets that cursors held before keyset paging; `count` and the
/// returned attributes may change. Nothing is stored.
async fn foreign_and_forged_cursors_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    create_users(&scim, 12).await;
    let before = app.snapshot().await;
    let query = [("filter", "title eq \"Sales\""), ("sortBy", "userName")];
    let first = scim.get(&url("/Users", &query, "cursor&count=2")).await;
    let cursor = first.body["nextCursor"].as_str().unwrap().to_owned();
    let second = scim.get(&url("/Users", &query, &format!("cursor={cursor}&count=2"))).await;
    assert_eq!(second.status, StatusCode::OK, "{second:?}");
    let wider = url("/Users", &query, &format!("cursor={cursor}&count=5&attributes=userName"));
    let wider = scim.get(&wider).await;
    assert_eq!(ids(&wider.body)[..2], ids(&second.body));
    let search = json!({ "schemas": [SEARCH], "filter": "title eq \"Sales\"", "sortBy": "userName", "cursor": cursor, "count": 2 });
    assert_eq!(ids(&scim.post("/Users/.search", search).await.body), ids(&second.body));

    let mut tampered = cursor.clone().into_bytes();
    tampered[cursor.len() / 2] = if tampered[cursor.len() / 2] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let offset = "cm9zdGVyOjI"; // base64url("roster:2"), a cursor of old
    let refused = [
        url(
            "/Users",
            &[("filter", "title eq \"Engineer\""), ("sortBy", "userName")],
            &format!("cursor={cursor}"),
        ),
        url("/Users", &[("sortBy", "userName")], &format!("cursor={cursor}")),
        url("/Users", &[("filter", "title eq \"Sales\"")], &format!("cursor={cursor}")),
        url(
            "/Users",
            &[("filter", "title eq \"Sales\""), ("sortBy", "displayName")],
            &format!("cursor={cursor}"),
        ),
        url(
            "/Users",
            &[
                ("filter", "title eq \"Sales\""),
                ("sortBy", "userName"),
                ("sortOrder", "descending"),
            ],
            &format!("cursor={cursor}"),
        ),
        url(
            "/Groups",
            &[("filter", "title eq \"Sales\""), ("sortBy", "userName")],
            &format!("cursor={cursor}"),
        ),
        url("/Groups", &[], &format!("cursor={cursor}")),
        url("/Users", &query, &format!("cursor={tampered}")),
        url("/Users", &query, &format!("cursor={offset}")),
        url("/Users", &query, "cursor=forged"),
    ];
    for path in refused {
        let reply = scim.get(&path).await;
        if path.starts_with("/Groups?filter") {
            // A Group has no title: the filter is refused first.
            assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("invalidFilter"));
        } else {
            assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("invalidCursor"));
        }
    }
    let other = json!({ "schemas": [SEARCH], "filter": "title eq \"Sales\"", "cursor": cursor });
    let reply = scim.post("/Users/.search", other).await;
    assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("invalidCursor"));
    // The root search pages by index and issues no cursor, so it takes none.
    let root = json!({ "schemas": [SEARCH], "filter": "title eq \"Sales\"", "sortBy": "userName", "cursor": cursor });
    assert_scim_error(
        &scim.post("/.search", root).await,
        StatusCode::BAD_REQUEST,
        Some("invalidCursor"),
    );
    assert_eq!(app.snapshot().await, before);
}

/// A cursor built by hand, tagged as the server tags its own (see
/// `roster-app`'s `scim/call/cursor.rs`: an HMAC-SHA-256 keyed with the
/// SHA-256 of the database's cursor secret), for the query text `query`.
/// Only a holder of the secret can build one; the tests read it from the
/// store.
fn hand_built(secret: &str, query: &str, body: &str) -> String {
    let key = Sha256::digest(secret.as_bytes());
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
    mac.update(b"roster SCIM cursor\0");
    mac.update(query.as_bytes());
    mac.update(b"\0");
    mac.update(body.as_bytes());
    let mut bytes = mac.finalize().into_bytes()[..16].to_vec();
    bytes.extend(body.as_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The same cursor tagged as before the tag was keyed: the start of a
/// plain SHA-256, which anyone could compute.
fn unkeyed(query: &str, body: &str, len: usize) -> String {
    let mut hash = Sha256::new();
    hash.update(b"roster SCIM cursor\0");
    hash.update(query.as_bytes());
    hash.update(b"\0");
    hash.update(body.as_bytes());
    let mut bytes = hash.finalize()[..len].to_vec();
    bytes.extend(body.as_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The tag is keyed: a client cannot build a cursor the server takes (a
/// checksum anyone can compute is refused). Even a cursor built with the
/// secret gets no 5xx, and a key of another JSON type than the sort's
/// (an integer for `userName`, text for the creation time) is
/// `invalidCursor` on SQLite as on PostgreSQL, with nothing stored.
async fn hand_built_cursors_get_no_server_error(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    create_users(&scim, 12).await;
    let issued = scim.get("/Users?sortBy=userName&cursor&count=2").await;
    assert!(issued.body["nextCursor"].is_string(), "{issued:?}");
    let secret = app.store.server_secret("scim_cursor", "not the secret").await.unwrap();
    assert_ne!(secret, "not the secret", "the first cursor made the secret");
    let before = app.snapshot().await;
    let body = r#"[1,"a",12,"","t","user-006"]"#;
    let by_name = hand_built(&secret, "User\n\nuserName\nfalse", body);
    let page = scim.get(&format!("/Users?sortBy=userName&cursor={by_name}&count=100")).await;
    let names: Vec<&str> = page.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].as_str().unwrap())
        .collect();
    assert_eq!(names.first(), Some(&"user-006@example.com"), "{page:?}");
    assert_eq!(names.len(), 6, "{page:?}");
    let mut refused = vec![
        ("/Users?sortBy=userName", unkeyed("User\n\nuserName\nfalse", body, 8)),
        ("/Users?sortBy=userName", unkeyed("User\n\nuserName\nfalse", body, 16)),
        ("/Users?sortBy=userName", hand_built("another secret", "User\n\nuserName\nfalse", body)),
    ];
    let mistyped = [
        ("/Users?sortBy=userName", "User\n\nuserName\nfalse", r#"[1,"a",12,"x","i",42]"#),
        (
            "/Users?sortBy=userName",
            "User\n\nuserName\nfalse",
            r#"[1,"b",12,"x","r",4607182418800017408]"#,
        ),
        ("/Users?", "User\n\n\nfalse", r#"[1,"a",12,"x","t","2024"]"#),
        ("/Users?", "User\n\n\nfalse", r#"[1,"b",12,"x","r",4607182418800017408]"#),
        ("/Groups?", "Group\n\n\nfalse", r#"[1,"a",0,"x","t","2024"]"#),
    ];
    for (path, query, body) in mistyped {
        refused.push((path, hand_built(&secret, query, body)));
    }
    for (path, cursor) in refused {
        let reply = scim.get(&format!("{path}&cursor={cursor}")).await;
        assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("invalidCursor"));
    }
    assert_eq!(app.snapshot().await, before);
}

crate::on_both_databases!(
    cursor_walks_see_every_match_once_in_order,
    group_walks_see_every_group_once,
    users_coming_and_going_shift_no_one,
    previous_cursor_goes_back,
    foreign_and_forged_cursors_are_refused,
    hand_built_cursors_get_no_server_error
);
