//! `/api/admin/sites/{site}/users`: every attribute of SPEC §1, usernames
//! unique without regard to case, the "allow manual ..." lock and the
//! last-password-admin guard of SPEC §3.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, assert_error, spawn_app};

const USERS: &str = "/api/admin/sites/acme/users";

async fn acme(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    app
}

async fn user_lifecycle_with_every_attribute(backend: Backend) {
    let app = acme(backend).await;
    let okta = app
        .post("/api/admin/sites/acme/providers", json!({ "kind": "okta", "name": "Okta" }))
        .await;
    let okta = okta.body["id"].as_str().unwrap().to_owned();
    let body = json!({
        "username": "Ada.Lovelace@Example.com",
        "full_name": "Ada Lovelace",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "display_name": "Ada",
        "email": "ada@example.com",
        "company": "Analytical Engines",
        "time_zone": "Europe/London",
        "enabled": true,
        "auth_method": "sso",
        "sso_provider_id": okta,
        "site_admin": false,
        "readonly_site_admin": true,
        "two_factor": "always",
        "webdav": true,
        "ftp": false,
        "sftp": true,
        "external_id": "00u1abcd"
    });
    let created = app.post(USERS, body.clone()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let id = created.body["id"].as_str().unwrap().to_owned();
    for (field, value) in body.as_object().unwrap() {
        assert_eq!(&created.body[field], value, "{field}");
    }
    assert_eq!(created.body["provisioned_by"], "manual");
    assert_eq!(created.body["last_login_at"], Value::Null);
    assert!(created.body["created_at"].as_str().unwrap().ends_with('Z'));

    let shown = app.get(&format!("{USERS}/{id}")).await;
    assert_eq!(shown.body, created.body);

    let patched = app
        .patch(&format!("{USERS}/{id}"), json!({ "company": null, "display_name": null, "auth_method": "password", "email": "ada@engines.example" }))
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{patched:?}");
    assert_eq!(patched.body["company"], Value::Null);
    assert_eq!(patched.body["display_name"], Value::Null);
    assert_eq!(patched.body["auth_method"], "password");
    assert_eq!(patched.body["sso_provider_id"], Value::Null);
    assert_eq!(patched.body["full_name"], "Ada Lovelace");
    assert_eq!(app.get(&format!("{USERS}/{id}")).await.body, patched.body);

    assert_eq!(app.delete(&format!("{USERS}/{id}")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&format!("{USERS}/{id}")).await.status, StatusCode::NOT_FOUND);
}

async fn usernames_are_unique_ignoring_case_and_keep_theirs(backend: Backend) {
    let app = acme(backend).await;
    let id = app.user("acme", json!({ "username": "Alice" })).await;
    let before = app.snapshot().await;
    for taken in ["alice", "ALICE", "Alice"] {
        let reply = app.post(USERS, json!({ "username": taken })).await;
        assert_error(&reply, StatusCode::CONFLICT, "conflict", Some("username"));
    }
    assert_eq!(app.snapshot().await, before);
    // A change of case alone is a rename of the same user, not a conflict.
    let renamed = app.patch(&format!("{USERS}/{id}"), json!({ "username": "ALICE" })).await;
    assert_eq!(renamed.status, StatusCode::OK, "{renamed:?}");
    assert_eq!(renamed.body["username"], "ALICE");
    let bob = app.user("acme", json!({ "username": "bob" })).await;
    let before = app.snapshot().await;
    let clash = app.patch(&format!("{USERS}/{bob}"), json!({ "username": "alice" })).await;
    assert_error(&clash, StatusCode::CONFLICT, "conflict", Some("username"));
    assert_eq!(app.snapshot().await, before);
}

async fn users_are_listed_in_pages(backend: Backend) {
    let app = acme(backend).await;
    for i in 0..7 {
        app.user("acme", json!({ "username": format!("user{i}") })).await;
    }
    let page = app.get(&format!("{USERS}?offset=5&limit=5")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body["total"], 7);
    let names: Vec<&str> = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["user5", "user6"]);
}

async fn bad_user_input_changes_nothing(backend: Backend) {
    let app = acme(backend).await;
    app.site("other").await;
    let foreign = app
        .post("/api/admin/sites/other/providers", json!({ "kind": "okta", "name": "Okta" }))
        .await;
    let foreign = foreign.body["id"].as_str().unwrap().to_owned();
    let id = app.user("acme", json!({ "username": "alice" })).await;
    let before = app.snapshot().await;
    let creations = [
        (json!({}), "body"),
        (json!({ "username": "" }), "username"),
        (json!({ "username": " padded" }), "username"),
        (json!({ "username": "x".repeat(256) }), "username"),
        (json!({ "username": "ok", "email": "not-an-email" }), "email"),
        (json!({ "username": "ok", "time_zone": "Mars/Olympus" }), "time_zone"),
        (json!({ "username": "ok", "two_factor": "maybe" }), "two_factor"),
        (json!({ "username": "ok", "auth_method": "magic" }), "auth_method"),
        (json!({ "username": "ok", "auth_method": "sso" }), "sso_provider_id"),
        (
            json!({ "username": "ok", "auth_method": "sso", "sso_provider_id": "nope" }),
            "sso_provider_id",
        ),
        (
            json!({ "username": "ok", "auth_method": "sso", "sso_provider_id": foreign }),
            "sso_provider_id",
        ),
        (
            json!({ "username": "ok", "auth_method": "password", "sso_provider_id": foreign }),
            "sso_provider_id",
        ),
        (json!({ "username": "ok", "full_name": "  " }), "full_name"),
        (json!({ "username": "ok", "site_admin": "true" }), "site_admin"),
        (json!({ "username": "ok", "external_id": "" }), "external_id"),
        (json!({ "username": "ok", "password": "secret" }), "password"),
    ];
    for (body, field) in creations {
        let reply = app.post(USERS, body.clone()).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_request", Some(field));
    }
    let updates = [
        (json!({ "email": "@" }), "email"),
        (json!({ "username": null }), "username"),
        (json!({ "enabled": null }), "enabled"),
        (json!({ "time_zone": "" }), "time_zone"),
    ];
    for (body, field) in updates {
        let reply = app.patch(&format!("{USERS}/{id}"), body.clone()).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_request", Some(field));
    }
    assert_eq!(
        app.patch(&format!("{USERS}/nope"), json!({ "enabled": false })).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.delete(&format!("{USERS}/nope")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.post("/api/admin/sites/nope/users", json!({ "username": "x" })).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.snapshot().await, before);
}

async fn the_manual_lock_refuses_every_user_change(backend: Backend) {
    let app = acme(backend).await;
    let id = app.user("acme", json!({ "username": "alice" })).await;
    let locked = app.patch("/api/admin/sites/acme", json!({ "allow_manual_users": false })).await;
    assert_eq!(locked.status, StatusCode::OK);
    let before = app.snapshot().await;
    let attempts = [
        app.post(USERS, json!({ "username": "bob" })).await,
        app.patch(&format!("{USERS}/{id}"), json!({ "full_name": "Alice" })).await,
        app.patch(&format!("{USERS}/{id}"), json!({ "enabled": false })).await,
        app.delete(&format!("{USERS}/{id}")).await,
    ];
    for reply in &attempts {
        assert_error(reply, StatusCode::FORBIDDEN, "manual_changes_disabled", None);
        assert!(reply.body["message"].as_str().unwrap().contains("allow_manual_users"));
    }
    assert_eq!(app.snapshot().await, before);
    // Reading still works, and the lock lifts with the setting.
    assert_eq!(app.get(&format!("{USERS}/{id}")).await.status, StatusCode::OK);
    app.patch("/api/admin/sites/acme", json!({ "allow_manual_users": true })).await;
    assert_eq!(
        app.patch(&format!("{USERS}/{id}"), json!({ "enabled": false })).await.status,
        StatusCode::OK
    );
}

async fn the_last_password_admin_stays(backend: Backend) {
    let app = acme(backend).await;
    let okta = app
        .post("/api/admin/sites/acme/providers", json!({ "kind": "okta", "name": "Okta" }))
        .await;
    let okta = okta.body["id"].as_str().unwrap().to_owned();
    let root = app.user("acme", json!({ "username": "root", "site_admin": true })).await;
    let path = format!("{USERS}/{root}");
    let before = app.snapshot().await;
    let attempts = [
        app.patch(&path, json!({ "auth_method": "sso", "sso_provider_id": okta })).await,
        app.patch(&path, json!({ "sso_provider_id": okta })).await,
        app.patch(&path, json!({ "enabled": false })).await,
        app.patch(&path, json!({ "site_admin": false })).await,
        app.delete(&path).await,
    ];
    for reply in &attempts {
        assert_error(reply, StatusCode::CONFLICT, "last_password_admin", None);
    }
    assert_eq!(app.snapshot().await, before);
    // Harmless edits of that admin still work.
    assert_eq!(app.patch(&path, json!({ "full_name": "Root" })).await.status, StatusCode::OK);

    // An admin on SSO or a disabled admin does not count as the fallback.
    app.user("acme", json!({ "username": "sso-admin", "site_admin": true, "auth_method": "sso", "sso_provider_id": okta })).await;
    app.user("acme", json!({ "username": "off-admin", "site_admin": true, "enabled": false }))
        .await;
    assert_error(
        &app.patch(&path, json!({ "sso_provider_id": okta })).await,
        StatusCode::CONFLICT,
        "last_password_admin",
        None,
    );

    // With a second enabled password admin, the first may move to SSO.
    app.user("acme", json!({ "username": "backup", "site_admin": true })).await;
    let moved = app.patch(&path, json!({ "sso_provider_id": okta })).await;
    assert_eq!(moved.status, StatusCode::OK, "{moved:?}");
    assert_eq!(moved.body["auth_method"], "sso");
}

/// Two administrators demoting the only two password admins at the same
/// time: one of them must be refused, whatever the interleaving.
async fn concurrent_demotions_keep_a_password_admin(backend: Backend) {
    for round in 0..5 {
        let app = acme(backend).await;
        let first = app
            .user("acme", json!({ "username": format!("root-{round}-a"), "site_admin": true }))
            .await;
        let second = app
            .user("acme", json!({ "username": format!("root-{round}-b"), "site_admin": true }))
            .await;
        let (first, second) = (format!("{USERS}/{first}"), format!("{USERS}/{second}"));
        let (a, b) = tokio::join!(
            app.patch(&first, json!({ "site_admin": false })),
            app.patch(&second, json!({ "site_admin": false })),
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "{a:?} {b:?}");
        let admins = app.get(USERS).await.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|user| user["site_admin"] == true)
            .count();
        assert_eq!(admins, 1);
    }
}

/// Identifiers and text with a NUL byte (which PostgreSQL cannot store) are
/// client mistakes: 4xx, never 5xx, and nothing stored.
async fn nul_bytes_are_refused_not_crashes(backend: Backend) {
    let app = acme(backend).await;
    let id = app.user("acme", json!({ "username": "alice" })).await;
    let group = app.post("/api/admin/sites/acme/groups", json!({ "name": "Staff" })).await;
    let group = group.body["id"].as_str().unwrap().to_owned();
    let before = app.snapshot().await;
    for path in [
        format!("{USERS}/%00"),
        "/api/admin/sites/acme/groups/%00".to_owned(),
        "/api/admin/sites/acme/providers/%00".to_owned(),
        "/api/admin/sites/%00".to_owned(),
    ] {
        assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(app.delete(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(app.get("/api/admin/sites/%00/users").await.status, StatusCode::NOT_FOUND);
    let member = format!("/api/admin/sites/acme/groups/{group}/members/%00");
    assert_eq!(app.delete(&member).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.patch(&member, json!({ "is_admin": true })).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.delete("/api/admin/keys/%00").await.status, StatusCode::NOT_FOUND);
    let bodies = [
        (
            format!("/api/admin/sites/acme/groups/{group}/members"),
            json!({ "user_id": "a\u{0}b" }),
            "user_id",
        ),
        (
            USERS.to_owned(),
            json!({ "username": "bob", "auth_method": "sso", "sso_provider_id": "\u{0}" }),
            "sso_provider_id",
        ),
        (USERS.to_owned(), json!({ "username": "b\u{0}b" }), "username"),
        (
            "/api/admin/sites/acme/providers".to_owned(),
            json!({ "kind": "saml", "name": "X", "saml": { "trust": "metadata_xml", "metadata_xml": "<x>\u{0}</x>" } }),
            "saml.metadata_xml",
        ),
        (
            "/api/admin/sites/acme/providers".to_owned(),
            json!({ "kind": "ldap", "name": "X", "ldap": { "host": "dc", "base_dn": "dc=x\u{0}" } }),
            "ldap.base_dn",
        ),
        (
            "/api/admin/sites/acme/providers".to_owned(),
            json!({ "kind": "ldap", "name": "X", "ldap": { "host": "dc", "base_dn": "dc=x", "bind_password": "p\u{0}" } }),
            "ldap.bind_password",
        ),
    ];
    for (path, body, field) in bodies {
        let reply = app.post(&path, body).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_request", Some(field));
    }
    assert_eq!(
        app.patch(&format!("{USERS}/{id}"), json!({ "external_id": "x\u{0}" })).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(app.snapshot().await, before);
}

crate::on_both_databases!(
    concurrent_demotions_keep_a_password_admin,
    nul_bytes_are_refused_not_crashes,
    user_lifecycle_with_every_attribute,
    usernames_are_unique_ignoring_case_and_keep_theirs,
    users_are_listed_in_pages,
    bad_user_input_changes_nothing,
    the_manual_lock_refuses_every_user_change,
    the_last_password_admin_stays,
);
