//! Set-up links, end to end: made, listed and revoked through the admin
//! API and the CLI (the secret shown once, never listed, stored only as a
//! hash); opened in a browser (the secret exchanged for a cookie and a
//! redirect); refused alike when unknown, expired, revoked or orphaned;
//! and the principal a link grants, which sets up its one provider and
//! finds nothing else.

use jiff::SignedDuration;
use reqwest::header::{CACHE_CONTROL, COOKIE, LOCATION, REFERRER_POLICY, SET_COOKIE};
use reqwest::{Method, StatusCode};
use roster_app::admin::{
    AdminError, PageRequest, ProviderPatch, SamlInput, ScimCredentialInput, SetupLinkInput,
};
use roster_app::{AdminRole, Principal, SignedIn};
use roster_domain::{SiteId, UserId};
use serde_json::{Value, json};

use crate::cli::{assert_fails, run, run_json, run_ok};
use crate::helpers::{Backend, TestApp, assert_error, spawn_app};
use crate::principals::{every_write, populate};

const LINKS: &str = "/api/admin/sites/acme/setup-links";

/// Makes a provider in acme and returns its id.
async fn provider(app: &TestApp, kind: &str, name: &str) -> String {
    let reply =
        app.post("/api/admin/sites/acme/providers", json!({ "kind": kind, "name": name })).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    reply.body["id"].as_str().unwrap().to_owned()
}

/// Makes a link for `provider` and returns the answer's body.
async fn link(app: &TestApp, provider: &str) -> Value {
    let reply = app.post(LINKS, json!({ "provider": provider })).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    reply.body
}

/// A client that shows redirects instead of following them.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn get_page(app: &TestApp, path: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut request = browser().get(format!("{}{path}", app.address));
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    request.send().await.unwrap()
}

async fn history(app: &TestApp, query: &str) -> Vec<Value> {
    let reply = app.get(&format!("/api/admin/sites/acme/logs/history?{query}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    reply.body["items"].as_array().unwrap().clone()
}

async fn links_are_made_listed_and_revoked_through_the_api(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let okta = provider(&app, "okta", "Okta").await;

    let reply = app
        .post(LINKS, json!({ "provider": okta, "description": "Acme IT", "expires_in": "24h" }))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    let created = reply.body;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("roster_setup_") && secret.len() > 60, "{secret}");
    assert_eq!(created["url"], format!("{}/setup/{secret}", app.address));
    assert_eq!(created["state"], "usable");
    assert_eq!(created["provider_id"], okta.as_str());
    assert_eq!(created["created_by"], "operator");
    let created_at: jiff::Timestamp = created["created_at"].as_str().unwrap().parse().unwrap();
    let expires_at: jiff::Timestamp = created["expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires_at.duration_since(created_at), SignedDuration::from_hours(24));
    // The default lifetime is a week.
    let default = link(&app, &okta).await;
    let created_at: jiff::Timestamp = default["created_at"].as_str().unwrap().parse().unwrap();
    let expires_at: jiff::Timestamp = default["expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires_at.duration_since(created_at), SignedDuration::from_hours(7 * 24));

    // The secret is never listed, and stored only as a hash.
    let listed = app.get(LINKS).await;
    assert_eq!(listed.status, StatusCode::OK, "{listed:?}");
    assert_eq!(listed.body["total"], 2);
    let text = listed.body.to_string();
    assert!(!text.contains(&secret) && !text.contains("\"secret\"") && !text.contains("url"));
    assert_eq!(listed.body["items"][1]["description"], "Acme IT");
    assert!(!app.snapshot().await.contains(&secret));

    // Revoked at once, again without change, unknown ids not found.
    let id = created["id"].as_str().unwrap();
    assert_eq!(app.delete(&format!("{LINKS}/{id}")).await.status, StatusCode::NO_CONTENT);
    let before = app.snapshot().await;
    assert_eq!(app.delete(&format!("{LINKS}/{id}")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.snapshot().await, before);
    let listed = app.get(LINKS).await;
    assert_eq!(listed.body["items"][1]["state"], "revoked");
    assert!(listed.body["items"][1]["revoked_at"].is_string());
    let unknown = app.delete(&format!("{LINKS}/00000000-0000-0000-0000-000000000000")).await;
    assert_error(&unknown, StatusCode::NOT_FOUND, "not_found", None);

    // Bad input is refused, says why, and changes nothing.
    let before = app.snapshot().await;
    let nobody = app.post(LINKS, json!({ "provider": "no-such-provider" })).await;
    assert_error(&nobody, StatusCode::NOT_FOUND, "not_found", None);
    assert!(nobody.body["message"].as_str().unwrap().contains("provider"), "{nobody:?}");
    for (expires_in, says) in [("0", "between 1h and 30d"), ("90d", "at most 30d"), ("1w", "7d")] {
        let reply = app.post(LINKS, json!({ "provider": okta, "expires_in": expires_in })).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_request", Some("expires_in"));
        assert!(reply.body["message"].as_str().unwrap().contains(says), "{reply:?}");
    }
    let reply = app.post(LINKS, json!({ "provider": okta, "expires": "7d" })).await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_request", Some("expires"));
    let malformed = app
        .client
        .post(format!("{}{LINKS}", app.address))
        .bearer_auth(&app.key)
        .header("content-type", "application/json")
        .body("{\"provider\": ")
        .send()
        .await
        .unwrap();
    let malformed = crate::helpers::reply(malformed).await;
    assert_error(&malformed, StatusCode::BAD_REQUEST, "invalid_json", None);
    assert_eq!(app.get("/api/admin/sites/nowhere/setup-links").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.snapshot().await, before);

    // A site key makes links; a read-only administrator may not.
    let key = app.site_key("acme").await;
    let by_key = app.call_as(&key, Method::POST, LINKS, Some(json!({ "provider": okta }))).await;
    assert_eq!(by_key.status, StatusCode::CREATED, "{by_key:?}");
    assert_eq!(by_key.body["created_by"], "site_key");
    let site = app.get("/api/admin/sites/acme").await.body["id"].as_str().unwrap().to_owned();
    let reader = app.user("acme", json!({ "username": "reader" })).await;
    let read_only = Principal::Person(SignedIn {
        site: SiteId::from_raw(site),
        user: UserId::from_raw(reader),
        role: AdminRole::ReadOnlySiteAdmin,
    });
    let before = app.snapshot().await;
    let input = SetupLinkInput { provider: okta.clone(), ..Default::default() };
    let refused = app.app.admin().create_setup_link(&read_only, "acme", input).await;
    assert!(matches!(refused, Err(AdminError::Forbidden(_))), "{refused:?}");
    let refused = app.app.admin().revoke_setup_link(&read_only, "acme", id).await;
    assert!(matches!(refused, Err(AdminError::Forbidden(_))), "{refused:?}");
    assert_eq!(app.app.admin().list_setup_links(&read_only, "acme").await.unwrap().len(), 3);
    assert_eq!(app.snapshot().await, before);
}

async fn opening_a_link_sets_a_cookie_and_redirects(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let okta = provider(&app, "okta", "Okta <Corp>").await;
    let created = link(&app, &okta).await;
    let secret = created["secret"].as_str().unwrap();

    let opened = get_page(&app, &format!("/setup/{secret}"), None).await;
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    let headers = opened.headers();
    assert_eq!(headers[LOCATION], "/setup");
    assert_eq!(headers[CACHE_CONTROL], "no-store");
    assert_eq!(headers[REFERRER_POLICY], "no-referrer");
    let cookie = headers[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with(&format!("roster_setup={secret}; ")), "{cookie}");
    for part in ["Path=/setup", "HttpOnly", "SameSite=Lax"] {
        assert!(cookie.split("; ").any(|p| p == part), "{part} missing from {cookie}");
    }
    assert!(!cookie.contains("Secure"), "the test server is plain http: {cookie}");
    let max_age: i64 = cookie.split("Max-Age=").nth(1).unwrap().parse().unwrap();
    assert!(max_age > 7 * 86_400 - 60 && max_age <= 7 * 86_400, "{cookie}");
    let session = format!("roster_setup={secret}");

    // The page names the provider, escaped.
    let page = get_page(&app, "/setup", Some(&session)).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()[CACHE_CONTROL], "no-store");
    let html = page.text().await.unwrap();
    assert!(html.contains("Set up Okta &#60;Corp&#62;"), "{html}");
    let without = get_page(&app, "/setup", None).await;
    assert_eq!(without.status(), StatusCode::NOT_FOUND);

    // The opening is in the history log, by the link, through the web.
    let entries = history(&app, "action=opened").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["interface"], "web");
    assert_eq!(entries[0]["actor"]["kind"], "setup_link");
    assert_eq!(entries[0]["actor"]["id"], created["id"]);
    assert_eq!(entries[0]["target"]["kind"], "setup_link");
    assert!(app.get(LINKS).await.body["items"][0]["last_opened_at"].is_string());

    // Unknown, expired, revoked and orphaned links get the same page.
    let unknown = get_page(&app, "/setup/roster_setup_0000", None).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(unknown.headers()[SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    let refusal = unknown.text().await.unwrap();
    assert!(refusal.contains("invalid, has expired or was revoked"), "{refusal}");
    let id = created["id"].as_str().unwrap();
    assert_eq!(app.delete(&format!("{LINKS}/{id}")).await.status, StatusCode::NO_CONTENT);
    for path in [format!("/setup/{secret}"), "/setup".to_owned()] {
        let revoked = get_page(&app, &path, Some(&session)).await;
        assert_eq!(revoked.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(revoked.text().await.unwrap(), refusal, "{path}");
    }

    let second = link(&app, &okta).await;
    let secret = second["secret"].as_str().unwrap();
    let session = format!("roster_setup={secret}");
    assert_eq!(
        get_page(&app, &format!("/setup/{secret}"), None).await.status(),
        StatusCode::SEE_OTHER
    );
    app.clock.advance(SignedDuration::from_hours(7 * 24) + SignedDuration::from_secs(1));
    let expired = get_page(&app, "/setup", Some(&session)).await;
    assert_eq!(expired.status(), StatusCode::NOT_FOUND);
    assert_eq!(expired.text().await.unwrap(), refusal);
    let expired = get_page(&app, &format!("/setup/{secret}"), None).await;
    assert_eq!(expired.text().await.unwrap(), refusal);
    assert_eq!(app.get(LINKS).await.body["items"][0]["state"], "expired");

    let third = link(&app, &okta).await;
    let secret = third["secret"].as_str().unwrap();
    assert!(app.app.admin().check_setup_link(secret).await.is_ok());
    let deleted = app.delete(&format!("/api/admin/sites/acme/providers/{okta}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{deleted:?}");
    let gone = app.app.admin().check_setup_link(secret).await;
    assert!(matches!(gone, Err(AdminError::NotFound { what: "set-up link" })), "{gone:?}");
    let gone = get_page(&app, &format!("/setup/{secret}"), None).await;
    assert_eq!(gone.text().await.unwrap(), refusal);
}

fn saml_fingerprint() -> SamlInput {
    SamlInput {
        trust: "fingerprint".into(),
        metadata_url: None,
        metadata_xml: None,
        fingerprint: Some("AB:".repeat(31) + "AB"),
        sso_url: Some("https://idp.example.com/sso".into()),
        slo_url: None,
    }
}

async fn a_link_sets_up_its_provider_and_nothing_else(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    app.site("other").await;
    let made = populate(&app, "acme").await;
    let setup = provider(&app, "saml", "Customer IdP").await;
    let created = link(&app, &setup).await;
    let secret = created["secret"].as_str().unwrap();
    let opened = get_page(&app, &format!("/setup/{secret}"), None).await;
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    let who = app.app.admin().check_setup_link(secret).await.unwrap().principal();
    let admin = app.app.admin();

    // Its provider: read, SAML trust set, SCIM credential created.
    assert_eq!(admin.get_provider(&who, "acme", &setup).await.unwrap().name, "Customer IdP");
    let trust = ProviderPatch { saml: Some(saml_fingerprint()), ..Default::default() };
    let updated = admin.update_provider(&who, "acme", &setup, trust).await.unwrap();
    assert_eq!(updated.saml.trust, "fingerprint");
    let token = ScimCredentialInput { auth: "token".into(), ..Default::default() };
    let credential = admin.set_scim_credential(&who, "acme", &setup, token).await.unwrap();
    assert!(credential.token.is_some());
    let reset = ScimCredentialInput { auth: "token".into(), reset: true, ..Default::default() };
    assert!(admin.set_scim_credential(&who, "acme", &setup, reset).await.unwrap().token.is_some());
    let entries = history(&app, &format!("actor={}", created["id"].as_str().unwrap())).await;
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["credential_reset", "credential_created", "updated", "opened"]);
    assert!(entries.iter().all(|e| e["actor"]["kind"] == "setup_link"), "{entries:?}");
    assert_eq!(entries[2]["changes"][0]["field"], "saml_trust");

    // Nothing more of it: its name and options, switching SCIM off.
    let before = app.snapshot().await;
    let rename = ProviderPatch { name: Some("Mine".into()), ..Default::default() };
    let refused = admin.update_provider(&who, "acme", &setup, rename).await;
    assert!(matches!(refused, Err(AdminError::Forbidden(_))), "{refused:?}");
    let off = ScimCredentialInput { auth: "off".into(), ..Default::default() };
    let refused = admin.set_scim_credential(&who, "acme", &setup, off).await;
    assert!(matches!(refused, Err(AdminError::Forbidden(_))), "{refused:?}");

    // Nothing else at all: users, groups, other providers, the site.
    let page = PageRequest::default;
    let not_found = |result: &Result<(), AdminError>| {
        matches!(result, Err(AdminError::NotFound { what: "site" | "provider" }))
    };
    let reads: Vec<(&str, Result<(), AdminError>)> = vec![
        ("list_users", admin.list_users(&who, "acme", page()).await.map(drop)),
        ("get_user", admin.get_user(&who, "acme", &made.user).await.map(drop)),
        ("list_groups", admin.list_groups(&who, "acme", page()).await.map(drop)),
        ("get_provider", admin.get_provider(&who, "acme", &made.provider).await.map(drop)),
        ("list_providers", admin.list_providers(&who, "acme", page()).await.map(drop)),
        ("get_site", admin.get_site(&who, "acme").await.map(drop)),
        ("list_setup_links", admin.list_setup_links(&who, "acme").await.map(drop)),
        ("list_admin_keys", admin.list_admin_keys(&who, None, page()).await.map(drop)),
        ("its provider elsewhere", admin.get_provider(&who, "other", &setup).await.map(drop)),
    ];
    for (name, outcome) in reads {
        assert!(not_found(&outcome), "{name}: {outcome:?}");
    }
    assert_eq!(admin.list_sites(&who, page()).await.unwrap().total, 0);
    let input = SetupLinkInput { provider: setup.clone(), ..Default::default() };
    let refused = admin.create_setup_link(&who, "acme", input).await;
    assert!(matches!(refused, Err(AdminError::NotFound { what: "site" })), "{refused:?}");
    for (name, outcome) in every_write(&admin, &who, "acme", &made).await {
        assert!(
            not_found(&outcome) || matches!(outcome, Err(AdminError::Forbidden(_))),
            "{name}: {outcome:?}"
        );
    }
    assert_eq!(app.snapshot().await, before);

    // Revoked, the same principal is checked again and refused.
    let id = created["id"].as_str().unwrap();
    assert_eq!(app.delete(&format!("{LINKS}/{id}")).await.status, StatusCode::NO_CONTENT);
    assert!(app.app.admin().check_setup_link(secret).await.is_err());
}

async fn the_cli_makes_lists_and_revokes_links(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    provider(&app, "okta", "Okta").await;
    let db = &app._database;

    let created = run_json(
        db,
        &[
            "setup-link",
            "create",
            "--site",
            "acme",
            "--provider",
            "Okta",
            "--expires-in",
            "2h",
            "--description",
            "Acme IT",
            "--public-url",
            "https://id.example.com",
        ],
    );
    let secret = created["secret"].as_str().unwrap();
    assert_eq!(created["url"], format!("https://id.example.com/setup/{secret}"));
    assert_eq!(created["description"], "Acme IT");
    let listed = run_json(db, &["setup-link", "list", "--site", "acme"]);
    assert_eq!(listed["total"], 1);
    assert!(!listed.to_string().contains(secret));
    let id = created["id"].as_str().unwrap();
    run_ok(db, &["setup-link", "revoke", "--site", "acme", "--id", id]);
    let listed = run_json(db, &["setup-link", "list", "--site", "acme"]);
    assert_eq!(listed["items"][0]["state"], "revoked");
    let history = history(&app, "action=revoked").await;
    assert_eq!(history[0]["interface"], "cli");

    let before = app.snapshot().await;
    let create = |extra: &[&str]| {
        let mut args = vec!["setup-link", "create", "--site", "acme"];
        args.extend_from_slice(extra);
        run(db, &args)
    };
    assert_fails(&create(&["--provider", "Nobody"]), &["provider not found"]);
    assert_fails(&create(&["--provider", "Okta", "--expires-in", "90d"]), &["expires_in"]);
    assert_fails(&create(&["--provider", "Okta", "--expires-in", "30m"]), &["between 1h and 30d"]);
    assert_eq!(app.snapshot().await, before);
}

/// Posts a set-up form with the session cookie; the status and the page.
async fn post_setup(
    app: &TestApp,
    session: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let response = browser()
        .post(format!("{}{path}", app.address))
        .header(COOKIE, session)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(fields).unwrap())
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn the_set_up_page_sets_trust_and_makes_a_credential(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let okta = provider(&app, "okta", "Okta").await;
    let created = link(&app, &okta).await;
    let secret = created["secret"].as_str().unwrap();
    get_page(&app, &format!("/setup/{secret}"), None).await;
    let session = format!("roster_setup={secret}");
    let page = get_page(&app, "/setup", Some(&session)).await.text().await.unwrap();
    let marker = "name=\"form_token\" value=\"";
    let start = page.find(marker).expect("a form token") + marker.len();
    let token = page[start..].split('"').next().unwrap().to_owned();
    // The guide is on the page, filled in for the site.
    assert!(page.contains(&format!("{}/api/scim", app.address)), "{page}");
    assert!(!page.contains("/admin/acme/users"), "nothing else of the console: {page}");

    // Without the token, nothing changes.
    let before = app.snapshot().await;
    let fingerprint = "AB:".repeat(31) + "AB";
    let trust = [
        ("trust", "fingerprint"),
        ("fingerprint", fingerprint.as_str()),
        ("sso_url", "https://idp.example/sso"),
    ];
    let (status, _) = post_setup(&app, &session, "/setup/saml", &trust).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut with_token = trust.to_vec();
    with_token.push(("form_token", &token));
    let (status, _) =
        post_setup(&app, "roster_setup=roster_setup_0000", "/setup/saml", &with_token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.snapshot().await, before);

    // With it, the trust is set, and a bad fingerprint is refused in words.
    let (status, page) = post_setup(&app, &session, "/setup/saml", &with_token).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("Test sign-in") && page.contains(&format!("/saml/login/{okta}")),
        "{page}"
    );
    let provider = app.get(&format!("/api/admin/sites/acme/providers/{okta}")).await;
    assert_eq!(provider.body["saml"]["trust"], "fingerprint");
    let before = app.snapshot().await;
    let bad = [
        ("trust", "fingerprint"),
        ("fingerprint", "zz"),
        ("sso_url", "https://idp.example/sso"),
        ("form_token", token.as_str()),
    ];
    let (status, page) = post_setup(&app, &session, "/setup/saml", &bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("class=\"problem\""), "{page}");
    assert_eq!(app.snapshot().await, before);

    // A SCIM token, shown once, that works; the change is the link's, through the web.
    let (status, page) = post_setup(
        &app,
        &session,
        "/setup/scim",
        &[("auth", "token"), ("reset", "on"), ("form_token", &token)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let marker = "id=\"scim-token\" data-copy>";
    let start = page.find(marker).expect("the new token") + marker.len();
    let scim_token = page[start..].split('<').next().unwrap();
    let users = app
        .client
        .get(format!("{}/api/scim/Users", app.address))
        .bearer_auth(scim_token)
        .send()
        .await
        .unwrap();
    assert_eq!(users.status(), StatusCode::OK);
    let entries = history(&app, "interface=web").await;
    assert!(
        entries
            .iter()
            .any(|e| e["actor"]["kind"] == "setup_link" && e["action"] == "credential_created"),
        "{entries:?}"
    );

    // Once the provider has a user, a link may no longer change its trust
    // or its credential: that is for the site's administrators.
    let made = app
        .client
        .post(format!("{}/api/scim/Users", app.address))
        .bearer_auth(scim_token)
        .header("content-type", "application/scim+json")
        .body(
            json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ada" })
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::CREATED);
    let before = app.snapshot().await;
    let (status, page) = post_setup(&app, &session, "/setup/saml", &with_token).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains("this provider is in use"), "{page}");
    let (status, _) = post_setup(
        &app,
        &session,
        "/setup/scim",
        &[("auth", "token"), ("reset", "on"), ("form_token", &token)],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.snapshot().await, before);

    // Revoked, the session's forms are refused and change nothing.
    let id = created["id"].as_str().unwrap();
    assert_eq!(app.delete(&format!("{LINKS}/{id}")).await.status, StatusCode::NO_CONTENT);
    let before = app.snapshot().await;
    let (status, _) = post_setup(
        &app,
        &session,
        "/setup/scim",
        &[("auth", "basic"), ("reset", "on"), ("form_token", &token)],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.snapshot().await, before);
}

crate::on_both_databases!(
    the_set_up_page_sets_trust_and_makes_a_credential,
    links_are_made_listed_and_revoked_through_the_api,
    opening_a_link_sets_a_cookie_and_redirects,
    a_link_sets_up_its_provider_and_nothing_else,
    the_cli_makes_lists_and_revokes_links,
);
