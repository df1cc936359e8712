//! `/api/admin/sites`: create, list, show, configure, delete, and every
//! kind of bad input, each leaving the stored data unchanged.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, assert_error, spawn_app};

async fn site_lifecycle(backend: Backend) {
    let app = spawn_app(backend).await;
    let created =
        app.post("/api/admin/sites", json!({ "slug": "acme", "name": "Acme Corp" })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    assert_eq!(created.body["slug"], "acme");
    assert_eq!(created.body["name"], "Acme Corp");
    // SPEC §3: both "allow manual ..." settings are on by default.
    assert_eq!(created.body["allow_manual_users"], true);
    assert_eq!(created.body["allow_manual_groups"], true);
    assert_eq!(created.body["two_factor"], "never");

    let shown = app.get("/api/admin/sites/acme").await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.body["id"], created.body["id"]);

    let patched = app
        .patch(
            "/api/admin/sites/acme",
            json!({ "allow_manual_users": false, "two_factor": "always", "slug": "acme-corp" }),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{patched:?}");
    assert_eq!(patched.body["allow_manual_users"], false);
    assert_eq!(patched.body["allow_manual_groups"], true);
    assert_eq!(patched.body["two_factor"], "always");
    assert_eq!(app.get("/api/admin/sites/acme").await.status, StatusCode::NOT_FOUND);
    let stored = app.get("/api/admin/sites/acme-corp").await;
    assert_eq!(stored.body["allow_manual_users"], false);
    assert_eq!(stored.body["name"], "Acme Corp");

    assert_eq!(app.delete("/api/admin/sites/acme-corp").await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/admin/sites/acme-corp").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.delete("/api/admin/sites/acme-corp").await.status, StatusCode::NOT_FOUND);
}

async fn site_lists_are_paged(backend: Backend) {
    let app = spawn_app(backend).await;
    for i in 0..5 {
        app.site(&format!("site-{i}")).await;
    }
    let first = app.get("/api/admin/sites?limit=2").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body["total"], 5);
    assert_eq!(first.body["limit"], 2);
    let slugs = |body: &serde_json::Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["slug"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(slugs(&first.body), ["site-0", "site-1"]);
    let last = app.get("/api/admin/sites?limit=2&offset=4").await;
    assert_eq!(slugs(&last.body), ["site-4"]);
    let beyond = app.get("/api/admin/sites?offset=50").await;
    assert_eq!(beyond.body["items"], json!([]));
    assert_eq!(beyond.body["total"], 5);
    for query in ["limit=0", "limit=501", "limit=-1", "limit=ten", "offset=x", "colour=blue"] {
        let reply = app.get(&format!("/api/admin/sites?{query}")).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_request", None);
    }
    assert_eq!(app.get("/api/admin/sites?limit=0").await.body["field"], "limit");
}

async fn bad_site_input_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let before = app.snapshot().await;
    let cases = [
        (json!({ "slug": "Acme" }), "slug"),
        (json!({ "slug": "-acme" }), "slug"),
        (json!({ "slug": "" }), "slug"),
        (json!({ "slug": "a".repeat(64) }), "slug"),
        (json!({ "slug": "ok", "name": "   " }), "name"),
        (json!({ "slug": "ok", "two_factor": "site_policy" }), "two_factor"),
        (json!({ "slug": "ok", "two_factor": "sometimes" }), "two_factor"),
        (json!({ "slug": 7 }), "slug"),
        (json!({ "slug": "ok", "allow_manual_users": "yes" }), "allow_manual_users"),
        (json!({ "slug": "ok", "colour": "blue" }), "colour"),
        (json!({ "name": "no slug" }), "body"),
    ];
    for (body, field) in cases {
        let reply = app.post("/api/admin/sites", body.clone()).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_request", Some(field));
    }
    let duplicate = app.post("/api/admin/sites", json!({ "slug": "acme" })).await;
    assert_error(&duplicate, StatusCode::CONFLICT, "conflict", Some("slug"));
    let patch = app.patch("/api/admin/sites/acme", json!({ "slug": "Not Valid" })).await;
    assert_error(&patch, StatusCode::BAD_REQUEST, "invalid_request", Some("slug"));

    let not_json = app
        .client
        .post(format!("{}/api/admin/sites", app.address))
        .bearer_auth(&app.key)
        .header("content-type", "application/json")
        .body("{\"slug\": ")
        .send()
        .await
        .unwrap();
    let not_json = crate::helpers::reply(not_json).await;
    assert_error(&not_json, StatusCode::BAD_REQUEST, "invalid_json", None);
    let trailing = app
        .client
        .post(format!("{}/api/admin/sites", app.address))
        .bearer_auth(&app.key)
        .header("content-type", "application/json")
        .body("{\"slug\": \"two\"} {\"slug\": \"three\"}")
        .send()
        .await
        .unwrap();
    let trailing = crate::helpers::reply(trailing).await;
    assert_error(&trailing, StatusCode::BAD_REQUEST, "invalid_json", None);
    let wrong_method =
        app.call(Method::PUT, "/api/admin/sites", Some(json!({ "slug": "put" }))).await;
    assert_error(&wrong_method, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", None);
    let form = app
        .client
        .post(format!("{}/api/admin/sites", app.address))
        .bearer_auth(&app.key)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("slug=x")
        .send()
        .await
        .unwrap();
    let form = crate::helpers::reply(form).await;
    assert_error(&form, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", None);
    let huge = app
        .post("/api/admin/sites", json!({ "slug": "big", "name": "x".repeat(3 * 1024 * 1024) }))
        .await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE, "{:?}", huge.status);
    assert_eq!(app.snapshot().await, before);
}

async fn site_keys_see_only_their_site(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("a").await;
    app.site("b").await;
    let key = app.site_key("a").await;
    let list = app.call_as(&key, Method::GET, "/api/admin/sites", None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["slug"], "a");
    let before = app.snapshot().await;
    let create =
        app.call_as(&key, Method::POST, "/api/admin/sites", Some(json!({ "slug": "c" }))).await;
    assert_error(&create, StatusCode::FORBIDDEN, "forbidden", None);
    let delete = app.call_as(&key, Method::DELETE, "/api/admin/sites/a", None).await;
    assert_error(&delete, StatusCode::FORBIDDEN, "forbidden", None);
    assert_eq!(app.snapshot().await, before);
    // A site key may configure its own site.
    let own = app
        .call_as(&key, Method::PATCH, "/api/admin/sites/a", Some(json!({ "name": "Site A" })))
        .await;
    assert_eq!(own.status, StatusCode::OK, "{own:?}");
}

async fn deleting_a_site_deletes_everything_in_it(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("gone").await;
    app.site("kept").await;
    for site in ["gone", "kept"] {
        let user = app.user(site, json!({ "username": "alice" })).await;
        let group =
            app.post(&format!("/api/admin/sites/{site}/groups"), json!({ "name": "Staff" })).await;
        let group = group.body["id"].as_str().unwrap().to_owned();
        let member = app
            .post(
                &format!("/api/admin/sites/{site}/groups/{group}/members"),
                json!({ "user_id": user }),
            )
            .await;
        assert_eq!(member.status, StatusCode::CREATED);
        let provider = app
            .post(
                &format!("/api/admin/sites/{site}/providers"),
                json!({ "kind": "okta", "name": "Okta" }),
            )
            .await;
        assert_eq!(provider.status, StatusCode::CREATED);
        app.site_key(site).await;
    }
    let kept_before = app.get("/api/admin/sites/kept/users").await.body;
    assert_eq!(app.delete("/api/admin/sites/gone").await.status, StatusCode::NO_CONTENT);
    let dump = app.snapshot().await;
    let gone_id = "gone";
    assert!(!dump.contains(&format!("slug=\"{gone_id}\"")), "{dump}");
    assert_eq!(app.get("/api/admin/sites/kept/users").await.body, kept_before);
    assert_eq!(app.get("/api/admin/sites/kept/groups").await.body["total"], 1);
    assert_eq!(app.get("/api/admin/sites/kept/providers").await.body["total"], 1);
    assert_eq!(app.get("/api/admin/sites/kept/keys").await.body["total"], 1);
    // Nothing of the deleted site is left in any table.
    let rows_left = dump
        .lines()
        .filter(|line| line.contains("site_id=") && !line.contains("site_id=NULL"))
        .count();
    let kept_id = app.get("/api/admin/sites/kept").await.body["id"].as_str().unwrap().to_owned();
    let kept_rows =
        dump.lines().filter(|line| line.contains(&format!("site_id={kept_id:?}"))).count();
    assert_eq!(rows_left, kept_rows, "{dump}");
}

crate::on_both_databases!(
    site_lifecycle,
    site_lists_are_paged,
    bad_site_input_changes_nothing,
    site_keys_see_only_their_site,
    deleting_a_site_deletes_everything_in_it,
);
