//! Admin keys: bearer authentication of the admin API, site and operator
//! scopes, revocation, and keys stored only as hashes.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, assert_error, spawn_app};

async fn requests_without_a_valid_key_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let url = format!("{}/api/admin/sites", app.address);
    let cases = [
        app.client.get(&url).send().await.unwrap(),
        app.client.get(&url).header("authorization", "Bearer ").send().await.unwrap(),
        app.client
            .get(&url)
            .header("authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l")
            .send()
            .await
            .unwrap(),
        app.client.get(&url).bearer_auth("roster_ak_0000").send().await.unwrap(),
        app.client.get(&url).bearer_auth(format!("{}x", app.key)).send().await.unwrap(),
    ];
    for response in cases {
        let reply = crate::helpers::reply(response).await;
        assert_error(&reply, StatusCode::UNAUTHORIZED, "unauthorized", None);
        assert!(reply.headers["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    }
    // The scheme name is case-insensitive (RFC 9110 §11.1).
    let lower = app
        .client
        .get(&url)
        .header("authorization", format!("bearer {}", app.key))
        .send()
        .await
        .unwrap();
    assert_eq!(lower.status(), StatusCode::OK);
}

async fn keys_are_shown_once_and_stored_hashed(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let created = app.post("/api/admin/sites/acme/keys", json!({ "name": "terraform" })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("roster_ak_") && secret.len() >= 74, "{secret}");
    assert_eq!(created.body["name"], "terraform");
    assert!(secret.starts_with(created.body["prefix"].as_str().unwrap()));
    assert!(!app.snapshot().await.contains(&secret), "the clear key must not be stored");
    let listed = app.get("/api/admin/sites/acme/keys").await;
    assert_eq!(listed.body["total"], 1);
    assert!(listed.body["items"][0].get("secret").is_none());
    assert!(!listed.body.to_string().contains(&secret));

    // The key works, and records when it was last used.
    let reply = app.call_as(&secret, Method::GET, "/api/admin/sites/acme", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let listed = app.get("/api/admin/sites/acme/keys").await;
    assert!(listed.body["items"][0]["last_used_at"].is_string(), "{listed:?}");
}

async fn revoked_keys_stop_working_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    app.site("other").await;
    let key = app.site_key("acme").await;
    let other_key = app.site_key("other").await;
    let id = app.get("/api/admin/sites/acme/keys").await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other_id = app.get("/api/admin/sites/other/keys").await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A site key cannot revoke (or even see) another site's key.
    let before = app.snapshot().await;
    let reply =
        app.call_as(&key, Method::DELETE, &format!("/api/admin/keys/{other_id}"), None).await;
    assert_error(&reply, StatusCode::NOT_FOUND, "not_found", None);
    assert_eq!(app.snapshot().await, before);
    assert_eq!(
        app.call_as(&other_key, Method::GET, "/api/admin/sites/other", None).await.status,
        StatusCode::OK
    );

    assert_eq!(app.delete(&format!("/api/admin/keys/{id}")).await.status, StatusCode::NO_CONTENT);
    let reply = app.call_as(&key, Method::GET, "/api/admin/sites/acme", None).await;
    assert_error(&reply, StatusCode::UNAUTHORIZED, "unauthorized", None);
    let listed = app.get("/api/admin/sites/acme/keys").await;
    assert!(listed.body["items"][0]["revoked_at"].is_string());
    assert_eq!(app.delete("/api/admin/keys/nope").await.status, StatusCode::NOT_FOUND);
}

async fn operator_keys_are_for_operators(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let site_key = app.site_key("acme").await;
    let before = app.snapshot().await;
    let reply = app.call_as(&site_key, Method::POST, "/api/admin/keys", Some(json!({}))).await;
    assert_error(&reply, StatusCode::FORBIDDEN, "forbidden", None);
    assert_eq!(app.snapshot().await, before);
    let all = app.call_as(&site_key, Method::GET, "/api/admin/keys", None).await;
    assert_eq!(all.status, StatusCode::OK);
    // A site key listing "all" keys sees its own site's only.
    assert_eq!(all.body["total"], 1);
    let operator = app.post("/api/admin/keys", json!({ "name": "ops" })).await;
    assert_eq!(operator.status, StatusCode::CREATED);
    assert_eq!(operator.body["site_id"], serde_json::Value::Null);
    let everything = app.get("/api/admin/keys").await;
    assert_eq!(everything.body["total"], 3);
    let bad = app.post("/api/admin/keys", json!({ "name": "" })).await;
    assert_error(&bad, StatusCode::BAD_REQUEST, "invalid_request", Some("name"));
}

crate::on_both_databases!(
    requests_without_a_valid_key_are_refused,
    keys_are_shown_once_and_stored_hashed,
    revoked_keys_stop_working_at_once,
    operator_keys_are_for_operators,
);
