//! Requests that race (found by `scim_stream.rs`): the same create sent
//! several times at once, or resources renamed to one name at once, end
//! with one winner and `409 uniqueness` for the others, never a 5xx, on
//! both databases. (The name is checked before the write, and a request
//! that passed the check while another wrote the name meets the unique
//! index; that conflict was a 500 on PostgreSQL for groups.)

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Reply, Scim, assert_scim_error, patch_op, reply, scim_user, spawn_app,
};

const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// Sends every `(method, path, body)` at once; the replies, in any order.
async fn at_once(scim: &Scim<'_>, requests: Vec<(Method, String, Value)>) -> Vec<Reply> {
    let mut tasks = tokio::task::JoinSet::new();
    for (method, path, body) in requests {
        let request = scim
            .app
            .client
            .request(method, format!("{}/api/scim{path}", scim.app.address))
            .bearer_auth(&scim.token)
            .header("content-type", "application/scim+json")
            .body(body.to_string());
        tasks.spawn(async move { reply(request.send().await.expect("a response")).await });
    }
    tasks.join_all().await
}

/// `body` posted to `path` three times at once.
async fn thrice(scim: &Scim<'_>, path: &str, body: Value) -> Vec<Reply> {
    at_once(scim, vec![(Method::POST, path.to_owned(), body); 3]).await
}

/// One created, the others refused as duplicates.
#[track_caller]
fn one_created(replies: &[Reply]) {
    let created = replies.iter().filter(|r| r.status == StatusCode::CREATED).count();
    assert_eq!(created, 1, "{replies:#?}");
    for reply in replies.iter().filter(|r| r.status != StatusCode::CREATED) {
        assert_scim_error(reply, StatusCode::CONFLICT, Some("uniqueness"));
    }
}

async fn simultaneous_duplicate_creates_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let okta = app.scim_provider("acme", "okta", "Okta").await;
    for round in 0..3 {
        let user = scim_user(&format!("ada{round}@example.com"));
        one_created(&thrice(&okta, "/Users", user).await);
    }
    let member = okta.post("/Users", scim_user("member@example.com")).await;
    let member = member.body["id"].as_str().unwrap().to_owned();
    for round in 0..3 {
        let empty = json!({ "schemas": [GROUP], "displayName": format!("Empty{round}") });
        one_created(&thrice(&okta, "/Groups", empty).await);
        let staffed = json!({
            "schemas": [GROUP],
            "displayName": format!("Staff{round}"),
            "externalId": format!("x{round}"),
            "members": [{ "value": member }],
        });
        one_created(&thrice(&okta, "/Groups", staffed).await);
    }
    let groups = okta.get("/Groups").await;
    assert_eq!(groups.body["totalResults"], 6, "{groups:?}");
}

/// Two resources renamed to one name at once: one rename wins, the other
/// is `409 uniqueness`.
async fn simultaneous_renames_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let okta = app.scim_provider("acme", "okta", "Okta").await;
    for round in 0..3 {
        let mut patches = Vec::new();
        for i in 0..3 {
            let body = json!({ "schemas": [GROUP], "displayName": format!("G{round}-{i}") });
            let id = okta.post("/Groups", body).await.body["id"].as_str().unwrap().to_owned();
            let rename = patch_op(
                json!([{ "op": "replace", "path": "displayName", "value": format!("Same{round}") }]),
            );
            patches.push((Method::PATCH, format!("/Groups/{id}"), rename));
            let user = scim_user(&format!("u{round}-{i}@example.com"));
            let id = okta.post("/Users", user).await.body["id"].as_str().unwrap().to_owned();
            let rename = patch_op(
                json!([{ "op": "replace", "path": "userName", "value": format!("same{round}@example.com") }]),
            );
            patches.push((Method::PATCH, format!("/Users/{id}"), rename));
        }
        let replies = at_once(&okta, patches).await;
        // A group's PATCH answers 204, a user's 200.
        let renamed = replies.iter().filter(|r| r.status.is_success()).count();
        assert_eq!(renamed, 2, "one user and one group: {replies:#?}");
        for reply in replies.iter().filter(|r| !r.status.is_success()) {
            assert_scim_error(reply, StatusCode::CONFLICT, Some("uniqueness"));
        }
    }
}

/// PATCHes of one group at once, each adding and removing its own
/// members: a PATCH is applied outside the writer and written only if the
/// group is still as it read it, so none is lost, and a member deleted
/// meanwhile is refused rather than half-added.
async fn simultaneous_member_patches_all_land(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let okta = app.scim_provider("acme", "okta", "Okta").await;
    let mut users = Vec::new();
    for i in 0..24 {
        let user = okta.post("/Users", scim_user(&format!("m{i}@example.com"))).await;
        users.push(user.body["id"].as_str().unwrap().to_owned());
    }
    // The first twelve start in the group; each PATCH removes one of them
    // and adds one of the others.
    let first: Vec<Value> = users[..12].iter().map(|id| json!({ "value": id })).collect();
    let group = okta
        .post("/Groups", json!({ "schemas": [GROUP], "displayName": "Race", "members": first }))
        .await;
    let group = group.body["id"].as_str().unwrap().to_owned();
    let patches = (0..12)
        .map(|i| {
            let body = patch_op(json!([
                { "op": "add", "path": "members", "value": [{ "value": users[12 + i] }] },
                { "op": "remove", "path": format!("members[value eq \"{}\"]", users[i]) }
            ]));
            (Method::PATCH, format!("/Groups/{group}"), body)
        })
        .collect();
    for reply in at_once(&okta, patches).await {
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{reply:?}");
    }
    let read = okta.get(&format!("/Groups/{group}")).await;
    let mut members: Vec<&str> = read.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    members.sort_unstable();
    let mut expected: Vec<&str> = users[12..].iter().map(String::as_str).collect();
    expected.sort_unstable();
    assert_eq!(members, expected);
    assert_eq!(read.body["meta"]["version"], format!("W/\"{}\"", 13), "one version per PATCH");

    // A member deleted while PATCHes that add it are in flight: each
    // PATCH either added it before the delete or is refused, and the group
    // never holds a member that does not exist.
    let gone = &users[0];
    let mut requests = vec![(Method::DELETE, format!("/Users/{gone}"), Value::Null)];
    for _ in 0..4 {
        let body =
            patch_op(json!([{ "op": "add", "path": "members", "value": [{ "value": gone }] }]));
        requests.push((Method::PATCH, format!("/Groups/{group}"), body));
    }
    for reply in at_once(&okta, requests).await {
        if !reply.status.is_success() {
            assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("invalidValue"));
        }
    }
    let read = okta.get(&format!("/Groups/{group}")).await;
    let members = read.body["members"].as_array().unwrap();
    assert!(members.iter().all(|m| m["value"] != gone.as_str()), "{members:?}");
    assert_eq!(members.len(), 12);
}

crate::on_both_databases!(
    simultaneous_duplicate_creates_conflict,
    simultaneous_renames_conflict,
    simultaneous_member_patches_all_land,
);
