//! The TOTP second factor after a SAML sign-in (SPEC §5, issue 15), with
//! the real IdP: where the site's policy asks for it, the first SAML
//! sign-in enrols an authenticator and every later one asks for its code;
//! no session (and no recorded login) until the code is right, a wrong or
//! reused code refused.

use jiff::SignedDuration;
use reqwest::StatusCode;
use roster_app::Clock;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::saml_idp::{ResponseSpec, SamlIdp};
use crate::saml_signin::{answer, me, post, provider, start};
use crate::two_factor::{code, enter, key_of, pending_of};

/// An SP-initiated SAML sign-in of `name_id`, signed at the server's time:
/// its status, session cookie and page.
async fn saml_sign_in(
    app: &TestApp,
    idp: &SamlIdp,
    provider: &str,
    name_id: &str,
) -> (StatusCode, Option<String>, String) {
    let request = start(app, idp, provider).await;
    let now = app.clock.now().round(jiff::Unit::Second).unwrap();
    let spec = ResponseSpec { now: Some(now.to_string()), ..answer(&request, app, name_id) };
    post(&spec.acs_url, &idp.response(&spec)).await
}

async fn user(app: &TestApp, id: &str) -> Value {
    app.get(&format!("/api/admin/sites/acme/users/{id}")).await.body
}

async fn the_site_policy_asks_saml_users_to_enrol_then_for_codes(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let provider =
        provider(&app, &idp, "okta", json!({ "provision_users_on_first_login": false })).await;
    let set = app.patch("/api/admin/sites/acme", json!({ "two_factor": "always" })).await;
    assert_eq!(set.status, StatusCode::OK, "{set:?}");
    let ada = app
        .user(
            "acme",
            json!({ "username": "ada", "auth_method": "sso", "sso_provider_id": provider }),
        )
        .await;
    let status_path = format!("/api/admin/sites/acme/users/{ada}/two-factor");

    // The assertion alone opens no session: the page offers an
    // authenticator to set up.
    let (status, cookie, page) = saml_sign_in(&app, &idp, &provider, "ada").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(cookie.is_none(), "no session before the second factor");
    assert!(page.contains("otpauth://totp/"), "{page}");
    let key = key_of(&page).expect("an authenticator to set up");
    let pending = pending_of(&page);
    assert_eq!(user(&app, &ada).await["last_login_at"], Value::Null, "not signed in yet");

    let (status, cookie, page) = enter(&app, &pending, "000000").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(cookie.is_none());
    assert!(page.contains("that code is not right"), "{page}");
    assert_eq!(key_of(&page).as_deref(), Some(key.as_str()), "the same key again");
    assert_eq!(app.get(&status_path).await.body["enrolled"], false);

    let enrolled_with = code(&app, &key, 0);
    let (status, cookie, page) = enter(&app, &pending, &enrolled_with).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (status, who) = me(&app, cookie.as_deref()).await;
    assert_eq!(status, StatusCode::OK, "{who}");
    assert_eq!(who["provider"], "Okta", "the session keeps the provider: {who}");
    assert_eq!(app.get(&status_path).await.body["enrolled"], true);
    let first_login = user(&app, &ada).await["last_login_at"].clone();
    assert!(first_login.is_string(), "{first_login}");

    // The second SAML sign-in asks for a code, offers no new key, and
    // opens nothing until the code is right.
    let (status, cookie, page) = saml_sign_in(&app, &idp, &provider, "ada").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(cookie.is_none(), "no session before the code");
    assert!(key_of(&page).is_none(), "no new authenticator: {page}");
    assert!(page.contains("name=\"code\""), "a code field: {page}");
    let pending = pending_of(&page);
    let before = app.snapshot().await;
    let (status, cookie, page) = enter(&app, &pending, "123456").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(cookie.is_none());
    assert!(page.contains("that code is not right"), "{page}");
    // The code enrolment took is refused, in its 30 seconds or the next
    // (RFC 6238 §5.2: a step is accepted once).
    let (status, cookie, _) = enter(&app, &pending, &enrolled_with).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a code is used once");
    assert!(cookie.is_none());
    let after = app.snapshot().await;
    assert_ne!(after, before, "the failures are counted");
    assert_eq!(user(&app, &ada).await["last_login_at"], first_login, "no new login recorded");

    app.clock.advance(SignedDuration::from_secs(30));
    let fresh = code(&app, &key, 0);
    let (status, cookie, page) = enter(&app, &pending, &fresh).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(me(&app, cookie.as_deref()).await.1["username"], "ada");
    assert_ne!(user(&app, &ada).await["last_login_at"], first_login, "the login is recorded");

    // A third sign-in: the code just used, in its own 30 seconds, is
    // refused; the next one works.
    let (_, _, page) = saml_sign_in(&app, &idp, &provider, "ada").await;
    let pending = pending_of(&page);
    let (status, cookie, _) = enter(&app, &pending, &fresh).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a code is used once");
    assert!(cookie.is_none());
    app.clock.advance(SignedDuration::from_secs(30));
    let (status, cookie, page) = enter(&app, &pending, &code(&app, &key, 0)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(cookie.is_some());
}

/// A sign-in waiting for its code ends when the user is disabled
/// meanwhile: the right code opens nothing.
async fn a_user_disabled_while_the_code_is_asked_for_is_not_signed_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let provider = provider(&app, &idp, "okta", json!({ "two_factor": "always" })).await;
    let (_, _, page) = saml_sign_in(&app, &idp, &provider, "ada").await;
    let key = key_of(&page).expect("a JIT user enrols");
    let pending = pending_of(&page);
    let users = app.get("/api/admin/sites/acme/users").await;
    assert_eq!(users.body["items"][0]["two_factor"], "always", "the provider's default");
    let path =
        format!("/api/admin/sites/acme/users/{}", users.body["items"][0]["id"].as_str().unwrap());
    assert_eq!(app.patch(&path, json!({ "enabled": false })).await.status, StatusCode::OK);
    let before = app.snapshot().await;
    let (status, cookie, page) = enter(&app, &pending, &code(&app, &key, 0)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains("this sign-in has ended"), "{page}");
    assert!(cookie.is_none());
    assert_eq!(app.snapshot().await, before);
}

crate::on_both_databases!(
    the_site_policy_asks_saml_users_to_enrol_then_for_codes,
    a_user_disabled_while_the_code_is_asked_for_is_not_signed_in,
);
