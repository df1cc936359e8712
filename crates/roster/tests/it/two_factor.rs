//! The TOTP second factor of SPEC §5 end to end: enrolled at the first
//! sign-in that needs it, then asked for at every sign-in, by password and
//! by SAML alike; codes used once; guessing bounded; an administrator's
//! reset; and the refusals that open no session.

use jiff::SignedDuration;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::json;

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::password_signin::{post_form_with, sign_in, with_password};
use crate::saml_idp::SamlIdp;
use crate::saml_signin::{answer, me, post, provider, start};

const PASSWORD: &str = "correct horse battery";

/// What a code page's form posts back: its pending sign-in and its
/// anti-forgery token (also the page's cookie, which a browser sends).
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub(crate) pending: String,
    pub(crate) form: String,
}

impl std::fmt::Display for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.pending)
    }
}

fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).expect("a code page") + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

/// The hidden fields of a code page.
pub(crate) fn pending_of(page: &str) -> Pending {
    Pending { pending: hidden(page, "pending"), form: hidden(page, "form") }
}

/// The authenticator key an enrolment page shows.
pub(crate) fn key_of(page: &str) -> Option<String> {
    let start = page.find("Key: <code>")? + "Key: <code>".len();
    let end = page[start..].find("</code>")? + start;
    Some(page[start..end].replace(' ', ""))
}

/// The code an authenticator app shows for `key` at the server's time,
/// moved by `steps` of 30 seconds.
pub(crate) fn code(app: &TestApp, key: &str, steps: i64) -> String {
    use roster_app::Clock;
    let now = app.clock.now().as_second() + steps * 30;
    let totp = totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(key).unwrap())
        .build()
        .unwrap();
    totp.generate(u64::try_from(now).unwrap()).to_string()
}

pub(crate) async fn enter(
    app: &TestApp,
    pending: &Pending,
    code: &str,
) -> (StatusCode, Option<String>, String) {
    let cookie = format!("roster_sign_in_form={}", pending.form);
    post_form_with(
        app,
        "/login/acme/code",
        Some(&cookie),
        &[("pending", &pending.pending), ("code", code), ("form", &pending.form)],
    )
    .await
}

/// Ada, who must use a second factor, signs in with her password for the
/// first time: the key offered to her and the pending sign-in.
async fn first_sign_in(app: &TestApp) -> (String, Pending) {
    with_password(app, json!({ "username": "ada", "two_factor": "always" }), PASSWORD).await;
    let (_, _, page) = sign_in(app, "ada", PASSWORD).await;
    (key_of(&page).expect("a key to set up"), pending_of(&page))
}

async fn signed_in_as(app: &TestApp, cookie: Option<String>) -> String {
    let cookie = cookie.expect("a session cookie");
    let me = app.client.get(format!("{}/api/me", app.address)).header(COOKIE, cookie).send().await;
    let me: serde_json::Value = me.unwrap().json().await.unwrap();
    me["username"].as_str().expect("signed in").to_owned()
}

async fn a_password_user_enrols_then_signs_in_with_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let id =
        with_password(&app, json!({ "username": "ada", "two_factor": "always" }), PASSWORD).await;
    let status_path = format!("/api/admin/sites/acme/users/{id}/two-factor");
    let status = app.get(&status_path).await;
    assert_eq!(status.body["required"], true, "{status:?}");
    assert_eq!(status.body["enrolled"], false);

    // The password alone opens no session: the page offers an
    // authenticator to set up.
    let (status, cookie, page) = sign_in(&app, "ada", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(cookie.is_none(), "no session before the second factor");
    assert!(page.contains("<svg"), "a QR code: {page}");
    assert!(page.contains("otpauth://totp/"), "{page}");
    let key = key_of(&page).expect("the key to type in");
    let pending = pending_of(&page);

    // A wrong code asks again with the same set-up, and enrols nothing.
    let before = app.snapshot().await;
    let (status, cookie, page) = enter(&app, &pending, "000000").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(cookie.is_none());
    assert!(page.contains("not right"), "{page}");
    assert_eq!(key_of(&page).as_deref(), Some(key.as_str()), "the same key is offered");
    assert_eq!(app.get(&status_path).await.body["enrolled"], false);
    assert_ne!(app.snapshot().await, before, "the failure is counted");

    let (status, cookie, page) = enter(&app, &pending, &code(&app, &key, 0)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(signed_in_as(&app, cookie).await, "ada");
    let status = app.get(&status_path).await;
    assert_eq!(status.body["enrolled"], true, "{status:?}");
    // The pending sign-in is spent.
    let (status, _, page) = enter(&app, &pending, &code(&app, &key, 0)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains("sign in again"), "{page}");

    // The next sign-in asks for a code and offers no new key.
    let (status, _, page) = sign_in(&app, "ada", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(key_of(&page).is_none(), "{page}");
    let pending = pending_of(&page);
    // The code just used is refused (RFC 6238 §5.2); the next one works.
    let (status, cookie, _) = enter(&app, &pending, &code(&app, &key, 0)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(cookie.is_none());
    app.clock.advance(SignedDuration::from_secs(30));
    let (status, cookie, page) = enter(&app, &pending, &code(&app, &key, 0)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(signed_in_as(&app, cookie).await, "ada");

    // A wrong password still says only that.
    let (status, cookie, _) = sign_in(&app, "ada", "wrong password!!").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(cookie.is_none());
}

async fn the_site_policy_decides_for_users_who_defer_to_it(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    with_password(&app, json!({ "username": "ada" }), PASSWORD).await;
    with_password(&app, json!({ "username": "bob", "two_factor": "never" }), PASSWORD).await;
    let (_, cookie, _) = sign_in(&app, "ada", PASSWORD).await;
    assert!(cookie.is_some(), "the site asks for no second factor by default");

    let set = app.patch("/api/admin/sites/acme", json!({ "two_factor": "always" })).await;
    assert_eq!(set.status, StatusCode::OK, "{set:?}");
    let (status, cookie, page) = sign_in(&app, "ada", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert!(cookie.is_none(), "the site's policy now asks for a code");
    assert!(key_of(&page).is_some(), "{page}");
    let (_, cookie, _) = sign_in(&app, "bob", PASSWORD).await;
    assert!(cookie.is_some(), "bob's own rule says never");
}

async fn guessing_ends_the_sign_in_and_then_throttles_the_user(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let (key, pending) = first_sign_in(&app).await;
    for attempt in 1..=5 {
        let (status, _, page) = enter(&app, &pending, "123456").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{attempt}: {page}");
        let ended = page.contains("sign in again");
        assert_eq!(ended, attempt == 5, "{attempt}: {page}");
    }
    // Ended: even the right code does not revive it.
    let (status, cookie, _) = enter(&app, &pending, &code(&app, &key, 0)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(cookie.is_none());

    // Spread over new sign-ins, attempts are still counted per user: ten
    // in a window are checked, the eleventh is not.
    let mut last = StatusCode::OK;
    for _ in 0..6 {
        let (_, _, page) = sign_in(&app, "ada", PASSWORD).await;
        let (status, _, _) = enter(&app, &pending_of(&page), "123456").await;
        last = status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    // Not enrolled yet, each sign-in offers its own key.
    let (_, _, page) = sign_in(&app, "ada", PASSWORD).await;
    let right = code(&app, &key_of(&page).unwrap(), 0);
    let (status, cookie, _) = enter(&app, &pending_of(&page), &right).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "checked no more until the window ends");
    assert!(cookie.is_none());
    app.clock.advance(SignedDuration::from_mins(16));
    let (_, _, page) = sign_in(&app, "ada", PASSWORD).await;
    let right = code(&app, &key_of(&page).unwrap(), 0);
    let (status, cookie, page) = enter(&app, &pending_of(&page), &right).await;
    assert_eq!(status, StatusCode::OK, "{page:.300}");
    assert!(cookie.is_some());
}

async fn malformed_and_stale_code_forms_open_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let (key, pending) = first_sign_in(&app).await;
    let right = code(&app, &key, 0);
    app.site("other").await;
    let before = app.snapshot().await;
    let cases: Vec<(String, StatusCode)> = vec![
        // No code field, no pending field, not a form.
        (format!("pending={pending}"), StatusCode::BAD_REQUEST),
        (format!("code={right}"), StatusCode::BAD_REQUEST),
        ("%%%".into(), StatusCode::BAD_REQUEST),
        // A pending sign-in that does not exist, or is far too long.
        (format!("pending=roster_pending_00&code={right}"), StatusCode::FORBIDDEN),
        (format!("pending={}&code={right}", "a".repeat(5000)), StatusCode::FORBIDDEN),
        (format!("pending=&code={right}"), StatusCode::FORBIDDEN),
        // The right pending sign-in and code without the page's token: a
        // form posted from another site (login CSRF) signs no one in.
        (format!("pending={pending}&code={right}"), StatusCode::FORBIDDEN),
        (format!("pending={pending}&code={right}&form={}", pending.form), StatusCode::FORBIDDEN),
    ];
    for (body, expected) in cases {
        let response = app
            .client
            .post(format!("{}/login/acme/code", app.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), expected, "{body:.80}");
        assert!(response.headers().get(SET_COOKIE).is_none(), "{body:.80}");
    }
    // The pending sign-in of another site is not this site's.
    let response = app
        .client
        .post(format!("{}/login/other/code", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("roster_sign_in_form={}", pending.form))
        .body(
            serde_urlencoded::to_string([
                ("pending", &pending.pending),
                ("code", &right),
                ("form", &pending.form),
            ])
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.snapshot().await, before, "nothing changed");

    // A pending sign-in expires after ten minutes.
    app.clock.advance(SignedDuration::from_mins(11));
    let (status, cookie, page) = enter(&app, &pending, &code(&app, &key, 0)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(cookie.is_none());
}

async fn an_administrator_resets_a_lost_authenticator(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let id =
        with_password(&app, json!({ "username": "ada", "two_factor": "always" }), PASSWORD).await;
    let (_, _, page) = sign_in(&app, "ada", PASSWORD).await;
    let old_key = key_of(&page).unwrap();
    let (status, _, _) = enter(&app, &pending_of(&page), &code(&app, &old_key, 0)).await;
    assert_eq!(status, StatusCode::OK);
    // A sign-in waiting for a code from the lost phone ends with the reset.
    let (_, _, page) = sign_in(&app, "ada", PASSWORD).await;
    let waiting = pending_of(&page);

    let path = format!("/api/admin/sites/acme/users/{id}/two-factor");
    let reset = app.delete(&path).await;
    assert_eq!(reset.status, StatusCode::OK, "{reset:?}");
    assert_eq!(reset.body["enrolled"], false);
    app.clock.advance(SignedDuration::from_secs(30));
    let (status, _, _) = enter(&app, &waiting, &code(&app, &old_key, 0)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (_, _, page) = sign_in(&app, "ada", PASSWORD).await;
    let new_key = key_of(&page).expect("a new authenticator to set up");
    assert_ne!(new_key, old_key);
    let (status, cookie, _) = enter(&app, &pending_of(&page), &code(&app, &new_key, 0)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(cookie.is_some());

    // Unknown users and ids that cannot be ours are not found.
    for bad in ["nope", "..%2F..", &"x".repeat(300)] {
        let reply = app.delete(&format!("/api/admin/sites/acme/users/{bad}/two-factor")).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{bad:.20}: {reply:?}");
    }
}

/// A SAML sign-in through a provider whose option asks for 2FA: the user
/// created just in time enrols before the session opens, which keeps the
/// provider for single logout.
async fn a_saml_sign_in_asks_for_the_second_factor_too(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let provider = provider(&app, &idp, "okta", json!({ "two_factor": "always" })).await;
    let request = start(&app, &idp, &provider).await;
    let spec = answer(&request, &app, "ada");
    let acs = request["assertion_consumer_service_url"].as_str().unwrap().to_owned();
    let (status, cookie, page) = post(&acs, &idp.response(&spec)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(cookie.is_none(), "no session before the second factor");
    let key = key_of(&page).expect("an authenticator to set up");
    let (status, cookie, page) = enter(&app, &pending_of(&page), &code(&app, &key, 0)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (status, who) = me(&app, cookie.as_deref()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(who["username"], "ada");
    assert_eq!(who["provider"], "Okta", "{who}");
}

/// `roster user two-factor` shows the state and, with `--reset`, removes
/// the authenticator.
async fn the_cli_shows_and_resets_a_second_factor(backend: Backend) {
    use crate::cli::{assert_fails, run, run_json};
    let app = spawn_app(backend).await;
    app.site("acme").await;
    with_password(&app, json!({ "username": "Ada", "two_factor": "always" }), PASSWORD).await;
    let (_, _, page) = sign_in(&app, "ada", PASSWORD).await;
    let key = key_of(&page).unwrap();
    let (status, _, _) = enter(&app, &pending_of(&page), &code(&app, &key, 0)).await;
    assert_eq!(status, StatusCode::OK);

    let db = &app._database;
    let shown = run_json(db, &["user", "two-factor", "--site", "acme", "--user", "ADA"]);
    assert_eq!(shown["required"], true, "{shown}");
    assert_eq!(shown["enrolled"], true, "{shown}");
    let reset = run_json(db, &["user", "two-factor", "--site", "acme", "--user", "ada", "--reset"]);
    assert_eq!(reset["enrolled"], false, "{reset}");
    let (_, _, page) = sign_in(&app, "ada", PASSWORD).await;
    assert!(key_of(&page).is_some(), "the next sign-in sets up a new authenticator");
    let missing = run(db, &["user", "two-factor", "--site", "acme", "--user", "nobody", "--reset"]);
    assert_fails(&missing, &["user not found"]);
}

crate::on_both_databases!(
    the_cli_shows_and_resets_a_second_factor,
    a_password_user_enrols_then_signs_in_with_codes,
    the_site_policy_decides_for_users_who_defer_to_it,
    guessing_ends_the_sign_in_and_then_throttles_the_user,
    malformed_and_stale_code_forms_open_nothing,
    an_administrator_resets_a_lost_authenticator,
    a_saml_sign_in_asks_for_the_second_factor_too,
);
