//! `/Bulk` (bulkId references, failOnErrors, limits) and the root
//! `/.search`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, Reply, assert_scim_error, spawn_app};

const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

/// The status of each operation of a bulk response, in order.
fn statuses(reply: &Reply) -> Vec<&str> {
    let ops = reply.body["Operations"].as_array().expect("Operations");
    ops.iter().map(|o| o["status"].as_str().expect("a status")).collect()
}

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
    assert_eq!(statuses(&reply), ["409", "409"], "{reply:?}");
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

/// Issue 16 §1: an operation's `path` reads as a single request's does
/// (the endpoint in any letter case, a trailing slash); a path that names
/// no endpoint fails alone, with a message naming it, and stores nothing.
async fn bulk_paths_read_like_single_requests(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let user =
        json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "alice" });
    let request = json!({ "schemas": [BULK], "Operations": [
        { "method": "post", "path": "/users/", "bulkId": "u1", "data": user },
        { "method": "PATCH", "path": "/USERS/bulkId:u1/", "data": { "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{ "op": "replace", "path": "displayName", "value": "Alice" }] } },
        { "method": "POST", "path": "Groups", "bulkId": "g1", "data": { "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Guides", "members": [{ "value": "bulkId:u1" }] } }
    ] });
    let reply = scim.post("/Bulk", request).await;
    assert_eq!(statuses(&reply), ["201", "200", "201"], "{reply:?}");
    let ops = reply.body["Operations"].as_array().unwrap();
    let id = ops[0]["location"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    assert_eq!(ops[0]["location"], format!("{}/api/scim/Users/{id}", app.address));
    let group = ops[2]["location"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    assert_eq!(scim.get(&format!("/Users/{id}")).await.body["displayName"], "Alice");
    let put = json!({ "schemas": [BULK], "Operations": [
        { "method": "PUT", "path": format!("/users/{id}/"), "data": { "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "alice", "displayName": "Al" } },
        { "method": "PATCH", "path": format!("/groups/{group}"), "data": { "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{ "op": "replace", "path": "displayName", "value": "Tour Guides" }] } }
    ] });
    let reply = scim.post("/Bulk", put).await;
    assert_eq!(statuses(&reply), ["200", "204"], "{reply:?}");
    assert_eq!(scim.get(&format!("/Users/{id}")).await.body["displayName"], "Al");
    assert_eq!(scim.get(&format!("/Groups/{group}")).await.body["displayName"], "Tour Guides");

    // Paths that name no endpoint, or more than one resource: each fails
    // alone, the operation after them runs, and nothing else changes.
    let before = app.snapshot().await;
    let hostile = [
        ("DELETE", format!("/Admins/{id}")),
        ("DELETE", format!("/Users/../Groups/{group}")),
        ("DELETE", format!("/Users/{id}/extra")),
        ("DELETE", format!("//Users/{id}")),
        ("DELETE", format!("../../api/admin/sites/acme/users/{id}")),
        ("DELETE", format!("{}/api/scim/Users/{id}", app.address)),
        ("DELETE", "/Users".to_owned()),
        ("DELETE", String::new()),
        ("POST", "/Bulk".to_owned()),
        ("POST", format!("/Users/{id}")),
        ("GET", format!("/Users/{id}")),
    ];
    let mut operations: Vec<Value> = hostile
        .iter()
        .enumerate()
        .map(|(i, (method, path))| json!({ "method": method, "path": path, "bulkId": format!("x{i}"), "data": user }))
        .collect();
    // An id no resource has, with a NUL character: not found.
    operations.push(json!({ "method": "DELETE", "path": format!("/Users/{id}\u{0}") }));
    let reply = scim.post("/Bulk", json!({ "schemas": [BULK], "Operations": operations })).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let ops = reply.body["Operations"].as_array().unwrap();
    assert_eq!(ops.len(), hostile.len() + 1, "{reply:?}");
    for ((method, path), op) in hostile.iter().zip(ops) {
        assert_eq!(op["status"], "400", "{method} {path}: {op}");
        assert_eq!(op["response"]["scimType"], "invalidSyntax", "{method} {path}: {op}");
        let detail = op["response"]["detail"].as_str().unwrap();
        assert!(detail.contains("is not a bulk operation"), "{method} {path}: {detail}");
        assert!(detail.contains(&format!("{path:?}")), "{method} {path}: {detail}");
    }
    assert_eq!(ops[hostile.len()]["status"], "404", "{reply:?}");
    assert_eq!(app.snapshot().await, before);
    assert_eq!(scim.get(&format!("/Users/{id}")).await.status, StatusCode::OK);
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
    bulk_paths_read_like_single_requests,
    root_search_spans_users_and_groups
);
