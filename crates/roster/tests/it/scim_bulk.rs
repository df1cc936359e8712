//! `/Bulk` (bulkId references, failOnErrors, limits) and the root
//! `/.search`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, assert_scim_error, spawn_app};

const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

async fn bulk_operations_with_references(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    // The group refers to a user created later in the request.
    let request = json!({ "schemas": [BULK], "Operations": [
        { "method": "POST", "path": "/Groups", "bulkId": "g1", "data": { "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Tour Guides", "members": [{ "type": "User", "value": "bulkId:u1" }] } },
        { "method": "POST", "path": "/Users", "bulkId": "u1", "data": { "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "alice" } },
        { "method": "PATCH", "path": "/Users/bulkId:u1", "data": { "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{ "op": "replace", "path": "displayName", "value": "Alice" }] } },
        { "method": "DELETE", "path": "/Users/nobody" }
    ] });
    let reply = scim.post("/Bulk", request).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let ops = reply.body["Operations"].as_array().unwrap();
    assert_eq!(reply.body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:BulkResponse");
    let status = |i: usize| ops[i]["status"].as_str().unwrap().to_owned();
    assert_eq!(
        [status(0), status(1), status(2), status(3)],
        ["201", "201", "200", "404"],
        "{ops:?}"
    );
    assert_eq!(ops[3]["response"]["status"], "404");
    let group =
        scim.get(ops[0]["location"].as_str().unwrap().split("/api/scim").nth(1).unwrap()).await;
    let user_id = ops[1]["location"].as_str().unwrap().rsplit('/').next().unwrap();
    assert_eq!(group.body["members"][0]["value"], user_id);
    assert_eq!(scim.get(&format!("/Users/{user_id}")).await.body["displayName"], "Alice");
}

async fn fail_on_errors_stops_early(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let request = json!({ "schemas": [BULK], "failOnErrors": 1, "Operations": [
        { "method": "DELETE", "path": "/Users/nobody" },
        { "method": "POST", "path": "/Users", "bulkId": "x", "data": { "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "never" } }
    ] });
    let reply = scim.post("/Bulk", request).await;
    assert_eq!(reply.body["Operations"].as_array().unwrap().len(), 1, "{reply:?}");
    assert_eq!(scim.get("/Users").await.body["totalResults"], 0);
    let circular = json!({ "schemas": [BULK], "Operations": [
        { "method": "POST", "path": "/Groups", "bulkId": "a", "data": { "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "A", "members": [{ "value": "bulkId:b" }] } },
        { "method": "POST", "path": "/Groups", "bulkId": "b", "data": { "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "B", "members": [{ "value": "bulkId:a" }] } }
    ] });
    let reply = scim.post("/Bulk", circular).await;
    let statuses: Vec<&str> = reply.body["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["409", "409"], "{reply:?}");
}

async fn bulk_limits_are_enforced(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let before = app.snapshot().await;
    let many: Vec<Value> =
        (0..1001).map(|i| json!({ "method": "DELETE", "path": format!("/Users/u{i}") })).collect();
    assert_scim_error(
        &scim.post("/Bulk", json!({ "schemas": [BULK], "Operations": many })).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        None,
    );
    let big = json!({ "schemas": [BULK], "Operations": [{ "method": "POST", "path": "/Users", "bulkId": "b", "data": { "userName": "x".repeat(1_100_000) } }] });
    assert_scim_error(&scim.post("/Bulk", big).await, StatusCode::PAYLOAD_TOO_LARGE, None);
    assert_scim_error(
        &scim.post("/Bulk", json!({ "Operations": [] })).await,
        StatusCode::BAD_REQUEST,
        Some("invalidSyntax"),
    );
    assert_eq!(app.snapshot().await, before);
}

async fn root_search_spans_users_and_groups(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    scim.post("/Users", json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "sam", "displayName": "Sales Sam" })).await;
    scim.post("/Groups", json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Sales" })).await;
    let search = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "displayName sw \"sales\"" });
    let reply = scim.post("/.search", search).await;
    assert_eq!(reply.body["totalResults"], 2, "{reply:?}");
    let types: Vec<&str> = reply.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["meta"]["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["User", "Group"]);
}

crate::on_both_databases!(
    bulk_operations_with_references,
    fail_on_errors_stops_early,
    bulk_limits_are_enforced,
    root_search_spans_users_and_groups
);
