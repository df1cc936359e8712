//! Two sites cannot see or change each other's users, groups or providers
//! through any admin endpoint: a site key aimed at another site finds
//! nothing and changes nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, assert_error, spawn_app};

/// Builds a site with one user, group (with that member), provider and key;
/// returns (user id, group id, provider id).
async fn populate(app: &TestApp, site: &str) -> (String, String, String) {
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
    (user, group, provider.body["id"].as_str().unwrap().to_owned())
}

async fn sites_are_isolated_on_every_endpoint(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("a").await;
    app.site("b").await;
    let (a_user, a_group, a_provider) = populate(&app, "a").await;
    let (b_user, b_group, b_provider) = populate(&app, "b").await;
    let b_key = app.site_key("b").await;

    // Every request a site-b key might aim at site a, by its slug or by
    // slipping site-a ids into site-b paths.
    let reads: Vec<String> = vec![
        "/api/admin/sites/a".into(),
        "/api/admin/sites/a/users".into(),
        format!("/api/admin/sites/a/users/{a_user}"),
        format!("/api/admin/sites/b/users/{a_user}"),
        "/api/admin/sites/a/groups".into(),
        format!("/api/admin/sites/a/groups/{a_group}"),
        format!("/api/admin/sites/b/groups/{a_group}"),
        format!("/api/admin/sites/a/groups/{a_group}/members"),
        format!("/api/admin/sites/b/groups/{a_group}/members"),
        "/api/admin/sites/a/providers".into(),
        format!("/api/admin/sites/a/providers/{a_provider}"),
        format!("/api/admin/sites/b/providers/{a_provider}"),
        "/api/admin/sites/a/keys".into(),
    ];
    let writes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::PATCH, "/api/admin/sites/a".into(), Some(json!({ "name": "pwned" }))),
        (Method::POST, "/api/admin/sites/a/users".into(), Some(json!({ "username": "mallory" }))),
        (
            Method::PATCH,
            format!("/api/admin/sites/a/users/{a_user}"),
            Some(json!({ "enabled": false })),
        ),
        (
            Method::PATCH,
            format!("/api/admin/sites/b/users/{a_user}"),
            Some(json!({ "enabled": false })),
        ),
        (Method::DELETE, format!("/api/admin/sites/a/users/{a_user}"), None),
        (Method::DELETE, format!("/api/admin/sites/b/users/{a_user}"), None),
        (Method::POST, "/api/admin/sites/a/groups".into(), Some(json!({ "name": "x" }))),
        (
            Method::PATCH,
            format!("/api/admin/sites/b/groups/{a_group}"),
            Some(json!({ "name": "x" })),
        ),
        (Method::DELETE, format!("/api/admin/sites/b/groups/{a_group}"), None),
        (
            Method::POST,
            format!("/api/admin/sites/a/groups/{a_group}/members"),
            Some(json!({ "user_id": b_user })),
        ),
        (
            Method::POST,
            format!("/api/admin/sites/b/groups/{a_group}/members"),
            Some(json!({ "user_id": b_user })),
        ),
        (
            Method::PATCH,
            format!("/api/admin/sites/b/groups/{a_group}/members/{a_user}"),
            Some(json!({ "is_admin": true })),
        ),
        (Method::DELETE, format!("/api/admin/sites/b/groups/{a_group}/members/{a_user}"), None),
        (
            Method::POST,
            "/api/admin/sites/a/providers".into(),
            Some(json!({ "kind": "okta", "name": "x" })),
        ),
        (
            Method::PATCH,
            format!("/api/admin/sites/b/providers/{a_provider}"),
            Some(json!({ "name": "x" })),
        ),
        (Method::DELETE, format!("/api/admin/sites/b/providers/{a_provider}"), None),
        (Method::POST, "/api/admin/sites/a/keys".into(), Some(json!({}))),
    ];
    let before = app.snapshot().await;
    for path in &reads {
        let reply = app.call_as(&b_key, Method::GET, path, None).await;
        assert_error(&reply, StatusCode::NOT_FOUND, "not_found", None);
        assert!(!reply.body.to_string().contains(&a_user), "{path} leaked {reply:?}");
    }
    for (method, path, body) in writes {
        let reply = app.call_as(&b_key, method.clone(), &path, body).await;
        assert_error(&reply, StatusCode::NOT_FOUND, "not_found", None);
    }
    // Site-b resources cannot be wired to site-a things either.
    let cross = [
        app.call_as(
            &b_key,
            Method::POST,
            &format!("/api/admin/sites/b/groups/{b_group}/members"),
            Some(json!({ "user_id": a_user })),
        )
        .await,
        app.call_as(
            &b_key,
            Method::POST,
            "/api/admin/sites/b/users",
            Some(json!({ "username": "eve", "auth_method": "sso", "sso_provider_id": a_provider })),
        )
        .await,
        app.call_as(
            &b_key,
            Method::PATCH,
            &format!("/api/admin/sites/b/users/{b_user}"),
            Some(json!({ "sso_provider_id": a_provider })),
        )
        .await,
    ];
    for reply in &cross {
        assert_error(reply, StatusCode::BAD_REQUEST, "invalid_request", None);
    }
    assert_eq!(app.snapshot().await, before);

    // The same key works on its own site.
    let own = app
        .call_as(&b_key, Method::GET, &format!("/api/admin/sites/b/providers/{b_provider}"), None)
        .await;
    assert_eq!(own.status, StatusCode::OK);
    let listed = app.call_as(&b_key, Method::GET, "/api/admin/sites/b/users", None).await;
    assert_eq!(listed.body["total"], 1);
    assert_eq!(listed.body["items"][0]["id"], b_user.as_str());
}

crate::on_both_databases!(sites_are_isolated_on_every_endpoint);
