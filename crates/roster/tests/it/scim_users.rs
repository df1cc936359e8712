//! SCIM `/Users` end to end: the RFC 7644 operations, ETags, and the error
//! answers, each rejected request leaving the store unchanged.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, assert_scim_error, patch_op, spawn_app};

fn okta_user(name: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": format!("{name}@example.com"),
        "name": { "givenName": "Barbara", "familyName": "Jensen" },
        "emails": [{ "primary": true, "value": format!("{name}@example.com"), "type": "work" }],
        "displayName": "Barbara Jensen",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": true
    })
}

async fn user_lifecycle(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let created = scim.post("/Users", okta_user("bjensen")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    assert_eq!(created.headers["content-type"], "application/scim+json");
    let id = created.body["id"].as_str().unwrap().to_owned();
    let location = format!("{}/api/scim/Users/{id}", app.address);
    assert_eq!(created.headers["location"], location.as_str());
    assert_eq!(created.body["meta"]["location"], location.as_str());
    assert_eq!(created.body["meta"]["resourceType"], "User");
    assert_eq!(created.headers["etag"], created.body["meta"]["version"].as_str().unwrap());
    assert_eq!(created.body["userName"], "bjensen@example.com");
    assert_eq!(created.body["name"]["familyName"], "Jensen");
    assert_eq!(created.body["locale"], "en-US");
    assert!(created.body.get("password").is_none(), "password is never returned");

    // Stored on the user model of SPEC §1.
    let admin = app.get(&format!("/api/admin/sites/acme/users/{id}")).await;
    assert_eq!(admin.body["email"], "bjensen@example.com");
    assert_eq!(admin.body["first_name"], "Barbara");
    assert_eq!(admin.body["provisioned_by"], "scim");
    assert_eq!(admin.body["auth_method"], "sso");
    assert_eq!(admin.body["sso_provider_id"], scim.provider_id.as_str());

    let fetched = scim.get(&format!("/Users/{id}")).await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(fetched.body, created.body);

    let probe = scim
        .get("/Users?filter=userName%20eq%20%22BJENSEN%40example.com%22&startIndex=1&count=100")
        .await;
    assert_eq!(probe.body["totalResults"], 1, "{probe:?}");
    assert_eq!(probe.body["Resources"][0]["id"], id.as_str());
    let miss = scim.get("/Users?filter=userName%20eq%20%22nobody%40example.com%22").await;
    assert_eq!(miss.body["totalResults"], 0);
    assert_eq!(miss.body["Resources"], json!([]));

    let mut replaced = okta_user("bjensen");
    replaced["name"]["familyName"] = json!("Jensen-Smith");
    let put = scim.put(&format!("/Users/{id}"), replaced).await;
    assert_eq!(put.status, StatusCode::OK, "{put:?}");
    assert_eq!(put.body["name"]["familyName"], "Jensen-Smith");
    assert_ne!(put.body["meta"]["version"], created.body["meta"]["version"]);

    let deactivate = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{ "op": "replace", "value": { "active": false } }] });
    let patched = scim.patch(&format!("/Users/{id}"), deactivate).await;
    assert_eq!(patched.status, StatusCode::OK, "{patched:?}");
    assert_eq!(patched.body["active"], false);
    assert_eq!(app.get(&format!("/api/admin/sites/acme/users/{id}")).await.body["enabled"], false);

    assert_eq!(scim.delete(&format!("/Users/{id}")).await.status, StatusCode::NO_CONTENT);
    assert_scim_error(&scim.get(&format!("/Users/{id}")).await, StatusCode::NOT_FOUND, None);
}

async fn etags_guard_updates(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let created = scim.post("/Users", okta_user("etag")).await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let etag = created.headers["etag"].to_str().unwrap().to_owned();
    let path = format!("/Users/{id}");
    let unchanged =
        scim.call_with(reqwest::Method::GET, &path, None, &[("if-none-match", &etag)]).await;
    assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED);
    let stale = "W/\"999\"";
    let before = app.snapshot().await;
    let refused = scim
        .call_with(reqwest::Method::PUT, &path, Some(okta_user("etag")), &[("if-match", stale)])
        .await;
    assert_scim_error(&refused, StatusCode::PRECONDITION_FAILED, None);
    assert_eq!(app.snapshot().await, before);
    let accepted = scim
        .call_with(reqwest::Method::PUT, &path, Some(okta_user("etag")), &[("if-match", &etag)])
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{accepted:?}");
}

async fn bad_requests_are_scim_errors_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let created = scim.post("/Users", okta_user("taken")).await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let before = app.snapshot().await;
    let mut clash = okta_user("other");
    clash["userName"] = json!("TAKEN@example.com");
    assert_scim_error(&scim.post("/Users", clash).await, StatusCode::CONFLICT, Some("uniqueness"));
    assert_scim_error(
        &scim
            .post("/Users", json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"] }))
            .await,
        StatusCode::BAD_REQUEST,
        Some("invalidValue"),
    );
    assert_scim_error(&scim.post("/Users", json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "x", "active": "yes" })).await, StatusCode::BAD_REQUEST, Some("invalidValue"));
    assert_scim_error(
        &scim.post("/Users", json!({ "userName": "x" })).await,
        StatusCode::BAD_REQUEST,
        Some("invalidSyntax"),
    );
    let not_json = app
        .client
        .post(format!("{}/api/scim/Users", app.address))
        .bearer_auth(&scim.token)
        .header("content-type", "application/scim+json")
        .body("{\"userName\": ")
        .send()
        .await
        .unwrap();
    assert_scim_error(
        &crate::helpers::reply(not_json).await,
        StatusCode::BAD_REQUEST,
        Some("invalidSyntax"),
    );
    assert_scim_error(
        &scim.get("/Users?filter=userName%20eq").await,
        StatusCode::BAD_REQUEST,
        Some("invalidFilter"),
    );
    assert_scim_error(
        &scim.get("/Users?filter=shoeSize%20eq%20%2242%22").await,
        StatusCode::BAD_REQUEST,
        Some("invalidFilter"),
    );
    assert_scim_error(
        &scim.get("/Users?count=abc").await,
        StatusCode::BAD_REQUEST,
        Some("invalidValue"),
    );
    let bad_patch = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        { "op": "replace", "path": "displayName", "value": "New" },
        { "op": "remove", "path": "nosuch" }
    ] });
    let refused = scim.patch(&format!("/Users/{id}"), bad_patch).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{refused:?}");
    assert_scim_error(&scim.get("/Users/does-not-exist").await, StatusCode::NOT_FOUND, None);
    assert_scim_error(&scim.delete("/Users/does-not-exist").await, StatusCode::NOT_FOUND, None);
    assert_eq!(app.snapshot().await, before);
}

async fn lists_filter_sort_and_page(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    for name in ["carol", "alice", "bob", "dave", "eve"] {
        let mut body = okta_user(name);
        body["name"]["givenName"] = json!(name.to_uppercase());
        assert_eq!(scim.post("/Users", body).await.status, StatusCode::CREATED);
    }
    let sorted = scim.get("/Users?sortBy=userName&sortOrder=descending&count=2&startIndex=2").await;
    assert_eq!(sorted.body["totalResults"], 5, "{sorted:?}");
    assert_eq!(sorted.body["startIndex"], 2);
    assert_eq!(sorted.body["itemsPerPage"], 2);
    let names: Vec<&str> = sorted.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dave@example.com", "carol@example.com"]);
    let filtered = scim.get("/Users?filter=name.givenName%20sw%20%22A%22%20or%20emails%5Bvalue%20co%20%22eve%22%5D&attributes=userName").await;
    assert_eq!(filtered.body["totalResults"], 2, "{filtered:?}");
    let first = &filtered.body["Resources"][0];
    assert!(
        first.get("name").is_none() && first.get("userName").is_some() && first.get("id").is_some(),
        "{first}"
    );
    // Cursor paging (RFC 9865) walks every user once.
    let mut seen = Vec::new();
    let mut next = "/Users?cursor&count=2".to_owned();
    loop {
        let page = scim.get(&next).await;
        assert_eq!(page.status, StatusCode::OK, "{page:?}");
        for user in page.body["Resources"].as_array().unwrap() {
            seen.push(user["id"].as_str().unwrap().to_owned());
        }
        match page.body["nextCursor"].as_str() {
            Some(cursor) => next = format!("/Users?cursor={cursor}&count=2"),
            None => break,
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5);
    assert_scim_error(
        &scim.get("/Users?cursor=forged").await,
        StatusCode::BAD_REQUEST,
        Some("invalidCursor"),
    );
    let search = scim.post("/Users/.search", json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "userName sw \"b\"", "count": 10 })).await;
    assert_eq!(search.body["totalResults"], 1, "{search:?}");
}

/// RFC 7644 §3.5.2: a PATCH whose filtered `add` or `replace` selects no
/// value, or whose `remove` has no path, is `400 noTarget`, and a PATCH is
/// atomic: the operations before the refused one are not kept either. The
/// whole store is compared before and after, under a lenient-only kind and
/// under Entra ID, whose replace-miss-adds does not reach a filter that
/// names no single value (`co`).
async fn no_target_patches_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let okta = app.scim_provider("acme", "okta", "Okta").await;
    let entra = app.scim_provider("acme", "entra_id", "Entra").await;
    let okta_id =
        okta.post("/Users", okta_user("bjensen")).await.body["id"].as_str().unwrap().to_owned();
    let entra_id =
        entra.post("/Users", okta_user("ajensen")).await.body["id"].as_str().unwrap().to_owned();
    let group = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Guides", "members": [{ "value": okta_id }] });
    let group_id = okta.post("/Groups", group).await.body["id"].as_str().unwrap().to_owned();
    let before = app.snapshot().await;
    let changes = json!([
        { "op": "replace", "path": "displayName", "value": "Changed" },
        { "op": "add", "path": "nickName", "value": "Babs" },
        { "op": "replace", "path": "active", "value": false },
        { "op": "add", "path": "emails", "value": [{ "value": "new@example.com", "type": "other" }] }
    ]);
    let refused = |last: Value| {
        let mut operations = changes.as_array().unwrap().clone();
        operations.push(last);
        patch_op(Value::Array(operations))
    };
    let user_cases = [
        json!({ "op": "replace", "path": "emails[type eq \"home\"].value", "value": "h@example.com" }),
        json!({ "op": "replace", "path": "emails[type eq \"home\"]", "value": { "value": "h@example.com" } }),
        json!({ "op": "add", "path": "emails[value eq \"nobody@example.com\"].type", "value": "home" }),
        json!({ "op": "replace", "path": "addresses[type eq \"work\"].locality", "value": "Hollywood" }),
        json!({ "op": "remove" }),
    ];
    for last in &user_cases {
        let reply = okta.patch(&format!("/Users/{okta_id}"), refused(last.clone())).await;
        assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("noTarget"));
        assert_eq!(app.snapshot().await, before, "okta: {last}");
    }
    let entra_cases = [
        json!({ "op": "replace", "path": "emails[type co \"hom\"].value", "value": "h@example.com" }),
        json!({ "op": "replace", "path": "emails[type eq \"work\" and value eq \"x@example.com\"].type", "value": "home" }),
        json!({ "op": "remove" }),
    ];
    for last in &entra_cases {
        let reply = entra.patch(&format!("/Users/{entra_id}"), refused(last.clone())).await;
        assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("noTarget"));
        assert_eq!(app.snapshot().await, before, "entra_id: {last}");
    }
    let group_patch = patch_op(json!([
        { "op": "replace", "path": "displayName", "value": "Renamed" },
        { "op": "remove", "path": "members" },
        { "op": "remove" }
    ]));
    let reply = okta.patch(&format!("/Groups/{group_id}"), group_patch).await;
    assert_scim_error(&reply, StatusCode::BAD_REQUEST, Some("noTarget"));
    assert_eq!(app.snapshot().await, before, "group");
    // The same operations without the refused one do change the user.
    let reply = okta.patch(&format!("/Users/{okta_id}"), patch_op(changes)).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["displayName"], "Changed");
    assert_ne!(app.snapshot().await, before);
}

crate::on_both_databases!(
    user_lifecycle,
    no_target_patches_change_nothing,
    etags_guard_updates,
    bad_requests_are_scim_errors_and_change_nothing,
    lists_filter_sort_and_page
);
