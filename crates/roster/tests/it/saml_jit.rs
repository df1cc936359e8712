//! Just-in-time provisioning from what the assertion says: the e-mail and
//! names of the identity provider's attribute statements, and its group
//! attribute deciding the scope, the role mappings and the memberships
//! (within the group filters), with the real IdP on both databases.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::saml_idp::SamlIdp;
use crate::saml_signin::{answer, post, provider, start};

async fn asserted_attributes_and_groups_shape_the_new_user(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let options = json!({
        "only_users_in_groups": "Staff, Admins",
        "site_admin_groups": "Admins",
        "exclude_groups": "Ops",
    });
    let provider = provider(&app, &idp, "okta", options).await;
    for name in ["Staff", "Ops"] {
        let made = app.post("/api/admin/sites/acme/groups", json!({ "name": name })).await;
        assert_eq!(made.status, StatusCode::CREATED, "{made:?}");
    }

    let request = start(&app, &idp, &provider).await;
    let spec = answer(&request, &app, "ada")
        .attribute("email", "ada@example.com")
        .attribute("firstName", "Ada")
        .attribute("lastName", "Lovelace")
        .attribute("groups", "Staff")
        .attribute("groups", "Admins")
        .attribute("groups", "Ops");
    let acs = request["assertion_consumer_service_url"].as_str().unwrap().to_owned();
    let (status, _, page) = post(&acs, &idp.response(&spec)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let users = app.get("/api/admin/sites/acme/users").await;
    let ada = &users.body["items"][0];
    assert_eq!(ada["username"], "ada", "{ada}");
    assert_eq!(ada["email"], "ada@example.com", "{ada}");
    assert_eq!(ada["first_name"], "Ada");
    assert_eq!(ada["last_name"], "Lovelace");
    assert_eq!(ada["full_name"], "Ada Lovelace");
    assert_eq!(ada["site_admin"], true, "Admins maps to site admin: {ada}");
    // Member of Staff (exists, in scope), not of Ops (excluded); Admins
    // does not exist here.
    assert_eq!(groups_of(&app, ada["id"].as_str().unwrap()).await, ["Staff"]);

    // Outside "only users in groups", nobody is created.
    let request = start(&app, &idp, &provider).await;
    let spec = answer(&request, &app, "eve").attribute("groups", "Sales");
    let (status, cookie, page) = post(&acs, &idp.response(&spec)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(cookie.is_none());
    let users = app.get("/api/admin/sites/acme/users").await;
    assert_eq!(users.body["total"], 1, "{users:?}");
}

/// Entra ID asserts group object ids; a group the provider provisioned by
/// SCIM carries that id as its externalId, so the id maps to the group.
/// An id of a group another provider manages maps to nothing.
async fn entra_group_ids_match_groups_provisioned_by_scim(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let options = json!({ "site_admin_groups": "Admins", "provision_group_memberships": true });
    let provider = provider(&app, &idp, "entra_id", options).await;
    let path = format!("/api/admin/sites/acme/providers/{provider}/scim");
    let credential = app.post(&path, json!({ "auth": "token" })).await;
    assert_eq!(credential.status, StatusCode::OK, "{credential:?}");
    let token = credential.body["token"].as_str().unwrap().to_owned();
    let admins_id = "6f1c2e7a-0b4d-4c1e-9a53-2f7d8e9c0a11";
    let created = app
        .client
        .post(format!("{}/api/scim/Groups", app.address))
        .bearer_auth(&token)
        .header("content-type", "application/scim+json")
        .body(
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Admins",
                "externalId": admins_id,
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED, "{:?}", created.text().await);
    // Another provider's group with a colliding externalId stays out.
    let other = app.scim_provider("acme", "okta", "Other").await;
    let made = other
        .post(
            "/Groups",
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Elsewhere",
                "externalId": "0a0a0a0a-0000-4000-8000-000000000000",
            }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{made:?}");

    let request = start(&app, &idp, &provider).await;
    let spec = answer(&request, &app, "ada@example.com")
        .attribute("http://schemas.microsoft.com/ws/2008/06/identity/claims/groups", admins_id)
        .attribute(
            "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
            "0a0a0a0a-0000-4000-8000-000000000000",
        );
    let acs = request["assertion_consumer_service_url"].as_str().unwrap().to_owned();
    let (status, _, page) = post(&acs, &idp.response(&spec)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let users = app.get("/api/admin/sites/acme/users").await;
    let ada = &users.body["items"][0];
    assert_eq!(ada["site_admin"], true, "the Admins id maps to site admin: {ada}");
    assert_eq!(groups_of(&app, ada["id"].as_str().unwrap()).await, ["Admins"]);
}

/// A provider naming its own attributes: those are read for their
/// fields, the presets for the others; a bad name is refused and changes
/// nothing.
async fn configured_attribute_names_are_read_instead_of_the_presets(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let provider =
        provider(&app, &idp, "saml", json!({ "provision_group_memberships": true })).await;
    let path = format!("/api/admin/sites/acme/providers/{provider}");
    let before = app.snapshot().await;
    let refused =
        app.patch(&path, json!({ "sign_in": { "attributes": { "email": "work email" } } })).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{refused:?}");
    assert_eq!(refused.body["field"], "sign_in.attributes.email");
    assert_eq!(app.snapshot().await, before);
    let set = app
        .patch(
            &path,
            json!({ "sign_in": { "attributes": { "email": "workEmail", "groups": "teams" } } }),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{set:?}");
    assert_eq!(set.body["sign_in"]["attributes"]["email"], "workEmail");
    for name in ["Blue", "Preset"] {
        let made = app.post("/api/admin/sites/acme/groups", json!({ "name": name })).await;
        assert_eq!(made.status, StatusCode::CREATED, "{made:?}");
    }

    let request = start(&app, &idp, &provider).await;
    let spec = answer(&request, &app, "ada")
        .attribute("email", "preset@example.com")
        .attribute("workEmail", "ada@work.example")
        .attribute("givenName", "Ada")
        .attribute("groups", "Preset")
        .attribute("Teams", "Blue");
    let acs = request["assertion_consumer_service_url"].as_str().unwrap().to_owned();
    let (status, _, page) = post(&acs, &idp.response(&spec)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let users = app.get("/api/admin/sites/acme/users").await;
    let ada = &users.body["items"][0];
    assert_eq!(ada["email"], "ada@work.example", "{ada}");
    assert_eq!(ada["first_name"], "Ada", "the presets for the fields not named");
    assert_eq!(groups_of(&app, ada["id"].as_str().unwrap()).await, ["Blue"]);
}

/// The names of the groups `user` is a member of.
pub(crate) async fn groups_of(app: &TestApp, user: &str) -> Vec<String> {
    let groups = app.get("/api/admin/sites/acme/groups").await;
    let mut names = Vec::new();
    for group in groups.body["items"].as_array().unwrap() {
        let members = app
            .get(&format!("/api/admin/sites/acme/groups/{}/members", group["id"].as_str().unwrap()))
            .await;
        let items = members.body["items"].as_array().unwrap();
        if items.iter().any(|member| member["user_id"] == user) {
            names.push(group["name"].as_str().unwrap().to_owned());
        }
    }
    names
}

crate::on_both_databases!(
    asserted_attributes_and_groups_shape_the_new_user,
    entra_group_ids_match_groups_provisioned_by_scim,
    configured_attribute_names_are_read_instead_of_the_presets,
);
