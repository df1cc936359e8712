//! The group admin API, `/api/admin/sites/{slug}/groups` and its members:
//! CRUD with paging, names that are unique ignoring case but keep their
//! case, memberships and group admins, clean-up when a user or a group is
//! deleted, the site setting `allow_manual_groups` (SPEC §3), and many
//! members added at once.
//!
//! Every rejected request is followed by a check that the stored data did
//! not change (STYLE rule 6).

#![allow(clippy::expect_used, reason = "test code: a failed expectation is a test failure")]

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::helpers::{Backend, Reply, TestApp, assert_error, reply, spawn_app};

fn groups(site: &str) -> String {
    format!("/api/admin/sites/{site}/groups")
}

/// Creates a group and returns its path.
async fn group(app: &TestApp, site: &str, name: &str) -> String {
    let reply = app.post(&groups(site), json!({ "name": name })).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    assert_eq!(reply.body["name"], name);
    format!("{}/{}", groups(site), reply.body["id"].as_str().expect("id"))
}

/// The members of a group as `(username, is_admin)`, in listing order.
async fn members(app: &TestApp, group: &str) -> Vec<(String, bool)> {
    let reply = app.get(&format!("{group}/members?limit=500")).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let items = reply.body["items"].as_array().expect("items");
    assert_eq!(reply.body["total"], items.len(), "{reply:?}");
    items
        .iter()
        .map(|m| {
            (
                m["username"].as_str().expect("username").to_owned(),
                m["is_admin"].as_bool().expect("is_admin"),
            )
        })
        .collect()
}

/// The status of a reply and one field of its body, to compare both at once.
fn status_and(reply: &Reply, key: &str) -> (StatusCode, Value) {
    (reply.status, reply.body[key].clone())
}

fn pairs(list: &[(&str, bool)]) -> Vec<(String, bool)> {
    list.iter().map(|(name, admin)| ((*name).to_owned(), *admin)).collect()
}

/// The error a rejected request must produce: status, code and field.
#[derive(Debug, Clone, Copy)]
struct Refusal(StatusCode, &'static str, Option<&'static str>);

const NOT_FOUND: Refusal = Refusal(StatusCode::NOT_FOUND, "not_found", None);
const NAME_TAKEN: Refusal = Refusal(StatusCode::CONFLICT, "conflict", Some("name"));

fn invalid(field: &'static str) -> Refusal {
    Refusal(StatusCode::BAD_REQUEST, "invalid_request", Some(field))
}

/// Sends a request and asserts the error it must produce and that it left
/// every row as it was.
async fn assert_rejected(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
    want: Refusal,
) {
    let before = app.snapshot().await;
    let reply = app.call(method.clone(), path, body.clone()).await;
    assert_error(&reply, want.0, want.1, want.2);
    assert_eq!(app.snapshot().await, before, "{method} {path} {body:?} changed stored data");
}

async fn create_list_get_rename_and_delete(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = app.site("acme").await;
    let mut paths = Vec::new();
    for name in ["Sales", "IT", "Support", "Finance", "Legal"] {
        paths.push(group(&app, &site, name).await);
    }
    let first = app.get(&paths[0]).await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");
    assert_eq!(first.body["name"], "Sales");
    assert_eq!(first.body["managed_by_provider_id"], Value::Null, "a group made here is local");

    let mut seen = Vec::new();
    for (offset, count) in [(0, 2), (2, 2), (4, 1), (5, 0)] {
        let page = app.get(&format!("{}?limit=2&offset={offset}", groups(&site))).await;
        assert_eq!(page.status, StatusCode::OK, "{page:?}");
        let bounds = ["total", "offset", "limit"].map(|key| page.body[key].clone());
        assert_eq!(bounds, [json!(5), json!(offset), json!(2)]);
        let items = page.body["items"].as_array().expect("items");
        assert_eq!(items.len(), count, "offset {offset}");
        seen.extend(
            items.iter().map(|g| format!("{}/{}", groups(&site), g["id"].as_str().expect("id"))),
        );
    }
    assert_eq!(seen, paths, "pages list every group once, oldest first");
    for query in ["limit=0", "limit=501", "limit=ten"] {
        let reply = app.get(&format!("{}?{query}", groups(&site))).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_request", None);
    }

    let renamed = app.patch(&paths[1], json!({ "name": "Information Technology" })).await;
    assert_eq!(status_and(&renamed, "name"), (StatusCode::OK, json!("Information Technology")));
    assert_eq!(app.get(&paths[1]).await.body["name"], "Information Technology");
    let recased = app.patch(&paths[1], json!({ "name": "INFORMATION technology" })).await;
    assert_eq!(status_and(&recased, "name"), (StatusCode::OK, json!("INFORMATION technology")));
    assert_eq!(app.get(&paths[1]).await.body["name"], "INFORMATION technology");
    let unchanged = app.patch(&paths[1], json!({})).await;
    assert_eq!(status_and(&unchanged, "name"), (StatusCode::OK, json!("INFORMATION technology")));

    assert_eq!(app.delete(&paths[0]).await.status, StatusCode::NO_CONTENT);
    assert_error(&app.get(&paths[0]).await, StatusCode::NOT_FOUND, "not_found", None);
    assert_rejected(&app, Method::DELETE, &paths[0], None, NOT_FOUND).await;
    assert_rejected(&app, Method::PATCH, &paths[0], Some(json!({ "name": "Back" })), NOT_FOUND)
        .await;
    assert_eq!(app.get(&groups(&site)).await.body["total"], 4);
    assert_error(&app.get(&groups("no-such-site")).await, StatusCode::NOT_FOUND, "not_found", None);
}

async fn names_are_unique_ignoring_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = app.site("acme").await;
    let admins = group(&app, &site, "Admins").await;
    let other = group(&app, &site, "Other").await;

    for name in ["ADMINS", "admins", "Admins"] {
        assert_rejected(
            &app,
            Method::POST,
            &groups(&site),
            Some(json!({ "name": name })),
            NAME_TAKEN,
        )
        .await;
    }
    assert_rejected(&app, Method::PATCH, &other, Some(json!({ "name": "aDMINS" })), NAME_TAKEN)
        .await;
    assert_eq!(app.get(&admins).await.body["name"], "Admins", "the stored name keeps its case");
    assert_eq!(app.get(&other).await.body["name"], "Other");

    let recased = app.patch(&admins, json!({ "name": "ADMINS" })).await;
    assert_eq!(status_and(&recased, "name"), (StatusCode::OK, json!("ADMINS")));
    assert_eq!(app.get(&admins).await.body["name"], "ADMINS");

    // Another site has its own names.
    let beta = app.site("beta").await;
    group(&app, &beta, "Admins").await;
    assert_eq!(app.get(&groups(&site)).await.body["total"], 2);
}

async fn bad_group_requests_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = app.site("acme").await;
    let existing = group(&app, &site, "Existing").await;
    let cases = [
        (json!({ "name": "" }), "name"),
        (json!({ "name": "   " }), "name"),
        (json!({ "name": " Padded" }), "name"),
        (json!({ "name": "Tab\there" }), "name"),
        (json!({ "name": "x".repeat(256) }), "name"),
        (json!({ "name": 7 }), "name"),
        (json!({ "name": "Ok", "members": [] }), "members"),
        (json!({ "name": "Ok", "managed_by_provider_id": "p1" }), "managed_by_provider_id"),
    ];
    for (body, field) in cases {
        for (method, path) in [(Method::POST, groups(&site)), (Method::PATCH, existing.clone())] {
            assert_rejected(&app, method, &path, Some(body.clone()), invalid(field)).await;
        }
    }
    assert_rejected(&app, Method::POST, &groups(&site), Some(json!({})), invalid("body")).await;
    assert_rejected(&app, Method::PATCH, &existing, Some(json!({ "name": null })), invalid("name"))
        .await;

    let before = app.snapshot().await;
    for (method, path) in [(Method::POST, groups(&site)), (Method::PATCH, existing.clone())] {
        let send = |content_type: &'static str, body: &'static str| {
            app.client
                .request(method.clone(), format!("{}{path}", app.address))
                .bearer_auth(&app.key)
                .header("content-type", content_type)
                .body(body)
                .send()
        };
        let broken =
            reply(send("application/json", "{\"name\": \"x\"").await.expect("request")).await;
        assert_error(&broken, StatusCode::BAD_REQUEST, "invalid_json", None);
        let text = reply(send("text/plain", "name=x").await.expect("request")).await;
        assert_error(&text, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", None);
    }
    assert_eq!(app.snapshot().await, before);
    assert_eq!(app.get(&existing).await.body["name"], "Existing");
}

/// A JSON array is not the object the API documents, even when serde could
/// read the struct's fields from it by position.
async fn a_json_array_is_not_a_group(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = app.site("acme").await;
    let existing = group(&app, &site, "Existing").await;
    for (method, path) in [(Method::POST, groups(&site)), (Method::PATCH, existing.clone())] {
        assert_rejected(&app, method, &path, Some(json!(["Ok"])), invalid("body")).await;
    }
    let members = format!("{existing}/members");
    let alice = app.user(&site, json!({ "username": "alice" })).await;
    assert_rejected(&app, Method::POST, &members, Some(json!([alice, true])), invalid("body"))
        .await;
}

async fn members_are_added_updated_listed_and_removed(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = app.site("acme").await;
    let staff = group(&app, &site, "Staff").await;
    let bob = app.user(&site, json!({ "username": "Bob" })).await;
    let alice = app.user(&site, json!({ "username": "alice" })).await;

    let added = app.post(&format!("{staff}/members"), json!({ "user_id": bob })).await;
    assert_eq!(added.status, StatusCode::CREATED, "{added:?}");
    assert_eq!(added.body, json!({ "user_id": bob, "username": "Bob", "is_admin": false }));
    let again =
        app.post(&format!("{staff}/members"), json!({ "user_id": bob, "is_admin": true })).await;
    assert_eq!(again.status, StatusCode::CREATED, "{again:?}");
    assert_eq!(again.body["is_admin"], true);
    assert_eq!(
        members(&app, &staff).await,
        pairs(&[("Bob", true)]),
        "adding again updates, never duplicates"
    );

    let added =
        app.post(&format!("{staff}/members"), json!({ "user_id": alice, "is_admin": false })).await;
    assert_eq!(added.status, StatusCode::CREATED, "{added:?}");
    // Members are listed by username, ignoring case.
    assert_eq!(members(&app, &staff).await, pairs(&[("alice", false), ("Bob", true)]));
    let first = app.get(&format!("{staff}/members?limit=1&offset=1")).await;
    assert_eq!(first.body["total"], 2, "{first:?}");
    assert_eq!(first.body["items"][0]["user_id"], json!(bob), "{first:?}");

    let member = |user: &str| format!("{staff}/members/{user}");
    let promoted = app.patch(&member(&alice), json!({ "is_admin": true })).await;
    assert_eq!(promoted.status, StatusCode::OK, "{promoted:?}");
    assert_eq!(promoted.body, json!({ "user_id": alice, "username": "alice", "is_admin": true }));
    let demoted = app.patch(&member(&bob), json!({ "is_admin": false })).await;
    assert_eq!(demoted.body["is_admin"], false, "{demoted:?}");
    assert_eq!(members(&app, &staff).await, pairs(&[("alice", true), ("Bob", false)]));

    assert_eq!(app.delete(&member(&bob)).await.status, StatusCode::NO_CONTENT);
    assert_eq!(members(&app, &staff).await, pairs(&[("alice", true)]));
    assert_rejected(&app, Method::DELETE, &member(&bob), None, NOT_FOUND).await;
    assert_rejected(
        &app,
        Method::PATCH,
        &member(&bob),
        Some(json!({ "is_admin": true })),
        NOT_FOUND,
    )
    .await;
    // The user itself is untouched by leaving the group.
    assert_eq!(
        app.get(&format!("/api/admin/sites/{site}/users/{bob}")).await.status,
        StatusCode::OK
    );
}

async fn bad_member_requests_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = app.site("acme").await;
    let staff = group(&app, &site, "Staff").await;
    let alice = app.user(&site, json!({ "username": "alice" })).await;
    let beta = app.site("beta").await;
    let outsider = app.user(&beta, json!({ "username": "mallory" })).await;
    let added = app.post(&format!("{staff}/members"), json!({ "user_id": alice })).await;
    assert_eq!(added.status, StatusCode::CREATED, "{added:?}");

    let add_cases = [
        (json!({ "user_id": "no-such-user" }), "user_id"),
        (json!({ "user_id": outsider }), "user_id"),
        (json!({ "user_id": alice, "is_admin": "yes" }), "is_admin"),
        (json!({ "user_id": 42 }), "user_id"),
        (json!({ "user_id": alice, "role": "owner" }), "role"),
        (json!({ "is_admin": true }), "body"),
    ];
    for (body, field) in add_cases {
        assert_rejected(
            &app,
            Method::POST,
            &format!("{staff}/members"),
            Some(body),
            invalid(field),
        )
        .await;
    }
    let patch_cases = [
        (json!({}), "body"),
        (json!({ "is_admin": null }), "is_admin"),
        (json!({ "is_admin": 1 }), "is_admin"),
    ];
    for (body, field) in patch_cases {
        assert_rejected(
            &app,
            Method::PATCH,
            &format!("{staff}/members/{alice}"),
            Some(body),
            invalid(field),
        )
        .await;
    }
    // A user of another site is invisible here, also as an existing member.
    let not_found = [
        (Method::PATCH, format!("{staff}/members/{outsider}"), Some(json!({ "is_admin": true }))),
        (Method::DELETE, format!("{staff}/members/{outsider}"), None),
        (
            Method::POST,
            format!("{}/no-such-group/members", groups(&site)),
            Some(json!({ "user_id": alice })),
        ),
        (Method::GET, format!("{}/no-such-group/members", groups(&site)), None),
    ];
    for (method, path, body) in not_found {
        assert_rejected(&app, method, &path, body, NOT_FOUND).await;
    }
    // The other site's groups cannot take this site's users either.
    let beta_group = group(&app, &beta, "Beta staff").await;
    assert_rejected(
        &app,
        Method::POST,
        &format!("{beta_group}/members"),
        Some(json!({ "user_id": alice })),
        invalid("user_id"),
    )
    .await;
    assert_eq!(members(&app, &staff).await, pairs(&[("alice", false)]));
    assert!(members(&app, &beta_group).await.is_empty());
}

async fn deleting_a_user_or_a_group_removes_its_memberships(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = app.site("acme").await;
    let (red, blue) = (group(&app, &site, "Red").await, group(&app, &site, "Blue").await);
    let alice = app.user(&site, json!({ "username": "alice" })).await;
    let bob = app.user(&site, json!({ "username": "bob" })).await;
    let memberships =
        [(&red, &alice, true), (&blue, &alice, false), (&red, &bob, false), (&blue, &bob, true)];
    for (group, user, is_admin) in memberships {
        let reply = app
            .post(&format!("{group}/members"), json!({ "user_id": user, "is_admin": is_admin }))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    }

    let deleted = app.delete(&format!("/api/admin/sites/{site}/users/{alice}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{deleted:?}");
    assert_eq!(members(&app, &red).await, pairs(&[("bob", false)]));
    assert_eq!(members(&app, &blue).await, pairs(&[("bob", true)]));
    assert!(!app.snapshot().await.contains(&alice), "a row still names the deleted user");

    let red_id = red.rsplit('/').next().expect("id").to_owned();
    assert_eq!(app.delete(&red).await.status, StatusCode::NO_CONTENT);
    assert!(!app.snapshot().await.contains(&red_id), "a row still names the deleted group");
    assert_eq!(
        members(&app, &blue).await,
        pairs(&[("bob", true)]),
        "other groups keep their members"
    );
    assert_eq!(
        app.get(&format!("/api/admin/sites/{site}/users/{bob}")).await.status,
        StatusCode::OK
    );
    // A new group of the same name starts empty.
    let red_again = group(&app, &site, "Red").await;
    assert!(members(&app, &red_again).await.is_empty());
}

async fn manual_group_changes_can_be_switched_off(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = app.site("acme").await;
    let staff = group(&app, &site, "Staff").await;
    let alice = app.user(&site, json!({ "username": "alice" })).await;
    let bob = app.user(&site, json!({ "username": "bob" })).await;
    let added = app.post(&format!("{staff}/members"), json!({ "user_id": alice })).await;
    assert_eq!(added.status, StatusCode::CREATED, "{added:?}");

    let site_path = format!("/api/admin/sites/{site}");
    let switch = |allow: bool| app.patch(&site_path, json!({ "allow_manual_groups": allow }));
    let off = switch(false).await;
    assert_eq!(status_and(&off, "allow_manual_groups"), (StatusCode::OK, json!(false)));

    let attempts = [
        (Method::POST, groups(&site), Some(json!({ "name": "New" }))),
        (Method::PATCH, staff.clone(), Some(json!({ "name": "Renamed" }))),
        (Method::DELETE, staff.clone(), None),
        (Method::POST, format!("{staff}/members"), Some(json!({ "user_id": bob }))),
        (
            Method::POST,
            format!("{staff}/members"),
            Some(json!({ "user_id": alice, "is_admin": true })),
        ),
        (Method::PATCH, format!("{staff}/members/{alice}"), Some(json!({ "is_admin": true }))),
        (Method::DELETE, format!("{staff}/members/{alice}"), None),
    ];
    for (method, path, body) in &attempts {
        let before = app.snapshot().await;
        let reply = app.call(method.clone(), path, body.clone()).await;
        assert_error(&reply, StatusCode::FORBIDDEN, "manual_changes_disabled", None);
        assert!(
            reply.body["message"].as_str().expect("message").contains("allow_manual_groups"),
            "{reply:?}"
        );
        assert_eq!(app.snapshot().await, before, "{method} {path} changed stored data");
    }
    // Reading is still allowed, and users are governed by their own setting.
    assert_eq!(app.get(&staff).await.body["name"], "Staff");
    assert_eq!(members(&app, &staff).await, pairs(&[("alice", false)]));
    app.user(&site, json!({ "username": "carol" })).await;

    let on = switch(true).await;
    assert_eq!(status_and(&on, "allow_manual_groups"), (StatusCode::OK, json!(true)));
    let expected = [StatusCode::CREATED, StatusCode::OK, StatusCode::NO_CONTENT];
    let new = app.post(&groups(&site), json!({ "name": "New" })).await;
    let new_path = format!("{}/{}", groups(&site), new.body["id"].as_str().expect("id"));
    let renamed = app.patch(&new_path, json!({ "name": "Renamed" })).await;
    let removed = app.delete(&new_path).await;
    assert_eq!(
        [new.status, renamed.status, removed.status],
        expected,
        "{new:?} {renamed:?} {removed:?}"
    );
    for (method, path, body, status) in [
        (
            Method::POST,
            format!("{staff}/members"),
            Some(json!({ "user_id": bob })),
            StatusCode::CREATED,
        ),
        (
            Method::PATCH,
            format!("{staff}/members/{alice}"),
            Some(json!({ "is_admin": true })),
            StatusCode::OK,
        ),
        (Method::DELETE, format!("{staff}/members/{bob}"), None, StatusCode::NO_CONTENT),
    ] {
        let reply = app.call(method, &path, body).await;
        assert_eq!(reply.status, status, "{reply:?}");
    }
    assert_eq!(members(&app, &staff).await, pairs(&[("alice", true)]));
}

async fn concurrent_member_additions_all_succeed(backend: Backend) {
    const USERS: usize = 40;
    let app = spawn_app(backend).await;
    let site = app.site("acme").await;
    let staff = group(&app, &site, "Staff").await;
    let mut users = Vec::new();
    for n in 0..USERS {
        users.push(app.user(&site, json!({ "username": format!("user{n:02}") })).await);
    }

    let mut requests = JoinSet::new();
    for user in &users {
        let request = app
            .client
            .post(format!("{}{staff}/members", app.address))
            .bearer_auth(&app.key)
            .json(&json!({ "user_id": user }));
        requests.spawn(async move { reply(request.send().await.expect("request")).await });
    }
    let mut statuses = Vec::new();
    while let Some(done) = requests.join_next().await {
        let reply = done.expect("request task");
        assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
        statuses.push(reply.status);
    }
    assert_eq!(statuses.len(), USERS);

    let listed = members(&app, &staff).await;
    let want: Vec<(String, bool)> = (0..USERS).map(|n| (format!("user{n:02}"), false)).collect();
    assert_eq!(listed, want);
}

/// A group that a provider adds users to at first login cannot disappear
/// or change its name under that option.
async fn default_groups_stay_valid(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let staff = group(&app, "acme", "Staff").await;
    let provider = app
        .post("/api/admin/sites/acme/providers", json!({ "kind": "okta", "name": "Okta", "provisioning": { "default_groups": "Staff" } }))
        .await;
    assert_eq!(provider.status, StatusCode::CREATED, "{provider:?}");
    let before = app.snapshot().await;
    let rename = app.patch(&staff.clone(), json!({ "name": "Employees" })).await;
    assert_error(&rename, StatusCode::CONFLICT, "conflict", Some("group"));
    assert!(rename.body["message"].as_str().unwrap().contains("Okta"), "{rename:?}");
    let delete = app.delete(&staff.clone()).await;
    assert_error(&delete, StatusCode::CONFLICT, "conflict", Some("group"));
    assert_eq!(app.snapshot().await, before);
    let id = provider.body["id"].as_str().unwrap();
    let cleared = app
        .patch(
            &format!("/api/admin/sites/acme/providers/{id}"),
            json!({ "provisioning": { "default_groups": "" } }),
        )
        .await;
    assert_eq!(cleared.status, StatusCode::OK, "{cleared:?}");
    assert_eq!(app.delete(&staff.clone()).await.status, StatusCode::NO_CONTENT);
}

crate::on_both_databases!(
    default_groups_stay_valid,
    create_list_get_rename_and_delete,
    names_are_unique_ignoring_case,
    bad_group_requests_are_refused,
    a_json_array_is_not_a_group,
    members_are_added_updated_listed_and_removed,
    bad_member_requests_are_refused,
    deleting_a_user_or_a_group_removes_its_memberships,
    manual_group_changes_can_be_switched_off,
    concurrent_member_additions_all_succeed,
);
