//! SCIM authentication and the discovery endpoints (RFC 7644 §4):
//! `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`.

use reqwest::{Method, StatusCode};

use crate::helpers::{Backend, assert_scim_error, reply, spawn_app};

async fn requests_need_a_valid_scim_credential(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let url = format!("{}/api/scim/Users", app.address);
    let attempts = [
        app.client.get(&url).send().await.unwrap(),
        app.client.get(&url).bearer_auth("nope").send().await.unwrap(),
        app.client.get(&url).bearer_auth(format!("{}x", scim.token)).send().await.unwrap(),
        // The admin key is not a SCIM credential.
        app.client.get(&url).bearer_auth(&app.key).send().await.unwrap(),
        app.client.get(&url).basic_auth("user", Some(&scim.token)).send().await.unwrap(),
    ];
    for response in attempts {
        let reply = reply(response).await;
        assert_scim_error(&reply, StatusCode::UNAUTHORIZED, None);
        assert!(reply.headers["www-authenticate"].to_str().unwrap().contains("Bearer"));
    }
    let ok = scim.get("/ServiceProviderConfig").await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
}

async fn service_provider_config_advertises_what_is_enforced(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "entra_id", "Entra").await;
    let config = scim.get("/ServiceProviderConfig").await;
    assert_eq!(config.status, StatusCode::OK);
    assert_eq!(config.headers["content-type"], "application/scim+json");
    let body = &config.body;
    assert_eq!(body["schemas"][0], "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig");
    for feature in ["patch", "bulk", "filter", "sort", "etag"] {
        assert_eq!(body[feature]["supported"], true, "{feature}");
    }
    assert_eq!(body["changePassword"]["supported"], false);
    assert_eq!(body["bulk"]["maxOperations"], 1000);
    assert_eq!(body["bulk"]["maxPayloadSize"], 1_048_576);
    assert_eq!(body["pagination"]["maxPageSize"], 1000);
    assert_eq!(body["pagination"]["cursor"], true);
    let location = body["meta"]["location"].as_str().unwrap();
    assert_eq!(location, format!("{}/api/scim/ServiceProviderConfig", app.address));
}

async fn resource_types_and_schemas(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let types = scim.get("/ResourceTypes").await;
    assert_eq!(types.body["totalResults"], 2);
    let user = scim.get("/ResourceTypes/User").await;
    assert_eq!(user.body["endpoint"], "/Users");
    assert_eq!(
        user.body["schemaExtensions"][0]["schema"],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    );
    let schemas = scim.get("/Schemas").await;
    assert_eq!(schemas.body["totalResults"], 3);
    let group = scim.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group").await;
    assert_eq!(group.status, StatusCode::OK);
    let members = group.body["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "members")
        .unwrap();
    assert_eq!(members["multiValued"], true);
    assert_scim_error(&scim.get("/ResourceTypes/Printer").await, StatusCode::NOT_FOUND, None);
    assert_scim_error(&scim.get("/Schemas/urn:nope").await, StatusCode::NOT_FOUND, None);
    assert_scim_error(&scim.get("/Printers").await, StatusCode::NOT_FOUND, None);
    let wrong = scim.call(Method::DELETE, "/ServiceProviderConfig", None).await;
    assert_scim_error(&wrong, StatusCode::METHOD_NOT_ALLOWED, None);
}

crate::on_both_databases!(
    requests_need_a_valid_scim_credential,
    service_provider_config_advertises_what_is_enforced,
    resource_types_and_schemas,
);

/// The provider shows when its SCIM client last authenticated, and when a
/// secret of its failed (here: after a reset).
async fn authentications_are_recorded(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let provider = format!("/api/admin/sites/acme/providers/{}", scim.provider_id);
    assert_eq!(app.get(&provider).await.body["scim"]["last_success_at"], serde_json::Value::Null);
    assert_eq!(scim.get("/Users").await.status, StatusCode::OK);
    let shown = app.get(&provider).await;
    assert!(shown.body["scim"]["last_success_at"].is_string(), "{shown:?}");
    assert_eq!(shown.body["scim"]["last_failure_at"], serde_json::Value::Null);
    let reset = app
        .post(&format!("{provider}/scim"), serde_json::json!({ "auth": "token", "reset": true }))
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{reset:?}");
    let new_token = reset.body["token"].as_str().unwrap().to_owned();
    // The old token fails at once, and the failure is attributed.
    assert_scim_error(&scim.get("/Users").await, StatusCode::UNAUTHORIZED, None);
    assert!(app.get(&provider).await.body["scim"]["last_failure_at"].is_string());
    let fresh = app
        .client
        .get(format!("{}/api/scim/Users", app.address))
        .bearer_auth(&new_token)
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), StatusCode::OK);
}

crate::on_both_databases!(authentications_are_recorded);
