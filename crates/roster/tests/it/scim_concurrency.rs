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

crate::on_both_databases!(simultaneous_duplicate_creates_conflict, simultaneous_renames_conflict);
