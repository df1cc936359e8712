//! The managed model inside a group (SPEC §3, issue 16): a provider's SCIM
//! client sees, changes and removes only the members and groups it manages.
//! A local user an administrator added to its group, or another provider's
//! user, is not shown, survives its PUT and PATCH, and a GET-then-PUT round
//! trip always works. A user's `groups`, and filters on `groups` and
//! `members`, show only that provider's groups and members.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, Scim, TestApp, assert_scim_error, patch_op, scim_user, spawn_app};

const GROUPS: &str = "/api/admin/sites/acme/groups";

fn group(name: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members.iter().map(|id| json!({ "value": id })).collect();
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": name,
        "members": members,
    })
}

async fn created(scim: &Scim<'_>, path: &str, body: Value) -> String {
    let reply = scim.post(path, body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    reply.body["id"].as_str().unwrap().to_owned()
}

/// An administrator adds `user` to `group` through the admin API.
async fn admin_adds(app: &TestApp, group: &str, user: &str) {
    let reply = app.post(&format!("{GROUPS}/{group}/members"), json!({ "user_id": user })).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
}

/// Every member of a group as the administrator sees it, by username.
async fn all_members(app: &TestApp, group: &str) -> Vec<String> {
    let reply = app.get(&format!("{GROUPS}/{group}/members?limit=500")).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let mut names: Vec<String> = reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["username"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

/// The `value`s of a multi-valued attribute of a resource.
fn values(resource: &Value, attribute: &str) -> Vec<String> {
    resource[attribute]
        .as_array()
        .map(|items| items.iter().map(|m| m["value"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

async fn total(scim: &Scim<'_>, resource: &str, filter: &str) -> Value {
    let query = serde_urlencoded::to_string([("filter", filter)]).unwrap();
    let reply = scim.get(&format!("/{resource}?{query}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    reply.body["totalResults"].clone()
}

async fn a_provider_sees_and_changes_only_the_members_it_manages(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let okta = app.scim_provider("acme", "okta", "Okta").await;
    let entra = app.scim_provider("acme", "entra_id", "Entra").await;
    let alice = created(&okta, "/Users", scim_user("alice@example.com")).await;
    let erin = created(&entra, "/Users", scim_user("erin@example.com")).await;
    let carol = app.user("acme", json!({ "username": "carol@example.com" })).await;
    let eng = created(&okta, "/Groups", group("Engineering", &[&alice])).await;
    let theirs = created(&entra, "/Groups", group("Entra Staff", &[&erin])).await;
    let local =
        app.post(GROUPS, json!({ "name": "Local" })).await.body["id"].as_str().unwrap().to_owned();
    // The administrator adds people to Okta's group, and Alice elsewhere.
    admin_adds(&app, &eng, &carol).await;
    admin_adds(&app, &eng, &erin).await;
    admin_adds(&app, &local, &alice).await;
    admin_adds(&app, &theirs, &alice).await;
    let everyone = ["alice@example.com", "carol@example.com", "erin@example.com"];
    let others = ["carol@example.com", "erin@example.com"];
    assert_eq!(all_members(&app, &eng).await, everyone);

    // Okta sees only Alice in its group, and only its group on Alice.
    let path = format!("/Groups/{eng}");
    let shown = okta.get(&path).await;
    assert_eq!(values(&shown.body, "members"), [alice.as_str()], "{shown:?}");
    let listed = okta.get("/Groups").await;
    assert_eq!(values(&listed.body["Resources"][0], "members"), [alice.as_str()]);
    let user = okta.get(&format!("/Users/{alice}")).await;
    assert_eq!(values(&user.body, "groups"), [eng.as_str()], "{user:?}");
    let listed = okta.get("/Users?count=10").await;
    assert_eq!(values(&listed.body["Resources"][0], "groups"), [eng.as_str()]);
    for id in [&local, &theirs] {
        assert_eq!(total(&okta, "Users", &format!("groups.value eq \"{id}\"")).await, 0);
        assert_eq!(total(&okta, "Users", &format!("groups[value eq \"{id}\"]")).await, 0);
    }
    assert_eq!(total(&okta, "Users", "groups.display eq \"Local\"").await, 0);
    assert_eq!(total(&okta, "Users", &format!("groups.value eq \"{eng}\"")).await, 1);
    for id in [&carol, &erin] {
        assert_eq!(total(&okta, "Groups", &format!("members.value eq \"{id}\"")).await, 0);
    }
    assert_eq!(total(&okta, "Groups", "members.display eq \"carol@example.com\"").await, 0);
    assert_eq!(total(&okta, "Groups", &format!("members.value eq \"{alice}\"")).await, 1);
    let sorted = okta.get("/Users?sortBy=groups.display").await;
    assert_eq!(sorted.status, StatusCode::OK, "{sorted:?}");

    // GET then PUT the same body: accepted, and nobody is removed.
    let round_trip = okta.put(&path, shown.body.clone()).await;
    assert_eq!(round_trip.status, StatusCode::OK, "{round_trip:?}");
    assert_eq!(values(&round_trip.body, "members"), [alice.as_str()]);
    assert_eq!(all_members(&app, &eng).await, everyone);

    // A PUT without Alice removes her, and only her.
    let emptied = okta.put(&path, group("Engineering", &[])).await;
    assert_eq!(emptied.status, StatusCode::OK, "{emptied:?}");
    assert_eq!(all_members(&app, &eng).await, others);

    // PATCH: adding Alice back, then replacing and removing every member
    // the client sees, leave the others in.
    let add = patch_op(json!([{ "op": "add", "path": "members", "value": [{ "value": alice }] }]));
    assert_eq!(okta.patch(&path, add.clone()).await.status, StatusCode::NO_CONTENT);
    assert_eq!(all_members(&app, &eng).await, everyone);
    let replace = patch_op(json!([{ "op": "replace", "path": "members", "value": [] }]));
    assert_eq!(okta.patch(&path, replace).await.status, StatusCode::NO_CONTENT);
    assert_eq!(all_members(&app, &eng).await, others);
    okta.patch(&path, add.clone()).await;
    let remove_all = patch_op(json!([{ "op": "remove", "path": "members" }]));
    assert_eq!(okta.patch(&path, remove_all).await.status, StatusCode::NO_CONTENT);
    assert_eq!(all_members(&app, &eng).await, others);
    okta.patch(&path, add).await;

    // Naming a member it cannot see removes nothing or is refused.
    let before = app.snapshot().await;
    for id in [&carol, &erin] {
        let remove = patch_op(json!([
            { "op": "remove", "path": format!("members[value eq \"{id}\"]") }
        ]));
        // A filtered remove that matches nothing the client sees is the
        // engine's no-op, as for a member that is not there at all.
        assert_eq!(okta.patch(&path, remove).await.status, StatusCode::NO_CONTENT);
        let reply = okta.put(&path, group("Engineering", &[&alice, id])).await;
        assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("invalidValue"));
        let add = patch_op(json!([{ "op": "add", "path": "members", "value": [{ "value": id }] }]));
        let reply = okta.patch(&path, add).await;
        assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("invalidValue"));
    }
    assert_eq!(app.snapshot().await, before);
    assert_eq!(all_members(&app, &eng).await, everyone);
}

crate::on_both_databases!(a_provider_sees_and_changes_only_the_members_it_manages);
