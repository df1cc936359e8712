//! The sessions SAML sign-ins open (SPEC §5, issue 15), with the real IdP:
//! the cookie's attributes (Secure and `__Host-` when the public URL is https), the
//! session's lifetime, and its end when the user is disabled or deleted,
//! moves to another sign-in method, or signs out.

use jiff::SignedDuration;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use roster_app::Clock;
use serde_json::json;

use crate::helpers::{Backend, Scim, TestApp, patch_op, scim_user, spawn_app, spawn_app_at};
use crate::saml_idp::{ResponseSpec, SamlIdp};
use crate::saml_signin::{client, me, provider, start};

/// A session's lifetime (and its cookie's Max-Age): eight hours.
const LIFETIME_SECONDS: i64 = 8 * 3600;

/// An SP-initiated sign-in of `name_id` answered at the ACS roster asked
/// for (`public` is the public URL it names, which the test reaches at
/// its plain address): the session cookie (`name=value`) and the whole
/// `Set-Cookie` header that carried it.
async fn signed_in(
    app: &TestApp,
    idp: &SamlIdp,
    provider: &str,
    public: &str,
    name_id: &str,
) -> (String, String) {
    let request = start(app, idp, provider).await;
    let acs = format!("{public}/saml/consume/{provider}");
    assert_eq!(request["assertion_consumer_service_url"], acs.as_str());
    let spec = ResponseSpec {
        sp_entity_id: format!("{public}/saml/metadata"),
        acs_url: acs,
        name_id: name_id.to_owned(),
        in_response_to: Some(request["id"].as_str().unwrap().to_owned()),
        session_index: Some("_session1".into()),
        // Signed at the server's time, which a test may have moved.
        now: Some(app.clock.now().round(jiff::Unit::Second).unwrap().to_string()),
        ..ResponseSpec::default()
    };
    let answered = client()
        .post(format!("{}/saml/consume/{provider}", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string([("SAMLResponse", idp.response(&spec))]).unwrap())
        .send()
        .await
        .unwrap();
    let status = answered.status();
    let set_cookie: Vec<String> = answered
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect();
    let page = answered.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(set_cookie.len(), 1, "{set_cookie:?}");
    let header = set_cookie.into_iter().next().unwrap();
    // Over https the cookie carries the `__Host-` prefix.
    let name =
        if public.starts_with("https://") { "__Host-roster_session" } else { "roster_session" };
    assert!(header.starts_with(&format!("{name}=roster_session_")), "{header}");
    (header.split(';').next().unwrap().to_owned(), header)
}

/// The attributes of a `Set-Cookie` header after its `name=value`.
fn attributes(header: &str) -> Vec<&str> {
    header.split(';').skip(1).map(str::trim).collect()
}

async fn the_cookie_is_secure_when_roster_is_reached_over_https(backend: Backend) {
    let public = "https://roster.example.test";
    let app = spawn_app_at(backend, public).await;
    let idp = SamlIdp::new();
    let provider = provider(&app, &idp, "okta", json!({})).await;
    let (cookie, header) = signed_in(&app, &idp, &provider, public, "ada").await;
    let max_age = format!("Max-Age={LIFETIME_SECONDS}");
    assert_eq!(
        attributes(&header),
        ["Path=/", "HttpOnly", "SameSite=Lax", max_age.as_str(), "Secure"],
        "{header}"
    );
    let (status, who) = me(&app, Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{who}");
    assert_eq!(who["username"], "ada");
    // The same secret under the plain name (as a sibling subdomain could
    // set it) is no session over https.
    let plain = cookie.strip_prefix("__Host-").unwrap();
    assert_eq!(me(&app, Some(plain)).await.0, StatusCode::UNAUTHORIZED);

    // Over plain http, the same cookie without Secure (a browser would
    // drop a Secure cookie set over http).
    let app = spawn_app(backend).await;
    let provider = crate::saml_signin::provider(&app, &idp, "okta", json!({})).await;
    let (_, header) = signed_in(&app, &idp, &provider, &app.address, "ada").await;
    assert_eq!(
        attributes(&header),
        ["Path=/", "HttpOnly", "SameSite=Lax", max_age.as_str()],
        "{header}"
    );
}

async fn a_session_ends_when_its_lifetime_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let provider = provider(&app, &idp, "okta", json!({})).await;
    let (cookie, _) = signed_in(&app, &idp, &provider, &app.address, "ada").await;
    app.clock.advance(SignedDuration::from_secs(LIFETIME_SECONDS - 60));
    assert_eq!(me(&app, Some(&cookie)).await.0, StatusCode::OK, "a minute left");
    app.clock.advance(SignedDuration::from_secs(61));
    let (status, body) = me(&app, Some(&cookie)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body, json!({ "error": "unauthorized", "message": "sign in first" }));
    // A new sign-in opens a new session.
    let (again, _) = signed_in(&app, &idp, &provider, &app.address, "ada").await;
    assert_ne!(again, cookie);
    assert_eq!(me(&app, Some(&again)).await.0, StatusCode::OK);
    assert_eq!(me(&app, Some(&cookie)).await.0, StatusCode::UNAUTHORIZED);
}

async fn disabling_or_deleting_the_user_ends_the_session_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let provider = provider(&app, &idp, "okta", json!({})).await;
    let (ada, _) = signed_in(&app, &idp, &provider, &app.address, "ada").await;
    let (bob, _) = signed_in(&app, &idp, &provider, &app.address, "bob").await;
    let users = app.get("/api/admin/sites/acme/users?limit=10").await;
    let id_of = |name: &str| {
        let items = users.body["items"].as_array().unwrap();
        let user = items.iter().find(|user| user["username"] == name).unwrap();
        format!("/api/admin/sites/acme/users/{}", user["id"].as_str().unwrap())
    };

    let disabled = app.patch(&id_of("ada"), json!({ "enabled": false })).await;
    assert_eq!(disabled.status, StatusCode::OK, "{disabled:?}");
    assert_eq!(me(&app, Some(&ada)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, Some(&bob)).await.0, StatusCode::OK, "only ada's session ends");
    // Enabled again, ada signs in anew: the session that ended stays
    // ended (one stolen before the account was disabled is not revived).
    let enabled = app.patch(&id_of("ada"), json!({ "enabled": true })).await;
    assert_eq!(enabled.status, StatusCode::OK, "{enabled:?}");
    assert_eq!(me(&app, Some(&ada)).await.0, StatusCode::UNAUTHORIZED);
    let (ada_again, _) = signed_in(&app, &idp, &provider, &app.address, "ada").await;
    assert_eq!(me(&app, Some(&ada_again)).await.0, StatusCode::OK);

    let deleted = app.delete(&id_of("bob")).await;
    assert!(deleted.status.is_success(), "{deleted:?}");
    assert_eq!(me(&app, Some(&bob)).await.0, StatusCode::UNAUTHORIZED);
    // A user of the same name created later is someone else: the old
    // session does not name them.
    app.user(
        "acme",
        json!({ "username": "bob", "auth_method": "sso", "sso_provider_id": provider }),
    )
    .await;
    assert_eq!(me(&app, Some(&bob)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, Some(&ada_again)).await.0, StatusCode::OK);
}

/// A session through a provider ends when its user is moved to a password
/// (or another provider), and moving the user back does not revive it; a
/// change of anything else leaves sessions open.
async fn moving_the_user_to_a_password_and_back_ends_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let provider = provider(&app, &idp, "okta", json!({})).await;
    let (ada, _) = signed_in(&app, &idp, &provider, &app.address, "ada").await;
    let (bob, _) = signed_in(&app, &idp, &provider, &app.address, "bob").await;
    let ada_path = format!(
        "/api/admin/sites/acme/users/{}",
        app.user_named("acme", "ada").await["id"].as_str().unwrap()
    );
    let bob_path = format!(
        "/api/admin/sites/acme/users/{}",
        app.user_named("acme", "bob").await["id"].as_str().unwrap()
    );

    let renamed = app.patch(&bob_path, json!({ "full_name": "Bob Builder" })).await;
    assert_eq!(renamed.status, StatusCode::OK, "{renamed:?}");
    assert_eq!(me(&app, Some(&bob)).await.0, StatusCode::OK, "another change keeps the session");

    let moved = app.patch(&ada_path, json!({ "auth_method": "password" })).await;
    assert_eq!(moved.status, StatusCode::OK, "{moved:?}");
    assert_eq!(me(&app, Some(&ada)).await.0, StatusCode::UNAUTHORIZED);
    let back =
        app.patch(&ada_path, json!({ "auth_method": "sso", "sso_provider_id": provider })).await;
    assert_eq!(back.status, StatusCode::OK, "{back:?}");
    assert_eq!(back.body["sso_provider_id"], provider.as_str(), "{back:?}");
    assert_eq!(me(&app, Some(&ada)).await.0, StatusCode::UNAUTHORIZED, "not revived");
    assert_eq!(me(&app, Some(&bob)).await.0, StatusCode::OK, "only ada's sessions end");
    let (ada_again, _) = signed_in(&app, &idp, &provider, &app.address, "ada").await;
    assert_eq!(me(&app, Some(&ada_again)).await.0, StatusCode::OK);
}

/// The identity provider's SCIM client deactivating the user ends the
/// session too, and reactivating does not bring it back.
async fn a_scim_deactivation_ends_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let provider = provider(&app, &idp, "okta", json!({ "deprovision_users": true })).await;
    let credential = app
        .post(
            &format!("/api/admin/sites/acme/providers/{provider}/scim"),
            json!({ "auth": "token" }),
        )
        .await;
    assert_eq!(credential.status, StatusCode::OK, "{credential:?}");
    let token = credential.body["token"].as_str().unwrap().to_owned();
    let scim = Scim { app: &app, token, provider_id: provider.clone() };
    let created = scim.post("/Users", scim_user("cy")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let path = format!("/Users/{}", created.body["id"].as_str().unwrap());
    let (cy, _) = signed_in(&app, &idp, &provider, &app.address, "cy").await;
    assert_eq!(me(&app, Some(&cy)).await.0, StatusCode::OK);

    for active in [false, true] {
        let set = scim.patch(
            &path,
            patch_op(json!([{ "op": "replace", "path": "active", "value": active }])),
        );
        let set = set.await;
        assert_eq!(set.status, StatusCode::OK, "{set:?}");
        assert_eq!(me(&app, Some(&cy)).await.0, StatusCode::UNAUTHORIZED, "active: {active}");
    }
    let (again, _) = signed_in(&app, &idp, &provider, &app.address, "cy").await;
    assert_eq!(me(&app, Some(&again)).await.0, StatusCode::OK);
}

async fn signing_out_revokes_only_that_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let provider = provider(&app, &idp, "okta", json!({})).await;
    let (laptop, _) = signed_in(&app, &idp, &provider, &app.address, "ada").await;
    let (phone, _) = signed_in(&app, &idp, &provider, &app.address, "ada").await;

    let signed_out = client()
        .post(format!("{}/saml/logout", app.address))
        .header(COOKIE, &laptop)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), StatusCode::SEE_OTHER);
    assert!(signed_out.headers()[LOCATION].to_str().unwrap().starts_with(&idp.slo_url));
    let cleared = signed_out.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cleared.starts_with("roster_session=;"), "{cleared}");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(me(&app, Some(&laptop)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, Some(&phone)).await.0, StatusCode::OK, "the other session lasts");

    // Signing out again is no error, changes nothing, and does not send
    // the browser to the IdP a second time.
    let before = app.snapshot().await;
    let again = client()
        .post(format!("{}/saml/logout", app.address))
        .header(COOKIE, &laptop)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert!(again.text().await.unwrap().contains("Signed out"));
    assert_eq!(app.snapshot().await, before);

    // Through the provider's own logout URL (its SLO URL's POST) as well.
    let out = client()
        .post(format!("{}/saml/logout/{provider}", app.address))
        .header(COOKIE, &phone)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(me(&app, Some(&phone)).await.0, StatusCode::UNAUTHORIZED);
}

crate::on_both_databases!(
    the_cookie_is_secure_when_roster_is_reached_over_https,
    a_session_ends_when_its_lifetime_does,
    disabling_or_deleting_the_user_ends_the_session_at_once,
    a_scim_deactivation_ends_the_session,
    signing_out_revokes_only_that_session,
    moving_the_user_to_a_password_and_back_ends_the_session,
);
