//! SCIM `/Groups` end to end: members that are users or groups, PATCH
//! member deltas, replacement, and concurrent PATCHes that lose nothing.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, Scim, assert_scim_error, spawn_app};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

async fn user(scim: &Scim<'_>, name: &str) -> String {
    let body =
        json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name });
    let created = scim.post("/Users", body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    created.body["id"].as_str().unwrap().to_owned()
}

fn member_ids(group: &Value) -> Vec<String> {
    let mut ids: Vec<String> = group["members"]
        .as_array()
        .map(|m| m.iter().map(|m| m["value"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default();
    ids.sort();
    ids
}

async fn group_lifecycle_and_members(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let alice = user(&scim, "alice").await;
    let bob = user(&scim, "bob").await;
    let carol = user(&scim, "carol").await;
    // Okta sends members without `type`.
    let created = scim
        .post("/Groups", json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Engineering", "members": [{ "value": alice }, { "value": bob, "display": "bob" }] }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let id = created.body["id"].as_str().unwrap().to_owned();
    let mut want = vec![alice.clone(), bob.clone()];
    want.sort();
    assert_eq!(member_ids(&created.body), want);
    assert_eq!(created.body["members"][0]["type"], "User");
    assert!(
        created.body["members"][0]["$ref"].as_str().unwrap().ends_with(&format!(
            "/Users/{}",
            created.body["members"][0]["value"].as_str().unwrap()
        ))
    );

    // A nested group.
    let sub = scim.post("/Groups", json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Platform" })).await;
    let sub = sub.body["id"].as_str().unwrap().to_owned();
    let add = json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "add", "path": "members", "value": [{ "value": carol }, { "value": sub, "type": "Group" }] }] });
    assert_eq!(scim.patch(&format!("/Groups/{id}"), add).await.status, StatusCode::NO_CONTENT);
    let remove = json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "remove", "path": format!("members[value eq \"{alice}\"]") }] });
    assert_eq!(scim.patch(&format!("/Groups/{id}"), remove).await.status, StatusCode::NO_CONTENT);
    let fetched = scim.get(&format!("/Groups/{id}")).await;
    let mut want = vec![bob.clone(), carol.clone(), sub.clone()];
    want.sort();
    assert_eq!(member_ids(&fetched.body), want, "{fetched:?}");
    let user_groups = scim.get(&format!("/Users/{bob}")).await;
    assert_eq!(user_groups.body["groups"][0]["value"], id.as_str());
    assert_eq!(user_groups.body["groups"][0]["display"], "Engineering");

    // Entra reads groups without members.
    let light = scim.get(&format!("/Groups/{id}?excludedAttributes=members")).await;
    assert!(light.body.get("members").is_none(), "{light:?}");
    let found = scim.get("/Groups?filter=displayName%20eq%20%22engineering%22").await;
    assert_eq!(found.body["totalResults"], 1);
    let by_member = scim.get(&format!("/Groups?filter=members%20eq%20%22{carol}%22")).await;
    assert_eq!(by_member.body["totalResults"], 1, "{by_member:?}");

    // PUT replaces the member list; `members: []` clears it.
    let put = scim.put(&format!("/Groups/{id}"), json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Eng", "members": [{ "value": alice }] })).await;
    assert_eq!(put.status, StatusCode::OK, "{put:?}");
    assert_eq!(member_ids(&put.body), vec![alice.clone()]);
    let clear = json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "replace", "value": { "members": [] } }] });
    assert_eq!(scim.patch(&format!("/Groups/{id}"), clear).await.status, StatusCode::NO_CONTENT);
    assert_eq!(member_ids(&scim.get(&format!("/Groups/{id}")).await.body), Vec::<String>::new());
    assert_eq!(scim.delete(&format!("/Groups/{id}")).await.status, StatusCode::NO_CONTENT);
    assert_scim_error(&scim.get(&format!("/Groups/{id}")).await, StatusCode::NOT_FOUND, None);
}

async fn bad_group_requests_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let local = app.post("/api/admin/sites/acme/groups", json!({ "name": "Local" })).await;
    assert_eq!(local.status, StatusCode::CREATED);
    let created = scim.post("/Groups", json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Mine" })).await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let before = app.snapshot().await;
    let group = |body: Value| async { scim.post("/Groups", body).await };
    // A local group of the same name is never adopted.
    assert_scim_error(&group(json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "LOCAL" })).await, StatusCode::CONFLICT, Some("uniqueness"));
    assert_scim_error(&group(json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "X", "members": [{ "value": "nobody" }] })).await, StatusCode::BAD_REQUEST, Some("invalidValue"));
    assert_scim_error(
        &group(json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"] })).await,
        StatusCode::BAD_REQUEST,
        Some("invalidValue"),
    );
    // The local group is invisible to SCIM, as a group and as a member.
    let local_id = local.body["id"].as_str().unwrap();
    assert_scim_error(&scim.get(&format!("/Groups/{local_id}")).await, StatusCode::NOT_FOUND, None);
    let add_local = json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "add", "path": "members", "value": [{ "value": local_id }] }] });
    assert_scim_error(
        &scim.patch(&format!("/Groups/{id}"), add_local).await,
        StatusCode::BAD_REQUEST,
        Some("invalidValue"),
    );
    let bad_op = json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "rename", "path": "displayName", "value": "x" }] });
    assert_eq!(scim.patch(&format!("/Groups/{id}"), bad_op).await.status, StatusCode::BAD_REQUEST);
    let no_target = json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "remove" }] });
    assert_scim_error(
        &scim.patch(&format!("/Groups/{id}"), no_target).await,
        StatusCode::BAD_REQUEST,
        Some("noTarget"),
    );
    assert_eq!(app.snapshot().await, before);
    assert_eq!(app.get("/api/admin/sites/acme/groups").await.body["total"], 2);
}

/// Many PATCHes adding members to one group at once lose none of them.
async fn concurrent_member_patches_lose_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let created = scim.post("/Groups", json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Everyone" })).await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let mut users = Vec::new();
    for i in 0..60 {
        users.push(user(&scim, &format!("user{i:02}")).await);
    }
    let patches = users.chunks(3).map(|chunk| {
        let value: Vec<Value> = chunk.iter().map(|id| json!({ "value": id })).collect();
        let body = json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "add", "path": "members", "value": value }] });
        let path = format!("/Groups/{id}");
        let scim = &scim;
        async move { scim.patch(&path, body).await.status }
    });
    let statuses = futures_join_all(patches).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::NO_CONTENT), "{statuses:?}");
    let group = scim.get(&format!("/Groups/{id}")).await;
    let mut want = users.clone();
    want.sort();
    assert_eq!(member_ids(&group.body), want);
    // And concurrent removals of disjoint members.
    let removals = users[..30].chunks(5).map(|chunk| {
        let ops: Vec<Value> = chunk
            .iter()
            .map(|u| json!({ "op": "remove", "path": format!("members[value eq \"{u}\"]") }))
            .collect();
        let body = json!({ "schemas": [PATCH_OP], "Operations": ops });
        let path = format!("/Groups/{id}");
        let scim = &scim;
        async move { scim.patch(&path, body).await.status }
    });
    let statuses = futures_join_all(removals).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::NO_CONTENT), "{statuses:?}");
    let mut left = users[30..].to_vec();
    left.sort();
    assert_eq!(member_ids(&scim.get(&format!("/Groups/{id}")).await.body), left);
}

/// Runs futures concurrently on the test runtime (no extra dependency).
async fn futures_join_all<F: std::future::Future<Output = StatusCode>>(
    futures: impl Iterator<Item = F>,
) -> Vec<StatusCode> {
    let mut set = Vec::new();
    for future in futures {
        set.push(future);
    }
    let mut out = Vec::with_capacity(set.len());
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = set.into_iter().map(Box::pin).collect();
    let mut done: Vec<Option<StatusCode>> = vec![None; pinned.len()];
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, future) in pinned.iter_mut().enumerate() {
            if done[i].is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(status) => done[i] = Some(status),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await;
    out.extend(done.into_iter().flatten());
    out
}

crate::on_both_databases!(
    group_lifecycle_and_members,
    bad_group_requests_change_nothing,
    concurrent_member_patches_lose_nothing
);

/// Group searches, replacement by PUT, content types and body limits.
async fn group_search_and_transport_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    for name in ["Sales", "Support", "Engineering"] {
        scim.post("/Groups", json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name })).await;
    }
    let search = scim
        .post(
            "/Groups/.search",
            json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "displayName sw \"s\"", "sortBy": "displayName", "sortOrder": "descending" }),
        )
        .await;
    assert_eq!(search.status, StatusCode::OK, "{search:?}");
    let names: Vec<&str> = search.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Support", "Sales"]);
    let bad_search =
        scim.post("/Groups/.search", json!({ "filter": "displayName sw \"s\"" })).await;
    assert_scim_error(&bad_search, StatusCode::BAD_REQUEST, Some("invalidSyntax"));
    let before = app.snapshot().await;
    let form = app
        .client
        .post(format!("{}/api/scim/Groups", app.address))
        .bearer_auth(&scim.token)
        .header("content-type", "text/plain")
        .body("displayName=x")
        .send()
        .await
        .unwrap();
    assert_scim_error(&crate::helpers::reply(form).await, StatusCode::UNSUPPORTED_MEDIA_TYPE, None);
    let plain_json = app
        .client
        .post(format!("{}/api/scim/Groups", app.address))
        .bearer_auth(&scim.token)
        .header("content-type", "application/json")
        .body(json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Via JSON" }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(plain_json.status(), StatusCode::CREATED, "application/json is accepted too");
    let after_json = app.snapshot().await;
    let huge = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "x".repeat(3 * 1024 * 1024) });
    assert_scim_error(&scim.post("/Groups", huge).await, StatusCode::PAYLOAD_TOO_LARGE, None);
    let array = scim.post("/Groups", json!(["displayName"])).await;
    assert_eq!(array.status, StatusCode::BAD_REQUEST, "{array:?}");
    assert_eq!(app.snapshot().await, after_json);
    assert_ne!(before, after_json);
}

crate::on_both_databases!(group_search_and_transport_errors);
