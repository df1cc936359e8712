//! The users listing's search: `GET /api/admin/sites/{slug}/users?q=...`
//! with its filters, and `roster user list --search ...`, on both
//! databases.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::cli::{assert_fails, run, run_json};
use crate::helpers::{Backend, TestApp, assert_error, spawn_app};

const USERS: &str = "/api/admin/sites/acme/users";

/// A site with users of every kind the filters tell apart; returns the app
/// and the SCIM provider's id.
async fn populated(backend: Backend) -> (TestApp, String) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let okta = scim.provider_id.clone();
    for user in [
        json!({ "username": "ada", "email": "ada@engines.example", "full_name": "Ada Lovelace",
                "site_admin": true }),
        json!({ "username": "carol", "full_name": "Carol 100% Ng", "readonly_site_admin": true }),
        json!({ "username": "dave", "full_name": "Dave 1000 Ng" }),
        json!({ "username": "eve_ops", "first_name": "Änne", "last_name": "Müller",
                "auth_method": "sso", "sso_provider_id": okta }),
    ] {
        app.user("acme", user).await;
    }
    let dave = find(&app, "dave").await;
    let disabled = app.patch(&format!("{USERS}/{dave}"), json!({ "enabled": false })).await;
    assert_eq!(disabled.status, StatusCode::OK, "{disabled:?}");
    for (name, email, formatted) in [
        ("Grace.Hopper", "grace@navy.example", "Grace Brewster Hopper"),
        ("ann", "ann@navy.example", "Ann Other"),
    ] {
        let created = scim
            .post(
                "/Users",
                json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": name,
                    "name": { "formatted": formatted },
                    "emails": [{ "value": email, "primary": true }],
                    "active": true
                }),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    }
    // Deleted by its identity provider: disabled and released, by default.
    let ann = find(&app, "ann").await;
    assert_eq!(scim.delete(&format!("/Users/{ann}")).await.status, StatusCode::NO_CONTENT);
    (app, okta)
}

async fn find(app: &TestApp, username: &str) -> String {
    let listed = app.get(&format!("{USERS}?q={username}")).await;
    let users = listed.body["items"].as_array().expect("items");
    let user = users.iter().find(|user| user["username"] == username).expect(username);
    user["id"].as_str().expect("id").to_owned()
}

/// The usernames a search lists, in order, after checking that `total`
/// counts them when they fit one page.
async fn usernames(app: &TestApp, query: &str) -> Vec<String> {
    let listed = app.get(&format!("{USERS}?{query}")).await;
    assert_eq!(listed.status, StatusCode::OK, "{query}: {listed:?}");
    let items = listed.body["items"].as_array().expect("items");
    assert_eq!(listed.body["total"], items.len(), "{query}: {listed:?}");
    items.iter().map(|user| user["username"].as_str().expect("username").to_owned()).collect()
}

async fn text_matches_every_name_in_any_letter_case(backend: Backend) {
    let (app, _) = populated(backend).await;
    let everyone = ["ada", "carol", "dave", "eve_ops", "Grace.Hopper", "ann"];
    assert_eq!(usernames(&app, "").await, everyone);
    assert_eq!(usernames(&app, "q=").await, everyone);
    for (q, expected) in [
        // Part of a username, in another letter case.
        ("GRACE.H", &["Grace.Hopper"][..]),
        ("EVE_", &["eve_ops"]),
        // The e-mail, the full name, first and last names beyond ASCII.
        ("navy.EXAMPLE", &["Grace.Hopper", "ann"]),
        ("brewster", &["Grace.Hopper"]),
        ("lovelace", &["ada"]),
        ("änne", &["eve_ops"]),
        ("MÜLLER", &["eve_ops"]),
        ("nobody", &[]),
        // A match never spans two fields.
        ("ada\u{20}ada", &[]),
    ] {
        assert_eq!(usernames(&app, &format!("q={}", encode(q))).await, expected, "q={q}");
    }
}

async fn percent_and_underscore_match_literally(backend: Backend) {
    let (app, _) = populated(backend).await;
    // As LIKE patterns, `100%` would match "1000" and `_` every name.
    assert_eq!(usernames(&app, &format!("q={}", encode("100%"))).await, ["carol"]);
    assert_eq!(usernames(&app, "q=_").await, ["eve_ops"]);
    assert_eq!(usernames(&app, &format!("q={}", encode("%"))).await, ["carol"]);
}

async fn filters_narrow_the_list_alone_and_together(backend: Backend) {
    let (app, okta) = populated(backend).await;
    for (query, expected) in [
        // Signs in through it (eve_ops) or provisioned by it (SCIM users).
        (format!("provider={okta}"), &["eve_ops", "Grace.Hopper", "ann"][..]),
        ("source=scim".to_owned(), &["Grace.Hopper", "ann"]),
        ("source=manual".to_owned(), &["ada", "carol", "dave", "eve_ops"]),
        ("source=ldap".to_owned(), &[]),
        ("state=disabled".to_owned(), &["dave", "ann"]),
        ("state=enabled".to_owned(), &["ada", "carol", "eve_ops", "Grace.Hopper"]),
        ("state=released".to_owned(), &["ann"]),
        ("admin=site_admin".to_owned(), &["ada"]),
        ("admin=readonly_site_admin".to_owned(), &["carol"]),
        // Combinations: every filter must hold.
        (format!("provider={okta}&source=manual"), &["eve_ops"]),
        (format!("provider={okta}&state=enabled&q=hopper"), &["Grace.Hopper"]),
        ("q=ng&state=disabled".to_owned(), &["dave"]),
        ("q=ng&admin=readonly_site_admin".to_owned(), &["carol"]),
        ("q=hopper&admin=site_admin".to_owned(), &[]),
    ] {
        assert_eq!(usernames(&app, &query).await, expected, "{query}");
    }
}

async fn pages_of_a_search_count_every_match(backend: Backend) {
    let (app, _) = populated(backend).await;
    let mut seen = Vec::new();
    for offset in 0..3 {
        let page = app.get(&format!("{USERS}?state=enabled&limit=2&offset={offset}")).await;
        assert_eq!(page.status, StatusCode::OK, "{page:?}");
        assert_eq!(page.body["total"], 4, "{page:?}");
        assert_eq!(
            (page.body["offset"].clone(), page.body["limit"].clone()),
            (json!(offset), json!(2))
        );
        let first = &page.body["items"][0];
        seen.push(first["username"].clone());
    }
    assert_eq!(seen, [json!("ada"), json!("carol"), json!("eve_ops")]);
    let past = app.get(&format!("{USERS}?state=enabled&offset=10")).await;
    assert_eq!(past.body["items"], json!([]), "{past:?}");
    assert_eq!(past.body["total"], 4, "{past:?}");
}

async fn bad_searches_are_refused_with_what_is_allowed(backend: Backend) {
    let (app, _) = populated(backend).await;
    let before = app.snapshot().await;
    for (query, field, words) in [
        ("source=saml", "source", &["manual, scim, jit, ldap"][..]),
        ("state=active", "state", &["enabled, disabled, released"]),
        ("admin=owner", "admin", &["site_admin, readonly_site_admin"]),
        ("provider=nonexistent", "provider", &["no provider"]),
        ("q=a%0Ab", "q", &["control characters"]),
    ] {
        let reply = app.get(&format!("{USERS}?{query}")).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_request", Some(field));
        let message = reply.body["message"].as_str().unwrap();
        for word in words {
            assert!(message.contains(word), "{query}: {reply:?}");
        }
    }
    let long = app.get(&format!("{USERS}?q={}", "x".repeat(201))).await;
    assert_error(&long, StatusCode::BAD_REQUEST, "invalid_request", Some("q"));
    assert!(long.body["message"].as_str().unwrap().contains("200"), "{long:?}");
    assert_eq!(usernames(&app, &format!("q={}", "x".repeat(200))).await, Vec::<String>::new());
    // Unknown parameters stay refused.
    let unknown = app.get(&format!("{USERS}?search=ada")).await;
    assert_error(&unknown, StatusCode::BAD_REQUEST, "invalid_request", Some("query"));
    assert_eq!(app.snapshot().await, before);
}

async fn the_cli_searches_with_the_same_filters(backend: Backend) {
    let (app, _) = populated(backend).await;
    let db = &app._database;
    let names = |list: Value| -> Vec<String> {
        let items = list["items"].as_array().expect("items").clone();
        items.iter().map(|user| user["username"].as_str().unwrap().to_owned()).collect()
    };
    let args = ["user", "list", "--site", "acme", "--search", "100%", "--state", "enabled"];
    assert_eq!(names(run_json(db, &args)), ["carol"]);
    let by_provider = ["user", "list", "--site", "acme", "--provider", "Okta", "--source", "scim"];
    assert_eq!(names(run_json(db, &by_provider)), ["Grace.Hopper", "ann"]);
    let admins = ["user", "list", "--site", "acme", "--admin", "site_admin", "--limit", "1"];
    assert_eq!(names(run_json(db, &admins)), ["ada"]);
    let bad = run(db, &["user", "list", "--site", "acme", "--state", "gone"]);
    assert_fails(&bad, &["enabled, disabled, released"]);
}

async fn users_stored_before_0019_are_found_once_the_store_opens(backend: Backend) {
    let (app, _) = populated(backend).await;
    crate::scim_folding::execute(&app._database.config, &["UPDATE users SET search_key = NULL"])
        .await;
    assert_eq!(usernames(&app, "q=lovelace").await, Vec::<String>::new());
    roster_store::connect(&app._database.config).await.unwrap().close().await;
    assert_eq!(usernames(&app, "q=lovelace").await, ["ada"]);
    assert_eq!(usernames(&app, &format!("q={}", encode("MÜLLER"))).await, ["eve_ops"]);
    // A second start finds nothing left to do and changes nothing.
    let before = app.snapshot().await;
    roster_store::connect(&app._database.config).await.unwrap().close().await;
    assert_eq!(app.snapshot().await, before);
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

crate::on_both_databases!(
    text_matches_every_name_in_any_letter_case,
    percent_and_underscore_match_literally,
    filters_narrow_the_list_alone_and_together,
    pages_of_a_search_count_every_match,
    bad_searches_are_refused_with_what_is_allowed,
    the_cli_searches_with_the_same_filters,
    users_stored_before_0019_are_found_once_the_store_opens,
);
