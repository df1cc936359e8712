//! User lifecycle rules: disable or delete the users who have not signed
//! in for N days, optionally of one provider or one authentication method;
//! never the last password site admin; recorded in the history as the
//! rule's; an identity provider's `active: true` brings a user back; bad
//! rules refused and nothing changed.

use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::cli::{run_json, run_ok};
use crate::helpers::{Backend, TestApp, assert_error, patch_op, scim_user, spawn_app};
use crate::password_signin::{sign_in, with_password};

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

async fn users(app: &TestApp) -> Vec<(String, bool)> {
    let listed = app.get("/api/admin/sites/acme/users?limit=100").await;
    let mut users: Vec<(String, bool)> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["username"].as_str().unwrap().to_owned(), u["enabled"].as_bool().unwrap()))
        .collect();
    users.sort();
    users
}

async fn run_rules(app: &TestApp) -> Value {
    serde_json::to_value(app.app.jobs().lifecycle_rules().await.unwrap()).unwrap()
}

async fn inactive_users_are_disabled_but_never_the_last_password_admin(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    with_password(&app, json!({ "username": "ada", "site_admin": true }), "ada's horse staple")
        .await;
    with_password(&app, json!({ "username": "bob" }), "bob's horse staple").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let carol = scim.post("/Users", scim_user("carol@example.com")).await;
    assert_eq!(carol.status, StatusCode::CREATED);
    let carol = carol.body["id"].as_str().unwrap().to_owned();

    app.clock.advance(days(20));
    assert_eq!(sign_in(&app, "bob", "bob's horse staple").await.0, StatusCode::OK);
    app.clock.advance(days(20));
    let rule = app
        .post(
            "/api/admin/sites/acme/lifecycle-rules",
            json!({ "action": "disable", "inactive_days": 30 }),
        )
        .await;
    assert_eq!(rule.status, StatusCode::CREATED, "{rule:?}");
    let rule_id = rule.body["id"].as_str().unwrap().to_owned();

    let report = run_rules(&app).await;
    assert_eq!(report, json!({ "rules": 1, "disabled": 1, "deleted": 0, "kept_last_admin": 1 }));
    assert_eq!(
        users(&app).await,
        [
            ("ada".to_owned(), true),
            ("bob".to_owned(), true),
            ("carol@example.com".to_owned(), false)
        ]
    );
    let entries = app.get("/api/admin/sites/acme/logs/history?interface=lifecycle_rule").await;
    let entries = entries.body["items"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["action"], "disabled");
    assert_eq!(
        entries[0]["actor"],
        json!({ "kind": "lifecycle_rule", "id": rule_id, "name": null })
    );
    assert_eq!(entries[0]["target"]["name"], "carol@example.com");
    // Again: nothing more to do.
    assert_eq!(run_rules(&app).await["disabled"], 0);

    // The identity provider brings the user back.
    let back = scim
        .patch(
            &format!("/Users/{carol}"),
            patch_op(json!([{ "op": "replace", "path": "active", "value": true }])),
        )
        .await;
    assert_eq!(back.status, StatusCode::OK, "{back:?}");
    assert_eq!(back.body["active"], true);
    // While manual management is off, an administrator cannot.
    app.patch("/api/admin/sites/acme", json!({ "allow_manual_users": false })).await;
    let off = app
        .patch(&format!("/api/admin/sites/acme/users/{carol}"), json!({ "enabled": false }))
        .await;
    assert_error(&off, StatusCode::FORBIDDEN, "manual_changes_disabled", None);
}

async fn delete_rules_and_filters(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    with_password(&app, json!({ "username": "ada", "site_admin": true }), "ada's horse staple")
        .await;
    with_password(&app, json!({ "username": "bob" }), "bob's horse staple").await;
    let okta = app.scim_provider("acme", "okta", "Okta").await;
    let entra = app.scim_provider("acme", "entra_id", "Entra").await;
    assert_eq!(
        okta.post("/Users", scim_user("carol@example.com")).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        entra.post("/Users", scim_user("dave@example.com")).await.status,
        StatusCode::CREATED
    );
    app.clock.advance(days(100));

    let only_okta = app
        .post(
            "/api/admin/sites/acme/lifecycle-rules",
            json!({ "action": "delete", "inactive_days": 90, "provider_id": okta.provider_id }),
        )
        .await;
    assert_eq!(only_okta.status, StatusCode::CREATED, "{only_okta:?}");
    assert_eq!(run_rules(&app).await["deleted"], 1);
    let names: Vec<String> = users(&app).await.into_iter().map(|(name, _)| name).collect();
    assert_eq!(names, ["ada", "bob", "dave@example.com"]);

    let passwords = app
        .post(
            "/api/admin/sites/acme/lifecycle-rules",
            json!({ "action": "disable", "inactive_days": 90, "auth_method": "password" }),
        )
        .await;
    assert_eq!(passwords.status, StatusCode::CREATED);
    let report = run_rules(&app).await;
    assert_eq!(report["disabled"], 1, "bob; ada is the last password admin: {report}");
    assert_eq!(
        users(&app).await,
        [
            ("ada".to_owned(), true),
            ("bob".to_owned(), false),
            ("dave@example.com".to_owned(), true)
        ]
    );
    let listed = app.get("/api/admin/sites/acme/lifecycle-rules").await;
    assert_eq!(listed.body["total"], 2);
    assert_eq!(listed.body["items"][0]["provider_id"], okta.provider_id.as_str());
    assert_eq!(listed.body["items"][1]["auth_method"], "password");
}

async fn bad_rules_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let okta = app.scim_provider("acme", "okta", "Okta").await;
    let snapshot = app.snapshot().await;
    for (body, field) in [
        (json!({ "action": "archive", "inactive_days": 30 }), "action"),
        (json!({ "action": "disable", "inactive_days": 0 }), "inactive_days"),
        (json!({ "action": "disable", "inactive_days": 5000 }), "inactive_days"),
        (json!({ "action": "disable", "inactive_days": 30, "auth_method": "ldap" }), "auth_method"),
        (json!({ "action": "disable", "inactive_days": 30, "provider_id": "nope" }), "provider_id"),
        (
            json!({ "action": "disable", "inactive_days": 30, "provider_id": okta.provider_id,
                    "auth_method": "password" }),
            "auth_method",
        ),
    ] {
        let reply = app.post("/api/admin/sites/acme/lifecycle-rules", body.clone()).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_request", Some(field));
    }
    let reply = app
        .post(
            "/api/admin/sites/acme/lifecycle-rules",
            json!({ "action": "disable", "inactive_days": 30, "when": "now" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{reply:?}");
    let reply =
        app.post("/api/admin/sites/acme/lifecycle-rules", json!({ "action": "disable" })).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{reply:?}");
    let reply = app.delete("/api/admin/sites/acme/lifecycle-rules/nope").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(app.snapshot().await, snapshot, "nothing changed");
}

async fn lifecycle_rules_from_the_command_line(backend: Backend) {
    let db = crate::helpers::fresh_database(backend).await;
    run_ok(&db, &["site", "create", "--slug", "acme"]);
    run_ok(&db, &["user", "create", "--site", "acme", "--username", "ada"]);
    let rule = run_json(
        &db,
        &[
            "lifecycle-rule",
            "create",
            "--site",
            "acme",
            "--action",
            "disable",
            "--inactive-days",
            "30",
        ],
    );
    assert_eq!(rule["action"], "disable", "{rule}");
    let listed = run_json(&db, &["lifecycle-rule", "list", "--site", "acme"]);
    assert_eq!(listed["total"], 1);
    // Nobody has been inactive for 30 days yet.
    let report = run_json(&db, &["jobs", "run", "lifecycle-rules"]);
    assert_eq!(report, json!({ "rules": 1, "disabled": 0, "deleted": 0, "kept_last_admin": 0 }));
    let id = rule["id"].as_str().unwrap();
    run_ok(&db, &["lifecycle-rule", "delete", "--site", "acme", "--id", id]);
    assert_eq!(run_json(&db, &["lifecycle-rule", "list", "--site", "acme"])["total"], 0);
}

/// The manual lock (SPEC §3) over a rule's disable: while the site's
/// manual management is off, an administrator cannot re-enable the SCIM
/// user a rule disabled (refused with the operator's key and a site key
/// alike, nothing stored changes); the identity provider's
/// `active: true` restores it.
async fn a_rule_disabled_scim_user_is_locked_until_the_provider_restores_it(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let off = app.patch("/api/admin/sites/acme", json!({ "allow_manual_users": false })).await;
    assert_eq!(off.status, StatusCode::OK, "{off:?}");
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let carol = scim.post("/Users", scim_user("carol@example.com")).await;
    assert_eq!(carol.status, StatusCode::CREATED, "{carol:?}");
    let carol = carol.body["id"].as_str().unwrap().to_owned();
    app.clock.advance(days(40));
    let rule = app
        .post(
            "/api/admin/sites/acme/lifecycle-rules",
            json!({ "action": "disable", "inactive_days": 30 }),
        )
        .await;
    assert_eq!(rule.status, StatusCode::CREATED, "{rule:?}");
    assert_eq!(run_rules(&app).await["disabled"], 1);
    assert_eq!(users(&app).await, [("carol@example.com".to_owned(), false)]);

    // The operator's key and a site key alike are refused.
    let key = app.site_key("acme").await;
    let before = app.snapshot().await;
    let path = format!("/api/admin/sites/acme/users/{carol}");
    let refused = app.patch(&path, json!({ "enabled": true })).await;
    assert_error(&refused, StatusCode::FORBIDDEN, "manual_changes_disabled", None);
    let refused =
        app.call_as(&key, reqwest::Method::PATCH, &path, Some(json!({ "enabled": true }))).await;
    assert_error(&refused, StatusCode::FORBIDDEN, "manual_changes_disabled", None);
    assert_eq!(app.snapshot().await, before, "nothing changed");
    let scim_view = scim.get(&format!("/Users/{carol}")).await;
    assert_eq!(scim_view.body["active"], false, "{scim_view:?}");

    // The identity provider's active: true restores it.
    let back = scim
        .patch(
            &format!("/Users/{carol}"),
            patch_op(json!([{ "op": "replace", "path": "active", "value": true }])),
        )
        .await;
    assert_eq!(back.status, StatusCode::OK, "{back:?}");
    assert_eq!(back.body["active"], true, "{back:?}");
    assert_eq!(users(&app).await, [("carol@example.com".to_owned(), true)]);
    let entries = app.get("/api/admin/sites/acme/logs/history?limit=2").await;
    let newest = &entries.body["items"][0];
    assert_eq!(
        (newest["interface"].as_str(), newest["action"].as_str()),
        (Some("scim"), Some("enabled")),
        "{newest}"
    );
    assert_eq!(entries.body["items"][1]["interface"], "lifecycle_rule");
}

crate::on_both_databases!(
    inactive_users_are_disabled_but_never_the_last_password_admin,
    a_rule_disabled_scim_user_is_locked_until_the_provider_restores_it,
    delete_rules_and_filters,
    bad_rules_are_refused,
    lifecycle_rules_from_the_command_line,
);
