//! The console over HTTP, as a browser without JavaScript uses it: who
//! gets in, the form token on every post, the security headers, read-only
//! administrators, secrets shown once, and refusals that change nothing.
//! (`browser_console.rs` drives the same pages in a real browser.)

use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, COOKIE, LOCATION};
use serde_json::json;

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::password_signin::{sign_in, with_password};

const PASSWORD: &str = "correct horse battery";

/// A browser signed in to the console of `acme`: its session cookie and
/// the console's form token.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    cookie: String,
    token: String,
}

impl<'a> Browser<'a> {
    /// Signs in `username` (made with `roles` if new) and opens the console.
    pub(crate) async fn sign_in(
        app: &'a TestApp,
        username: &str,
        roles: serde_json::Value,
    ) -> Self {
        let mut body = json!({ "username": username });
        body.as_object_mut().unwrap().extend(roles.as_object().unwrap().clone());
        with_password(app, body, PASSWORD).await;
        let (status, cookie, page) = sign_in(app, username, PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let client =
            reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let mut browser =
            Self { app, client, cookie: cookie.expect("a session"), token: String::new() };
        let (status, page) = browser.get("/admin/acme").await;
        if status == StatusCode::OK {
            browser.token = form_token(&page);
        }
        browser
    }

    pub(crate) async fn get(&self, path: &str) -> (StatusCode, String) {
        let response = self.get_response(path).await;
        (response.status(), response.text().await.unwrap())
    }

    async fn get_response(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.app.address))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap()
    }

    /// Posts a form with the console's token.
    pub(crate) async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
        let mut fields = fields.to_vec();
        fields.push(("form_token", &self.token));
        self.post_raw(path, &fields).await
    }

    async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
        let response = self
            .client
            .post(format!("{}{path}", self.app.address))
            .header(COOKIE, &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).unwrap())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let location = response.headers().get(LOCATION).map(|v| v.to_str().unwrap().to_owned());
        let body = response.text().await.unwrap();
        (status, location.unwrap_or(body))
    }
}

/// The form token a console page carries.
fn form_token(page: &str) -> String {
    let marker = "name=\"form_token\" value=\"";
    let start = page.find(marker).expect("a form token") + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

async fn visitors_without_a_session_are_sent_to_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let client =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for path in ["/admin/acme", "/admin/acme/users", "/admin/acme/providers/x"] {
        let response = client.get(format!("{}{path}", app.address)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.headers()[LOCATION], "/login/acme?to=admin");
    }
    let forged = client
        .get(format!("{}/admin/acme", app.address))
        .header(COOKIE, "roster_session=forged")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::SEE_OTHER);
    let unknown = client.get(format!("{}/admin/nowhere", app.address)).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    // The sign-in page reached from the console leads back into it.
    let page = client.get(format!("{}/login/acme?to=admin", app.address)).send().await.unwrap();
    let page = page.text().await.unwrap();
    assert!(page.contains("name=\"to\" value=\"admin\""), "{page}");
    with_password(&app, json!({ "username": "root", "site_admin": true }), PASSWORD).await;
    let (cookie, token) = crate::password_signin::sign_in_form(&app, "acme").await;
    let fields =
        [("form", token.as_str()), ("username", "root"), ("password", PASSWORD), ("to", "admin")];
    let response = client
        .post(format!("{}/login/acme", app.address))
        .header(COOKIE, cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(fields).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/admin/acme");
}

async fn administrators_get_in_with_strict_headers_and_others_do_not(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    app.site("other").await;
    let admin = Browser::sign_in(&app, "root", json!({ "site_admin": true })).await;
    let response = admin.get_response("/admin/acme").await;
    assert_eq!(response.status(), StatusCode::OK);
    let csp = response.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    let page = response.text().await.unwrap();
    assert!(page.contains("<h1>Overview</h1>"), "{page}");
    assert!(!page.contains("<script>") && !page.contains("style="), "no inline code: {page}");
    for path in ["/admin/_assets/console.css", "/admin/_assets/console.js"] {
        assert_eq!(admin.get(path).await.0, StatusCode::OK, "{path}");
    }

    // The session belongs to acme: another site's console asks to sign in.
    let response = admin.get_response("/admin/other").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    // A person with no administrator role gets a refusal in words.
    let plain = Browser::sign_in(&app, "pat", json!({})).await;
    let (status, page) = plain.get("/admin/acme/users").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("not an administrator of this site"), "{page}");
}

async fn every_form_needs_the_sessions_token(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let admin = Browser::sign_in(&app, "root", json!({ "site_admin": true })).await;
    let before = app.snapshot().await;
    for token in ["", "0000", &"a".repeat(64)] {
        let (status, page) = admin
            .post_raw("/admin/acme/users", &[("username", "mallory"), ("form_token", token)])
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
        assert!(page.contains("has expired or was not sent from roster"), "{page}");
    }
    // Another session's token is not this one's.
    let other = Browser::sign_in(&app, "root2", json!({ "site_admin": true })).await;
    let before_other = app.snapshot().await;
    let (status, _) = admin
        .post_raw("/admin/acme/users", &[("username", "mallory"), ("form_token", &other.token)])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.snapshot().await, before_other);
    assert_ne!(before, before_other, "the second administrator was made between");

    // Malformed and oversized forms are refused with a page, and change nothing.
    let (status, _) = admin.post("/admin/acme/users/x/unknown-action", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let huge = "x".repeat(2 * 1024 * 1024);
    let (status, _) = admin.post("/admin/acme/users", &[("username", &huge)]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.snapshot().await, before_other);

    // With the token, the same form works and leads to the new user.
    let (status, location) = admin
        .post("/admin/acme/users", &[("username", "grace"), ("email", "grace@example.com")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    assert!(location.starts_with("/admin/acme/users/") && location.ends_with("?done=created"));
    let (status, page) = admin.get(&location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("grace@example.com") && page.contains("Created."), "{page}");
    let found = app.get("/api/admin/sites/acme/users?limit=10").await;
    assert!(found.body["items"].as_array().unwrap().iter().any(|u| u["username"] == "grace"));
    // The history says the change came through the web, by the person.
    let history = app.get("/api/admin/sites/acme/logs/history?interface=web&action=created").await;
    let entries = history.body["items"].as_array().unwrap();
    assert!(
        entries.iter().any(|e| e["actor"]["kind"] == "user" && e["target"]["name"] == "grace"),
        "{entries:?}"
    );
}

async fn refusals_are_shown_where_the_action_is(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let admin = Browser::sign_in(&app, "root", json!({ "site_admin": true })).await;
    let users = app.get("/api/admin/sites/acme/users").await;
    let root = users.body["items"][0]["id"].as_str().unwrap().to_owned();
    let before = app.snapshot().await;

    // The last password administrator cannot be disabled or deleted.
    for action in ["disable", "delete"] {
        let (status, page) = admin.post(&format!("/admin/acme/users/{root}/{action}"), &[]).await;
        assert_eq!(status, StatusCode::CONFLICT, "{action}: {page}");
        assert!(page.contains("class=\"problem\""), "{page}");
        assert!(page.contains("<h1>root</h1>"), "the refusal is on the user's page: {page}");
    }
    // A password that breaks the rules is refused in words.
    let (status, page) =
        admin.post(&format!("/admin/acme/users/{root}/password"), &[("password", "short")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("class=\"problem\""), "{page}");
    // A new user with a refused password is not made at all.
    let (status, page) =
        admin.post("/admin/acme/users", &[("username", "newbie"), ("password", "short")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("password: a password must be"), "{page}");
    assert!(page.contains("value=\"newbie\""), "the form keeps what was typed: {page}");
    // A duplicate username comes back on the form, with what was typed.
    let (status, page) = admin.post("/admin/acme/users", &[("username", "ROOT")]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(page.contains("value=\"ROOT\""), "{page}");
    assert_eq!(app.snapshot().await, before);
}

async fn read_only_administrators_see_everything_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let viewer = Browser::sign_in(&app, "viewer", json!({ "readonly_site_admin": true })).await;
    for path in [
        "/admin/acme",
        "/admin/acme/users",
        "/admin/acme/groups",
        "/admin/acme/providers",
        "/admin/acme/logs/scim",
        "/admin/acme/logs/history",
        "/admin/acme/settings",
    ] {
        let (status, page) = viewer.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        assert!(page.contains("read-only administrator"), "{path}");
    }
    let before = app.snapshot().await;
    let (status, page) = viewer.post("/admin/acme/users", &[("username", "sneaky")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    let (status, _) = viewer.post("/admin/acme/settings", &[("name", "Renamed")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) =
        viewer.post("/admin/acme/providers", &[("kind", "okta"), ("name", "Okta")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.snapshot().await, before);
}

async fn a_provider_is_set_up_and_its_scim_secret_is_shown_once(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let admin = Browser::sign_in(&app, "root", json!({ "site_admin": true })).await;
    let (status, location) =
        admin.post("/admin/acme/providers", &[("kind", "okta"), ("name", "Okta")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let provider_path = location.split('?').next().unwrap().to_owned();
    let provider_id = provider_path.rsplit('/').next().unwrap().to_owned();

    // A token: shown on the page answering the post, and nowhere after.
    let (status, page) =
        admin.post(&format!("{provider_path}/scim"), &[("auth", "token"), ("reset", "on")]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let marker = "id=\"scim-token\" data-copy>";
    let start = page.find(marker).expect("the new token") + marker.len();
    let token = page[start..].split('<').next().unwrap().to_owned();
    assert!(token.starts_with("roster_scim_"), "{token}");
    let scim = app
        .client
        .get(format!("{}/api/scim/Users", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(scim.status(), StatusCode::OK);
    let (_, again) = admin.get(&provider_path).await;
    assert!(!again.contains(&token), "the secret is shown once");

    // A provisioning option set in the form is what the API reads back.
    let (status, page) = admin
        .post(
            &format!("{provider_path}/provisioning"),
            &[
                ("provision_company", "Acme Corp"),
                ("only_users_in_groups", "eng-*, staff"),
                ("deprovisioning_method", "delete"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let provider = app.get(&format!("/api/admin/sites/acme/providers/{provider_id}")).await;
    assert_eq!(provider.body["provisioning"]["provision_company"], "Acme Corp");
    assert_eq!(provider.body["provisioning"]["deprovisioning_method"], "delete");
    assert_eq!(provider.body["provisioning"]["only_users_in_groups"], "eng-*,staff");
    assert_eq!(provider.body["provisioning"]["provision_users_on_first_login"], false);

    // Trust by fingerprint; a bad fingerprint is refused on the page.
    let before = app.snapshot().await;
    let (status, page) = admin
        .post(
            &format!("{provider_path}/saml"),
            &[
                ("trust", "fingerprint"),
                ("fingerprint", "not hex"),
                ("sso_url", "https://idp.example/sso"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("class=\"problem\""), "{page}");
    assert_eq!(app.snapshot().await, before);
    let fingerprint = "AB:".repeat(31) + "AB";
    let (status, _) = admin
        .post(
            &format!("{provider_path}/saml"),
            &[
                ("trust", "fingerprint"),
                ("fingerprint", &fingerprint),
                ("sso_url", "https://idp.example/sso"),
                ("metadata_url", "https://ignored.example/"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let provider = app.get(&format!("/api/admin/sites/acme/providers/{provider_id}")).await;
    assert_eq!(provider.body["saml"]["trust"], "fingerprint");

    // The SCIM request made above is in the console's SCIM log.
    let (status, page) = admin.get("/admin/acme/logs/scim?method=GET").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("GET /api/scim/Users"), "{page}");
    let (status, page) = admin.get("/admin/acme/logs/scim?status=teapot").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    let (status, page) = admin.get(&format!("{provider_path}/guide")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains(&format!("{}/api/scim", app.address)), "{page}");
}

async fn users_are_found_by_the_search_form(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let admin = Browser::sign_in(&app, "root", json!({ "site_admin": true })).await;
    app.user("acme", json!({ "username": "ada.lovelace", "email": "ada@example.com" })).await;
    app.user("acme", json!({ "username": "grace", "full_name": "Grace Hopper", "enabled": false }))
        .await;
    let (status, page) = admin.get("/admin/acme/users?q=HOPPER").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains(">grace</a>") && !page.contains(">ada.lovelace</a>"), "{page}");
    assert!(page.contains("1 users found"), "{page}");
    let (_, page) = admin.get("/admin/acme/users?q=&state=enabled&source=&done=deleted").await;
    assert!(page.contains(">ada.lovelace</a>") && !page.contains(">grace</a>"), "{page}");
    assert!(page.contains("Deleted."), "the notice survives the filter: {page}");
    let (status, page) = admin.get("/admin/acme/users?state=asleep").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("class=\"problem\"") && page.contains("enabled"), "{page}");
}

async fn set_up_links_are_made_and_revoked_on_the_providers_page(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let admin = Browser::sign_in(&app, "root", json!({ "site_admin": true })).await;
    let (_, location) =
        admin.post("/admin/acme/providers", &[("kind", "okta"), ("name", "Okta")]).await;
    let provider_path = location.split('?').next().unwrap().to_owned();

    let before = app.snapshot().await;
    let (status, page) =
        admin.post(&format!("{provider_path}/setup-link"), &[("expires_in", "90d")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("class=\"problem\""), "{page}");
    assert_eq!(app.snapshot().await, before);

    let (status, page) = admin
        .post(
            &format!("{provider_path}/setup-link"),
            &[("expires_in", "2d"), ("description", "Acme IT")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let marker = "id=\"setup-link\" data-copy>";
    let start = page.find(marker).expect("the new link") + marker.len();
    let link = page[start..].split('<').next().unwrap().to_owned();
    assert!(link.starts_with(&format!("{}/setup/roster_setup_", app.address)), "{link}");
    let (_, again) = admin.get(&provider_path).await;
    assert!(
        !again.contains(&link) && again.contains("Acme IT") && again.contains(">usable<"),
        "{again}"
    );

    // The link works, until it is revoked from the page.
    let opened = admin.client.get(&link).send().await.unwrap();
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    let id = app.get("/api/admin/sites/acme/setup-links").await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) =
        admin.post(&format!("{provider_path}/setup-link-revoke"), &[("link", &id)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let opened = admin.client.get(&link).send().await.unwrap();
    assert_eq!(opened.status(), StatusCode::NOT_FOUND);
}

async fn site_settings_webhooks_and_lifecycle_rules(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let admin = Browser::sign_in(&app, "root", json!({ "site_admin": true })).await;
    let before = app.snapshot().await;
    let (status, page) = admin
        .post("/admin/acme/settings", &[("name", "Acme"), ("scim_log_retention_days", "ninety")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("scim_log_retention_days"), "{page}");
    assert_eq!(app.snapshot().await, before);
    let (status, _) = admin
        .post(
            "/admin/acme/settings",
            &[
                ("name", "Acme Corp"),
                ("allow_manual_users", "on"),
                ("two_factor", "always"),
                ("application_url", "https://app.example.com/sso"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let site = app.get("/api/admin/sites/acme").await.body;
    assert_eq!(
        (site["name"].as_str(), site["allow_manual_groups"].as_bool()),
        (Some("Acme Corp"), Some(false))
    );
    assert_eq!(site["two_factor"], "always");
    assert_eq!(site["application_url"], "https://app.example.com/sso");

    // A webhook: its secret shown once, its deliveries on a page of their own.
    let (status, page) =
        admin.post("/admin/acme/settings/webhooks", &[("url", "https://127.0.0.1:9/hook")]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("id=\"webhook-secret\""), "{page}");
    let webhooks = app.get("/api/admin/sites/acme/webhooks").await.body;
    let id = webhooks["items"][0]["id"].as_str().unwrap().to_owned();
    let (status, page) = admin.get(&format!("/admin/acme/settings/webhooks/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("https://127.0.0.1:9/hook"), "{page}");

    // A lifecycle rule, refused without its days, then made and deleted.
    let before = app.snapshot().await;
    let (status, _) = admin.post("/admin/acme/settings/lifecycle", &[("action", "disable")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(app.snapshot().await, before);
    let (status, _) = admin
        .post(
            "/admin/acme/settings/lifecycle",
            &[("action", "disable"), ("inactive_days", "90"), ("auth_method", "password")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let rules = app.get("/api/admin/sites/acme/lifecycle-rules").await.body;
    assert_eq!(rules["items"][0]["action"], "disable", "{rules}");
    assert_eq!(rules["items"][0]["inactive_days"], 90);
    assert_eq!(rules["items"][0]["auth_method"], "password");
    let rule = rules["items"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) =
        admin.post(&format!("/admin/acme/settings/lifecycle/{rule}/delete"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let rules = app.get("/api/admin/sites/acme/lifecycle-rules").await.body;
    assert_eq!(rules["items"], json!([]), "the rule is gone");
    let (_, page) = admin.get("/admin/acme/settings").await;
    assert!(page.contains("No lifecycle rules."), "{page}");
}

crate::on_both_databases!(
    site_settings_webhooks_and_lifecycle_rules,
    set_up_links_are_made_and_revoked_on_the_providers_page,
    users_are_found_by_the_search_form,
    visitors_without_a_session_are_sent_to_sign_in,
    administrators_get_in_with_strict_headers_and_others_do_not,
    every_form_needs_the_sessions_token,
    refusals_are_shown_where_the_action_is,
    read_only_administrators_see_everything_and_change_nothing,
    a_provider_is_set_up_and_its_scim_secret_is_shown_once,
);
