//! The history log and the events feed: one entry per change and per
//! sign-in, from every interface, with its actor, target and changed
//! fields; written with the change (a refused or rolled-back change leaves
//! none, a refused sign-in leaves its reason); secrets never; the feed in
//! order without gaps while writers run; bad queries refused.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::cli::run_json;
use crate::helpers::{Backend, TestApp, assert_error, scim_user, spawn_app};
use crate::password_signin::{sign_in, with_password};

async fn history(app: &TestApp, query: &str) -> Vec<Value> {
    let reply = app.get(&format!("/api/admin/sites/acme/logs/history?{query}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    reply.body["items"].as_array().unwrap().clone()
}

/// `(interface, actor kind, action, target name)` of each entry, oldest first.
fn summary(entries: &[Value]) -> Vec<(String, String, String, String)> {
    let mut rows: Vec<(String, String, String, String)> = entries
        .iter()
        .rev()
        .map(|e| {
            (
                e["interface"].as_str().unwrap().to_owned(),
                e["actor"]["kind"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
                e["target"]["name"].as_str().unwrap_or("-").to_owned(),
            )
        })
        .collect();
    rows.dedup();
    rows
}

fn row(
    interface: &str,
    actor: &str,
    action: &str,
    target: &str,
) -> (String, String, String, String) {
    (interface.to_owned(), actor.to_owned(), action.to_owned(), target.to_owned())
}

async fn every_interface_is_recorded_with_its_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    // The admin API: a password user, a sign-in and a refused one.
    with_password(
        &app,
        json!({ "username": "ada", "email": "ada@example.com" }),
        "correct horse 1",
    )
    .await;
    let (status, _, _) = sign_in(&app, "ada", "correct horse 1").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = sign_in(&app, "ada", "wrong horse").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = sign_in(&app, "nobody", "wrong horse").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // SCIM: a user created, disabled, and a group with that user.
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let created = scim.post("/Users", scim_user("grace@example.com")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let grace = created.body["id"].as_str().unwrap().to_owned();
    let off = scim
        .patch(
            &format!("/Users/{grace}"),
            crate::helpers::patch_op(
                json!([{ "op": "replace", "path": "active", "value": false }]),
            ),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{off:?}");
    let group = scim
        .post(
            "/Groups",
            json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "displayName": "Engineers", "members": [{ "value": grace }] }),
        )
        .await;
    assert_eq!(group.status, StatusCode::CREATED, "{group:?}");

    let entries = history(&app, "").await;
    assert_eq!(
        summary(&entries),
        [
            row("admin_api", "operator", "created", "ada"),
            row("admin_api", "operator", "credential_created", "ada"),
            row("web", "user", "signed_in", "ada"),
            row("web", "anonymous", "sign_in_refused", "ada"),
            row("web", "anonymous", "sign_in_refused", "nobody"),
            row("scim", "provider", "created", "grace@example.com"),
            row("scim", "provider", "disabled", "grace@example.com"),
            row("scim", "provider", "created", "Engineers"),
            row("scim", "provider", "member_added", "Engineers"),
        ],
        "{entries:#?}"
    );
    let by_action = |action: &str, target: &str| {
        entries
            .iter()
            .find(|e| e["action"] == action && e["target"]["name"] == target)
            .unwrap()
            .clone()
    };
    let refused = by_action("sign_in_refused", "ada");
    assert_eq!(refused["reason"], "wrong password");
    assert!(refused["target"]["id"].is_string(), "a known user: {refused}");
    assert_eq!(by_action("sign_in_refused", "nobody")["reason"], "no such user");
    assert_eq!(by_action("sign_in_refused", "nobody")["target"]["id"], Value::Null);
    let disabled = by_action("disabled", "grace@example.com");
    assert_eq!(disabled["actor"]["id"], scim.provider_id.as_str());
    assert_eq!(
        disabled["changes"],
        json!([{ "field": "enabled", "before": "true", "after": "false" }]),
        "only what changed"
    );
    let member = by_action("member_added", "Engineers");
    assert_eq!(member["changes"], json!([{ "field": "member", "before": null, "after": grace }]));
    let created = by_action("created", "ada");
    assert!(
        created["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "email" && c["after"] == "ada@example.com"),
        "{created}"
    );
    // Numbered from 1 without gaps.
    let seqs: Vec<i64> = entries.iter().rev().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());

    // The CLI is its own interface.
    let db_args = &app._database;
    let created = run_json(db_args, &["user", "create", "--site", "acme", "--username", "lin"]);
    assert_eq!(created["username"], "lin", "{created}");
    let listed = run_json(db_args, &["logs", "history", "--site", "acme", "--interface", "cli"]);
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{listed}");
    assert_eq!(items[0]["action"], "created");
    assert_eq!(items[0]["actor"]["kind"], "operator");
    assert_eq!(items[0]["target"]["name"], "lin");
}

async fn refused_and_rolled_back_changes_leave_no_entry(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    assert_eq!(scim.post("/Users", scim_user("ada@example.com")).await.status, StatusCode::CREATED);
    let before = history(&app, "").await;
    // A duplicate, a bad PATCH, an admin change the site forbids: refused.
    assert_eq!(
        scim.post("/Users", scim_user("ADA@example.com")).await.status,
        StatusCode::CONFLICT
    );
    let bad = scim
        .patch(
            "/Users/nobody",
            crate::helpers::patch_op(
                json!([{ "op": "replace", "path": "active", "value": false }]),
            ),
        )
        .await;
    assert_eq!(bad.status, StatusCode::NOT_FOUND);
    let bad_admin =
        app.post("/api/admin/sites/acme/users", json!({ "username": "ADA@example.com" })).await;
    assert_eq!(bad_admin.status, StatusCode::CONFLICT);
    // A PATCH that changes nothing writes nothing.
    let id = app.get("/api/admin/sites/acme/users").await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let same = scim
        .patch(
            &format!("/Users/{id}"),
            crate::helpers::patch_op(json!([{ "op": "replace", "path": "active", "value": true }])),
        )
        .await;
    assert_eq!(same.status, StatusCode::OK);
    assert_eq!(history(&app, "").await, before);
}

async fn secrets_never_reach_the_history(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let id = with_password(&app, json!({ "username": "ada" }), "first secret horse").await;
    let set = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/admin/sites/acme/users/{id}/password"),
            Some(json!({ "password": "second secret horse" })),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK);
    sign_in(&app, "ada", "third secret horse").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let mut body = scim_user("grace@example.com");
    body["password"] = json!("scim secret horse");
    assert_eq!(scim.post("/Users", body).await.status, StatusCode::CREATED);
    let reset = app
        .post(
            &format!("/api/admin/sites/acme/providers/{}/scim", scim.provider_id),
            json!({ "auth": "token", "reset": true }),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{reset:?}");
    let token = reset.body["token"].as_str().unwrap().to_owned();

    let text = serde_json::to_string(&history(&app, "limit=1000").await).unwrap();
    for secret in [
        "first secret horse",
        "second secret horse",
        "third secret horse",
        "scim secret horse",
        &token,
        "argon2",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert!(text.contains("\"password\""), "that the password changed is shown: {text}");
    assert!(text.contains("credential_reset"), "{text}");
}

async fn the_feed_is_ordered_without_gaps_while_writers_run(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let writers = async {
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..40 {
            let request = app
                .client
                .post(format!("{}/api/scim/Users", app.address))
                .bearer_auth(&scim.token)
                .header("content-type", "application/scim+json")
                .body(scim_user(&format!("user{n}@example.com")).to_string());
            tasks.spawn(async move { request.send().await.expect("a response").status() });
        }
        for status in tasks.join_all().await {
            assert_eq!(status, StatusCode::CREATED);
        }
    };
    // A reader following the feed meanwhile never sees a later entry
    // before an earlier one: every page starts right after its `after`.
    let reader = async {
        let (mut after, mut seen) = (0i64, Vec::new());
        loop {
            let page =
                app.get(&format!("/api/admin/sites/acme/events?after={after}&limit=7")).await;
            assert_eq!(page.status, StatusCode::OK, "{page:?}");
            for (offset, item) in page.body["items"].as_array().unwrap().iter().enumerate() {
                assert_eq!(item["seq"].as_i64().unwrap(), after + 1 + offset as i64, "{page:?}");
                seen.push(item["target"]["name"].as_str().unwrap().to_owned());
            }
            after = page.body["next"].as_i64().unwrap();
            if seen.len() >= 40 {
                return seen;
            }
            tokio::task::yield_now().await;
        }
    };
    let ((), seen) = tokio::join!(writers, reader);
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), 40, "each once: {seen:?}");
    let end = app.get("/api/admin/sites/acme/events?after=40").await;
    assert_eq!(end.body["items"], json!([]));
    assert_eq!(end.body["next"], 40);
}

async fn searches_filter_and_page_and_bad_queries_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    for n in 0..5 {
        app.user("acme", json!({ "username": format!("user{n}") })).await;
    }
    let ada = app.user("acme", json!({ "username": "ada" })).await;
    let renamed = app
        .patch(&format!("/api/admin/sites/acme/users/{ada}"), json!({ "company": "Engines" }))
        .await;
    assert_eq!(renamed.status, StatusCode::OK);

    let about_ada = history(&app, &format!("target={ada}")).await;
    let actions: Vec<&str> = about_ada.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["updated", "created"], "newest first");
    assert_eq!(history(&app, "action=updated").await.len(), 1);
    assert_eq!(history(&app, "interface=scim").await.len(), 0);
    assert_eq!(
        history(&app, "since=2000-01-01T00:00:00Z&until=2001-01-01T00:00:00Z").await.len(),
        0
    );

    // Pages of two, newest first, each entry once.
    let (mut cursor, mut seqs) = (None::<String>, Vec::new());
    loop {
        let query = match &cursor {
            Some(cursor) => format!("limit=2&cursor={cursor}"),
            None => "limit=2".to_owned(),
        };
        let page = app.get(&format!("/api/admin/sites/acme/logs/history?{query}")).await;
        seqs.extend(
            page.body["items"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()),
        );
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seqs, (1..=7).rev().collect::<Vec<i64>>());

    let snapshot = app.snapshot().await;
    for (query, field) in [
        ("interface=telnet", "interface"),
        ("action=exploded", "action"),
        ("since=yesterday", "since"),
        ("since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", "until"),
        ("cursor=abc", "cursor"),
        ("cursor=-4", "cursor"),
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
    ] {
        let reply = app.get(&format!("/api/admin/sites/acme/logs/history?{query}")).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_request", Some(field));
    }
    let reply = app.get("/api/admin/sites/acme/logs/history?colour=red").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{reply:?}");
    let reply = app.get("/api/admin/sites/acme/events?after=-1").await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_request", Some("after"));
    let reply = app.get("/api/admin/sites/nowhere/events").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(app.snapshot().await, snapshot, "reads change nothing");
}

/// Entries older than the site's history retention go; the others keep
/// their numbers, so the feed goes on after the oldest one kept.
async fn retention_deletes_only_old_entries(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    app.site("brief").await;
    assert_eq!(app.get("/api/admin/sites/acme").await.body["history_retention_days"], 365);
    let set = app.patch("/api/admin/sites/brief", json!({ "history_retention_days": 10 })).await;
    assert_eq!(set.body["history_retention_days"], 10, "{set:?}");
    let before = app.snapshot().await;
    for days in [json!(0), json!(3651), json!(-1), json!("ten"), json!(null)] {
        let reply =
            app.patch("/api/admin/sites/brief", json!({ "history_retention_days": days })).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{days}: {reply:?}");
    }
    assert_eq!(app.snapshot().await, before);

    for site in ["acme", "brief"] {
        app.user(site, json!({ "username": "old" })).await;
    }
    app.clock.advance(jiff::SignedDuration::from_hours(24 * 20));
    for site in ["acme", "brief"] {
        app.user(site, json!({ "username": "recent" })).await;
    }
    let report = app.app.jobs().log_retention().await.unwrap();
    assert_eq!(report.history_deleted, 1, "only brief's 20-day-old entry");
    let feed = |site: &'static str| {
        let app = &app;
        async move {
            let reply = app.get(&format!("/api/admin/sites/{site}/events?after=0")).await;
            reply.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (e["seq"].as_i64().unwrap(), e["target"]["name"].as_str().unwrap().to_owned())
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(feed("brief").await, [(2, "recent".to_owned())]);
    assert_eq!(feed("acme").await, [(1, "old".to_owned()), (2, "recent".to_owned())]);

    app.clock.advance(jiff::SignedDuration::from_hours(24 * 350));
    let report = app.app.jobs().log_retention().await.unwrap();
    assert_eq!(report.history_deleted, 2, "acme's first entry at 370 days, brief's second");
    assert_eq!(feed("acme").await, [(2, "recent".to_owned())]);
    app.user("acme", json!({ "username": "newest" })).await;
    assert_eq!(feed("acme").await.last().unwrap().0, 3, "numbering goes on");
}

/// A user a SCIM `DELETE` releases leaves the provider's groups, and the
/// history says so, group by group (found by `durability.rs`: the
/// memberships went without an entry, so the history replayed to a
/// membership the data no longer had).
async fn a_released_user_leaves_its_groups_in_the_history(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let user = scim.post("/Users", scim_user("grace@example.com")).await;
    let user = user.body["id"].as_str().unwrap().to_owned();
    for name in ["Engineers", "Pilots"] {
        let group = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                            "displayName": name, "members": [{ "value": user }] });
        assert_eq!(scim.post("/Groups", group).await.status, StatusCode::CREATED);
    }
    let deleted = scim.delete(&format!("/Users/{user}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{deleted:?}");

    let entries = history(&app, "").await;
    let mut last: Vec<_> = summary(&entries).into_iter().rev().take(3).collect();
    last.sort();
    assert_eq!(
        last,
        [
            // Disabled and released, as the provider's options say.
            row("scim", "provider", "disabled", "grace@example.com"),
            row("scim", "provider", "member_removed", "Engineers"),
            row("scim", "provider", "member_removed", "Pilots"),
        ],
        "{entries:#?}"
    );
    let removed = &entries[0];
    assert_eq!(removed["changes"], json!([{ "field": "member", "before": user, "after": null }]));
}

crate::on_both_databases!(
    a_released_user_leaves_its_groups_in_the_history,
    every_interface_is_recorded_with_its_changes,
    refused_and_rolled_back_changes_leave_no_entry,
    secrets_never_reach_the_history,
    the_feed_is_ordered_without_gaps_while_writers_run,
    searches_filter_and_page_and_bad_queries_are_refused,
    retention_deletes_only_old_entries,
);
