//! Identity providers' deviations, accepted end to end through the dialect
//! layer (the strict engine's own tests prove it still refuses them raw).

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, SCIM_KINDS, spawn_app};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

async fn entra_id_requests(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "entra_id", "Entra").await;
    // The test-connection probe: a random userName, an empty list.
    let probe =
        scim.get("/Users?filter=userName%20eq%20%22ba3b8a3b-12a2-4f8a-9c1f-0e2e2f3a4b5c%22").await;
    assert_eq!(probe.status, StatusCode::OK);
    assert_eq!(probe.body["totalResults"], 0);
    let created = scim
        .post(
            "/Users",
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                "externalId": "12345",
                "userName": "Test_User_1@contoso.com",
                "active": "True",
                "emails": [{ "primary": true, "type": "work", "value": "Test_User_1@contoso.com" }],
                "name": { "formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName" },
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "organization": "Contoso" }
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    assert_eq!(created.body["active"], true);
    let id = created.body["id"].as_str().unwrap().to_owned();
    // An unquoted externalId.
    let by_external = scim.get("/Users?filter=externalId%20eq%2012345").await;
    assert_eq!(by_external.body["totalResults"], 1, "{by_external:?}");
    // Capitalised ops, string booleans, a filtered replace that adds.
    let patch = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            { "op": "Replace", "path": "active", "value": "False" },
            { "op": "Replace", "path": "emails[type eq \"home\"].value", "value": "home@contoso.com" }
        ]
    });
    let patched = scim.patch(&format!("/Users/{id}"), patch).await;
    assert_eq!(patched.status, StatusCode::OK, "{patched:?}");
    assert_eq!(patched.body["active"], false);
    let home: Vec<_> =
        patched.body["emails"].as_array().unwrap().iter().filter(|e| e["type"] == "home").collect();
    assert_eq!(home.len(), 1, "{patched:?}");
    assert_eq!(home[0]["value"], "home@contoso.com");
}

async fn onelogin_schema_urns(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "onelogin", "OneLogin").await;
    let created = scim
        .post("/Users", json!({ "schemas": ["urn:scim:schemas:core:2.0"], "userName": "ol@example.com", "name": { "givenName": "One", "familyName": "Login" } }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    assert_eq!(created.body["schemas"][0], "urn:ietf:params:scim:schemas:core:2.0:User");
}

/// Issue 16 §1: lenient parsing applies to every provider kind, so an
/// Okta-, JumpCloud- or Duo-kind provider (or one whose kind an
/// administrator picked for a custom app) gets what Entra ID gets; the
/// semantic dialect (a filtered replace that misses meaning an add) stays
/// Entra's.
async fn every_kind_gets_lenient_parsing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    for (i, kind) in SCIM_KINDS.iter().enumerate() {
        let scim = app.scim_provider("acme", kind, kind).await;
        let name = format!("user{i}@example.com");
        let created = scim
            .post(
                "/Users",
                json!({
                    "schemas": ["urn:scim:schemas:core:2.0"],
                    "userName": name,
                    "active": "True",
                    "emails": [{ "type": "work", "value": name, "primary": "true" }],
                }),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{kind}: {created:?}");
        assert_eq!(created.body["active"], true, "{kind}");
        let id = created.body["id"].as_str().unwrap().to_owned();
        let filter = format!("emails%5Btype%20eq%20%22work%22%5D.value%20eq%20%22{name}%22");
        let found = scim.get(&format!("/Users?filter={filter}")).await;
        assert_eq!(found.body["totalResults"], 1, "{kind}: {found:?}");
        let unquoted = scim.get(&format!("/Users?filter=userName%20eq%20{name}")).await;
        assert_eq!(unquoted.body["totalResults"], 1, "{kind}: {unquoted:?}");
        let patch = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                { "op": "Replace", "path": "active", "value": "False" },
                { "op": "Add", "path": ENTERPRISE, "value": { "manager": "m1" } }
            ]
        });
        let patched = scim.patch(&format!("/Users/{id}"), patch).await;
        assert_eq!(patched.status, StatusCode::OK, "{kind}: {patched:?}");
        assert_eq!(patched.body["active"], false, "{kind}");
        assert_eq!(patched.body[ENTERPRISE]["manager"]["value"], "m1", "{kind}");
        // The extension's URN as the path of a remove: the whole extension
        // goes (as scim2-tester removes it).
        let remove = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{ "op": "remove", "path": ENTERPRISE }]
        });
        let removed = scim.patch(&format!("/Users/{id}"), remove).await;
        assert_eq!(removed.status, StatusCode::OK, "{kind}: {removed:?}");
        assert!(removed.body.get(ENTERPRISE).is_none(), "{kind}: {removed:?}");
        assert_eq!(removed.body["schemas"], json!(["urn:ietf:params:scim:schemas:core:2.0:User"]));
        let read = scim.get(&format!("/Users/{id}")).await;
        assert!(read.body.get(ENTERPRISE).is_none(), "{kind}: {read:?}");
        let group = scim
            .post(
                "/Groups",
                json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "displayName": format!("G{i}"),
                    "members": [id],
                }),
            )
            .await;
        assert_eq!(group.status, StatusCode::CREATED, "{kind}: {group:?}");
        assert_eq!(group.body["members"][0]["value"], id.as_str(), "{kind}");
        // A filtered replace that matches nothing: an add for Entra ID (and
        // generic SAML, which may front an Entra custom app), RFC 7644's
        // noTarget for the others.
        let miss = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{ "op": "replace", "path": "emails[type eq \"home\"].value", "value": "h@example.com" }]
        });
        let reply = scim.patch(&format!("/Users/{id}"), miss).await;
        if matches!(*kind, "entra_id" | "saml") {
            assert_eq!(reply.status, StatusCode::OK, "{kind}: {reply:?}");
        } else {
            crate::helpers::assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("noTarget"));
        }
    }
}

/// Issue 16 §1: the endpoint in any letter case, with a trailing slash.
async fn endpoints_in_any_case(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let created = scim
        .post("/users/", json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a@example.com" }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.headers["location"], format!("{}/api/scim/Users/{id}", app.address));
    assert_eq!(scim.get(&format!("/USERS/{id}/")).await.body["id"], id.as_str());
    let listed = scim.get("/Users/?filter=userName%20eq%20%22a@example.com%22").await;
    assert_eq!(listed.body["totalResults"], 1, "{listed:?}");
    assert_eq!(scim.get("/serviceproviderconfig").await.status, StatusCode::OK);
    let search = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"] });
    assert_eq!(scim.post("/groups/.SEARCH", search).await.status, StatusCode::OK);
    // An id keeps its case: another letter case is another id.
    let other = scim.get(&format!("/Users/{}", id.to_uppercase())).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "{other:?}");
}

crate::on_both_databases!(
    entra_id_requests,
    onelogin_schema_urns,
    every_kind_gets_lenient_parsing,
    endpoints_in_any_case,
);
