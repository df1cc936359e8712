//! The history log for each interface besides the admin API and SCIM
//! creates: SAML sign-ins and just-in-time creation (interface `saml`, the
//! provider as actor of what it created, the person of their sign-in),
//! LDAP syncs (interface `ldap`, the directory's provider as actor, a
//! full sync's removal a `disabled` with its `enabled` change), a site
//! key's changes (named by action: role granted, disabled, credential
//! reset), and a SCIM `DELETE` that only releases a user.

use reqwest::{Method, StatusCode};
use roster_ldap::testing::Slapd;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, scim_user, spawn_app};
use crate::ldap_sync::{provider as ldap_provider, sync};
use crate::saml_idp::SamlIdp;
use crate::saml_signin::{answer, post, provider as saml_provider, start};

/// Every entry of site `acme` with these query filters, oldest first.
async fn entries(app: &TestApp, query: &str) -> Vec<Value> {
    let reply = app.get(&format!("/api/admin/sites/acme/logs/history?limit=1000&{query}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let mut items = reply.body["items"].as_array().unwrap().clone();
    items.reverse();
    items
}

/// `(action, target name)` of each entry.
fn actions(entries: &[Value]) -> Vec<(String, String)> {
    entries
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["target"]["name"].as_str().unwrap_or("-").to_owned(),
            )
        })
        .collect()
}

fn pair(action: &str, target: &str) -> (String, String) {
    (action.to_owned(), target.to_owned())
}

/// The change of `field` an entry records, as `(before, after)`.
fn change(entry: &Value, field: &str) -> Option<(Value, Value)> {
    entry["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == field)
        .map(|c| (c["before"].clone(), c["after"].clone()))
}

async fn saml_sign_ins_and_just_in_time_creation_are_recorded(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let options = json!({ "provision_group_memberships": true });
    let provider = saml_provider(&app, &idp, "okta", options).await;
    let made = app.post("/api/admin/sites/acme/groups", json!({ "name": "Staff" })).await;
    assert_eq!(made.status, StatusCode::CREATED, "{made:?}");
    let before = entries(&app, "").await.len();

    // The first sign-in creates ada just in time, in Staff.
    let request = start(&app, &idp, &provider).await;
    let spec = answer(&request, &app, "ada")
        .attribute("email", "ada@example.com")
        .attribute("groups", "Staff");
    let acs = request["assertion_consumer_service_url"].as_str().unwrap().to_owned();
    let (status, _, page) = post(&acs, &idp.response(&spec)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // A second sign-in creates nothing.
    let request = start(&app, &idp, &provider).await;
    let (status, _, page) = post(&acs, &idp.response(&answer(&request, &app, "ada"))).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // A refused one (the user is disabled) is recorded with its reason.
    let ada = app.get("/api/admin/sites/acme/users").await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let off =
        app.patch(&format!("/api/admin/sites/acme/users/{ada}"), json!({ "enabled": false })).await;
    assert_eq!(off.status, StatusCode::OK, "{off:?}");
    let request = start(&app, &idp, &provider).await;
    let (status, _, _) = post(&acs, &idp.response(&answer(&request, &app, "ada"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let saml = entries(&app, "interface=saml").await;
    assert_eq!(
        actions(&saml),
        [
            pair("created", "ada"),
            pair("member_added", "Staff"),
            pair("signed_in", "ada"),
            pair("signed_in", "ada"),
            pair("sign_in_refused", "ada"),
        ],
        "{saml:#?}"
    );
    assert_eq!(entries(&app, "").await.len(), before + saml.len() + 1, "and the admin's disable");
    for entry in &saml[..2] {
        assert_eq!(entry["actor"]["kind"], "provider", "{entry}");
        assert_eq!(entry["actor"]["id"], provider.as_str(), "{entry}");
        assert_eq!(entry["actor"]["name"], "Okta", "{entry}");
    }
    assert_eq!(change(&saml[0], "email"), Some((Value::Null, json!("ada@example.com"))));
    assert_eq!(
        change(&saml[0], "auth_method"),
        Some((Value::Null, json!(format!("sso:{provider}"))))
    );
    assert_eq!(change(&saml[1], "member"), Some((Value::Null, json!(ada))));
    // A sign-in is the person's own act, through the provider.
    for entry in &saml[2..4] {
        assert_eq!(entry["actor"]["kind"], "user", "{entry}");
        assert_eq!(entry["actor"]["id"], ada.as_str(), "{entry}");
        assert_eq!(entry["target"]["id"], ada.as_str(), "{entry}");
    }
    let refused = &saml[4];
    assert_eq!(refused["actor"]["kind"], "provider", "{refused}");
    assert_eq!(refused["actor"]["id"], provider.as_str(), "{refused}");
    assert!(refused["reason"].as_str().unwrap().contains("disabled"), "{refused}");
    // Searchable by the provider as actor.
    let by_provider = entries(&app, &format!("actor={provider}")).await;
    assert_eq!(by_provider.len(), 3, "{by_provider:#?}");
}

async fn ldap_syncs_are_recorded_with_the_directory_as_actor(backend: Backend) {
    let slapd = Slapd::builder().bulk(3, 1, 1).start();
    let app = spawn_app(backend).await;
    let options = json!({ "deprovision_users": true, "deprovisioning_method": "disable" });
    let path = ldap_provider(&app, &slapd, options).await;
    let provider_id = path.rsplit('/').next().unwrap().to_owned();

    let report = sync(&app, &path, true).await;
    assert_eq!(report["users_created"], 3, "{report}");
    let first = entries(&app, "interface=ldap").await;
    let created: Vec<&Value> = first.iter().filter(|e| e["action"] == "created").collect();
    assert_eq!(created.len(), 4, "three users and their group: {first:#?}");
    for entry in &first {
        assert_eq!(entry["interface"], "ldap", "{entry}");
        assert_eq!(entry["actor"]["kind"], "provider", "{entry}");
        assert_eq!(entry["actor"]["id"], provider_id.as_str(), "{entry}");
        assert_eq!(entry["actor"]["name"], "Directory", "{entry}");
    }
    let ada = slapd.username(1);
    assert!(
        first.iter().any(|e| e["action"] == "created" && e["target"]["name"] == ada.as_str()),
        "{first:#?}"
    );

    // An edit seen by an incremental sync: one update with that change.
    slapd.replace(&slapd.user_dn(1), "mail", &["ada@corp.example"]);
    let report = sync(&app, &path, false).await;
    assert_eq!(report["users_updated"], 1, "{report}");
    let now = entries(&app, "interface=ldap").await;
    let new = &now[first.len()..];
    assert_eq!(actions(new), [pair("updated", &ada)], "{new:#?}");
    assert_eq!(
        change(&new[0], "email"),
        Some((json!(format!("{ada}@example.org")), json!("ada@corp.example")))
    );
    assert_eq!(new[0]["actor"]["id"], provider_id.as_str());

    // A user gone from the directory, seen by a full sync: disabled (with
    // its enabled change) and released, and out of its group.
    let gone = slapd.username(2);
    slapd.delete(&slapd.user_dn(2));
    let report = sync(&app, &path, true).await;
    assert_eq!(report["users_deprovisioned"], 1, "{report}");
    let later = entries(&app, "interface=ldap").await;
    let new = &later[now.len()..];
    assert_eq!(actions(new), [pair("disabled", &gone), pair("member_removed", "group000")]);
    let disabled = &new[0];
    assert_eq!(change(disabled, "enabled"), Some((json!("true"), json!("false"))), "{disabled}");
    assert_eq!(
        change(disabled, "provisioning_state"),
        Some((json!("active"), json!("released"))),
        "{disabled}"
    );
    assert_eq!(disabled["actor"]["id"], provider_id.as_str());
    let kept = app
        .get(&format!("/api/admin/sites/acme/users/{}", disabled["target"]["id"].as_str().unwrap()))
        .await;
    assert_eq!(kept.body["enabled"], false, "{kept:?}");
}

/// A site key's changes: each named by what it did, the key as actor.
async fn a_site_keys_changes_name_their_actions(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    // Another password site admin: ada may then be demoted.
    app.user("acme", json!({ "username": "root", "site_admin": true })).await;
    let before = entries(&app, "").await.len();
    let key = app.site_key("acme").await;
    let as_key = |method: Method, path: String, body: Option<Value>| {
        let key = key.clone();
        let app = &app;
        async move { app.call_as(&key, method, &path, body).await }
    };
    let users = "/api/admin/sites/acme/users".to_owned();
    let made = as_key(Method::POST, users.clone(), Some(json!({ "username": "ada" }))).await;
    assert_eq!(made.status, StatusCode::CREATED, "{made:?}");
    let ada = made.body["id"].as_str().unwrap().to_owned();
    let one = format!("{users}/{ada}");
    for body in [
        json!({ "site_admin": true }),
        json!({ "site_admin": false }),
        json!({ "enabled": false }),
        json!({ "enabled": true }),
        json!({ "email": "ada@example.com" }),
    ] {
        let changed = as_key(Method::PATCH, one.clone(), Some(body)).await;
        assert_eq!(changed.status, StatusCode::OK, "{changed:?}");
    }
    let set = as_key(
        Method::PUT,
        format!("{one}/password"),
        Some(json!({ "password": "correct horse battery" })),
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{set:?}");
    let group = as_key(
        Method::POST,
        "/api/admin/sites/acme/groups".to_owned(),
        Some(json!({ "name": "Staff" })),
    )
    .await;
    assert_eq!(group.status, StatusCode::CREATED, "{group:?}");
    let deleted = as_key(Method::DELETE, one.clone(), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{deleted:?}");

    let all = entries(&app, "").await.split_off(before);
    assert_eq!(
        actions(&all),
        [
            pair("created", "ada"),
            pair("role_granted", "ada"),
            pair("role_revoked", "ada"),
            pair("disabled", "ada"),
            pair("enabled", "ada"),
            pair("updated", "ada"),
            pair("credential_created", "ada"),
            pair("created", "Staff"),
            pair("deleted", "ada"),
        ],
        "{all:#?}"
    );
    for entry in &all {
        assert_eq!(entry["interface"], "admin_api", "{entry}");
        assert_eq!(entry["actor"]["kind"], "site_key", "{entry}");
    }
    assert_eq!(change(&all[1], "site_admin"), Some((json!("false"), json!("true"))));
    assert_eq!(change(&all[2], "site_admin"), Some((json!("true"), json!("false"))));
    assert_eq!(change(&all[3], "enabled"), Some((json!("true"), json!("false"))));
    assert_eq!(change(&all[5], "email"), Some((Value::Null, json!("ada@example.com"))));
    assert_eq!(entries(&app, "action=role_granted").await.len(), 1);
}

/// A SCIM `DELETE` that the provider's options turn into a release (no
/// de-provisioning): the user stays enabled, and the entry says
/// `released`, not `disabled`.
async fn a_scim_delete_that_keeps_the_user_enabled_is_a_release(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let reply = app
        .patch(
            &format!("/api/admin/sites/acme/providers/{}", scim.provider_id),
            json!({ "provisioning": { "deprovision_users": false } }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let made = scim.post("/Users", scim_user("eve@example.com")).await;
    assert_eq!(made.status, StatusCode::CREATED, "{made:?}");
    let eve = made.body["id"].as_str().unwrap().to_owned();
    let deleted = scim.delete(&format!("/Users/{eve}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{deleted:?}");

    let scim_entries = entries(&app, "interface=scim").await;
    assert_eq!(
        actions(&scim_entries),
        [pair("created", "eve@example.com"), pair("released", "eve@example.com")],
        "{scim_entries:#?}"
    );
    let released = &scim_entries[1];
    assert_eq!(released["actor"]["id"], scim.provider_id.as_str());
    assert_eq!(change(released, "enabled"), None, "still enabled: {released}");
    assert_eq!(
        change(released, "provisioning_state"),
        Some((json!("active"), json!("released"))),
        "{released}"
    );
    let kept = app.get(&format!("/api/admin/sites/acme/users/{eve}")).await;
    assert_eq!(kept.body["enabled"], true, "{kept:?}");
}

crate::on_both_databases!(
    saml_sign_ins_and_just_in_time_creation_are_recorded,
    ldap_syncs_are_recorded_with_the_directory_as_actor,
    a_site_keys_changes_name_their_actions,
    a_scim_delete_that_keeps_the_user_enabled_is_a_release,
);
