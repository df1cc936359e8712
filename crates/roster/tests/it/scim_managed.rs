//! The managed model (SPEC §3): a provider's SCIM client sees and changes
//! only the users it provisioned or that an administrator associated with
//! it, never adopts a user or group by name, and leaves the others exactly
//! as they were.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, Scim, assert_scim_error, patch_op, scim_user as user, spawn_app};

const USERS: &str = "/api/admin/sites/acme/users";

fn replace_active(active: bool) -> Value {
    patch_op(json!([{ "op": "replace", "path": "active", "value": active }]))
}

/// Every way a SCIM client could reach user `id`: all answer 404.
async fn assert_invisible(scim: &Scim<'_>, id: &str, username: &str) {
    let path = format!("/Users/{id}");
    assert_scim_error(&scim.get(&path).await, StatusCode::NOT_FOUND, None);
    assert_scim_error(&scim.put(&path, user(username)).await, StatusCode::NOT_FOUND, None);
    assert_scim_error(&scim.patch(&path, replace_active(false)).await, StatusCode::NOT_FOUND, None);
    assert_scim_error(&scim.delete(&path).await, StatusCode::NOT_FOUND, None);
    let filtered = scim.get(&format!("/Users?filter=userName%20eq%20%22{username}%22")).await;
    assert_eq!(filtered.body["totalResults"], 0, "{filtered:?}");
    let all = scim.get("/Users?count=1000").await;
    let ids: Vec<&str> = all.body["Resources"]
        .as_array()
        .map(|items| items.iter().filter_map(|r| r["id"].as_str()).collect())
        .unwrap_or_default();
    assert!(!ids.contains(&id), "{all:?}");
}

async fn other_users_are_invisible_and_never_adopted(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let okta = app.scim_provider("acme", "okta", "Okta").await;
    let entra = app.scim_provider("acme", "entra_id", "Entra").await;
    let local = app.user("acme", json!({ "username": "carol@example.com" })).await;
    let disabled =
        app.user("acme", json!({ "username": "dave@example.com", "enabled": false })).await;
    let theirs = entra.post("/Users", user("erin@example.com")).await;
    assert_eq!(theirs.status, StatusCode::CREATED, "{theirs:?}");
    let theirs = theirs.body["id"].as_str().unwrap().to_owned();
    let before = app.snapshot().await;

    for (id, name) in [
        (&local, "carol@example.com"),
        (&disabled, "dave@example.com"),
        (&theirs, "erin@example.com"),
    ] {
        assert_invisible(&okta, id, name).await;
        // A create under the same name, in any letter case, is a conflict
        // and leaves the existing user as it was.
        let clash = okta.post("/Users", user(&name.to_uppercase())).await;
        assert_scim_error(&clash, StatusCode::CONFLICT, Some("uniqueness"));
        assert!(clash.body["detail"].as_str().unwrap().contains("already taken"), "{clash:?}");
    }
    assert_eq!(app.snapshot().await, before);
}

async fn an_associated_user_becomes_managed(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let okta = app.scim_provider("acme", "okta", "Okta").await;
    let carol = app
        .user("acme", json!({ "username": "carol@example.com", "full_name": "Carol Local" }))
        .await;
    assert_invisible(&okta, &carol, "carol@example.com").await;

    // The administrator sets Carol's authentication method to Okta.
    let associated = app
        .patch(
            &format!("{USERS}/{carol}"),
            json!({ "auth_method": "sso", "sso_provider_id": okta.provider_id }),
        )
        .await;
    assert_eq!(associated.status, StatusCode::OK, "{associated:?}");

    // Okta now finds her by its probe and updates her by PUT.
    let probe = okta.get("/Users?filter=userName%20eq%20%22carol@example.com%22").await;
    assert_eq!(probe.body["totalResults"], 1, "{probe:?}");
    assert_eq!(probe.body["Resources"][0]["id"], carol.as_str());
    let mut update = user("carol@example.com");
    update["name"] =
        json!({ "givenName": "Carol", "familyName": "Okta", "formatted": "Carol Okta" });
    update["externalId"] = json!("00u-carol");
    let replaced = okta.put(&format!("/Users/{carol}"), update).await;
    assert_eq!(replaced.status, StatusCode::OK, "{replaced:?}");
    let disabled = okta.patch(&format!("/Users/{carol}"), replace_active(false)).await;
    assert_eq!(disabled.body["active"], false, "{disabled:?}");
    let stored = app.get(&format!("{USERS}/{carol}")).await;
    assert_eq!(stored.body["full_name"], "Carol Okta", "{stored:?}");
    assert_eq!(stored.body["external_id"], "00u-carol");
    assert_eq!(stored.body["enabled"], false);
    // Associated, not provisioned: how she came to exist does not change.
    assert_eq!(stored.body["provisioned_by"], "manual");

    // Moving her back to password login ends Okta's reach again.
    let back = app.patch(&format!("{USERS}/{carol}"), json!({ "auth_method": "password" })).await;
    assert_eq!(back.status, StatusCode::OK, "{back:?}");
    assert_invisible(&okta, &carol, "carol@example.com").await;
}

async fn groups_are_never_adopted(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let okta = app.scim_provider("acme", "okta", "Okta").await;
    let entra = app.scim_provider("acme", "entra_id", "Entra").await;
    let local = app.post("/api/admin/sites/acme/groups", json!({ "name": "Staff" })).await;
    let local = local.body["id"].as_str().unwrap().to_owned();
    let group = |name: &str| json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name });
    let theirs = entra.post("/Groups", group("Engineering")).await;
    assert_eq!(theirs.status, StatusCode::CREATED, "{theirs:?}");
    let theirs = theirs.body["id"].as_str().unwrap().to_owned();
    let before = app.snapshot().await;
    for (id, name) in [(&local, "STAFF"), (&theirs, "engineering")] {
        assert_scim_error(
            &okta.post("/Groups", group(name)).await,
            StatusCode::CONFLICT,
            Some("uniqueness"),
        );
        assert_scim_error(&okta.get(&format!("/Groups/{id}")).await, StatusCode::NOT_FOUND, None);
        assert_scim_error(
            &okta.put(&format!("/Groups/{id}"), group(name)).await,
            StatusCode::NOT_FOUND,
            None,
        );
        assert_scim_error(
            &okta.delete(&format!("/Groups/{id}")).await,
            StatusCode::NOT_FOUND,
            None,
        );
        let listed = okta.get("/Groups").await;
        assert_eq!(listed.body["totalResults"], 0, "{listed:?}");
    }
    assert_eq!(app.snapshot().await, before);
}

async fn a_disabled_user_stays_disabled_until_the_provider_says_so(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let okta = app.scim_provider("acme", "okta", "Okta").await;
    let created = okta.post("/Users", user("frank@example.com")).await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    okta.patch(&format!("/Users/{id}"), replace_active(false)).await;
    let locked = app.patch("/api/admin/sites/acme", json!({ "allow_manual_users": false })).await;
    assert_eq!(locked.status, StatusCode::OK, "{locked:?}");
    let refused = app.patch(&format!("{USERS}/{id}"), json!({ "enabled": true })).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{refused:?}");
    assert_eq!(app.get(&format!("{USERS}/{id}")).await.body["enabled"], false);
    let enabled = okta.patch(&format!("/Users/{id}"), replace_active(true)).await;
    assert_eq!(enabled.body["active"], true, "{enabled:?}");
    assert_eq!(app.get(&format!("{USERS}/{id}")).await.body["enabled"], true);
}

crate::on_both_databases!(
    other_users_are_invisible_and_never_adopted,
    an_associated_user_becomes_managed,
    groups_are_never_adopted,
    a_disabled_user_stays_disabled_until_the_provider_says_so,
);
