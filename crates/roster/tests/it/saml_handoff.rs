//! The hand-off to the application after a SAML sign-in (SPEC §5, issue
//! 15), with the real IdP: SP- and IdP-initiated sign-ins, and one that
//! passed a second factor, send the browser to the site's application URL
//! with a one-time ticket, which the application redeems server to server
//! for who signed in, once and within the minute.

use jiff::SignedDuration;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

use crate::helpers::{Backend, Reply, TestApp, spawn_app};
use crate::saml_idp::{ResponseSpec, SamlIdp};
use crate::saml_signin::{answer, client, me, provider, start};
use crate::two_factor::{Pending, code, key_of, pending_of};

const APPLICATION: &str = "https://app.example.test/after?from=roster";

/// A site whose application URL is [`APPLICATION`] and an Okta provider
/// that maps `Admins` to site admins and provisions memberships.
async fn site_with_application(app: &TestApp, idp: &SamlIdp, options: Value) -> String {
    let provider = provider(app, idp, "okta", options).await;
    let set = app.patch("/api/admin/sites/acme", json!({ "application_url": APPLICATION })).await;
    assert_eq!(set.status, StatusCode::OK, "{set:?}");
    let staff = app.post("/api/admin/sites/acme/groups", json!({ "name": "Staff" })).await;
    assert_eq!(staff.status, StatusCode::CREATED, "{staff:?}");
    provider
}

/// Posts a form to `url` without following the redirect; asserts the
/// browser is sent to the application with a session too, and returns
/// the session cookie and the ticket.
async fn continue_to_application(
    url: &str,
    form: &[(&str, &str)],
    cookie: Option<&str>,
) -> (String, String) {
    let mut request = client()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(form).unwrap());
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    assert_eq!(status, StatusCode::SEE_OTHER, "{:?}", response.text().await);
    // The URL carries a one-time ticket: not cached, not passed on.
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let session = headers[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    assert!(session.starts_with("roster_session=roster_session_"), "{session}");
    let location = headers[LOCATION].to_str().unwrap();
    let prefix = format!("{APPLICATION}&ticket=");
    assert!(location.starts_with(&prefix), "{location}");
    let ticket = location[prefix.len()..].to_owned();
    assert!(ticket.starts_with("roster_ticket_"), "{ticket}");
    (session, ticket)
}

async fn redeem(app: &TestApp, ticket: &str) -> Reply {
    app.post("/api/admin/sites/acme/tickets/redeem", json!({ "ticket": ticket })).await
}

#[track_caller]
fn assert_not_found(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{reply:?}");
    assert_eq!(reply.body["error"], "not_found", "{reply:?}");
}

async fn sp_and_idp_initiated_sign_ins_hand_off_to_the_application(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let options = json!({ "site_admin_groups": "Admins", "provision_group_memberships": true });
    let provider = site_with_application(&app, &idp, options).await;

    // SP-initiated: the user is created just in time and handed off.
    let request = start(&app, &idp, &provider).await;
    let spec = answer(&request, &app, "ada")
        .attribute("email", "ada@example.com")
        .attribute("groups", "Staff")
        .attribute("groups", "Admins");
    let response = idp.response(&spec);
    let form = [("SAMLResponse", response.as_str()), ("RelayState", "acme")];
    let (session, ticket) = continue_to_application(&spec.acs_url, &form, None).await;
    assert_eq!(me(&app, Some(&session)).await.1["username"], "ada");
    let redeemed = redeem(&app, &ticket).await;
    assert_eq!(redeemed.status, StatusCode::OK, "{redeemed:?}");
    let users = app.get("/api/admin/sites/acme/users").await;
    let ada = users.body["items"][0]["id"].as_str().unwrap().to_owned();
    let who = json!({
        "id": ada,
        "username": "ada",
        "email": "ada@example.com",
        "site_admin": true,
        "readonly_site_admin": false,
        "groups": ["Staff"],
    });
    assert_eq!(redeemed.body, who);
    // Once only, and it changes nothing the second time.
    let before = app.snapshot().await;
    assert_not_found(&redeem(&app, &ticket).await);
    assert_eq!(app.snapshot().await, before);

    // IdP-initiated (Okta's dashboard, relay state naming the site): the
    // same hand-off, a new ticket for the same person.
    let unsolicited = ResponseSpec { in_response_to: None, ..spec.clone() };
    let response = idp.response(&unsolicited);
    let form = [("SAMLResponse", response.as_str()), ("RelayState", "acme")];
    let (_, second) = continue_to_application(&unsolicited.acs_url, &form, None).await;
    assert_ne!(second, ticket);
    let redeemed = redeem(&app, &second).await;
    assert_eq!(redeemed.status, StatusCode::OK, "{redeemed:?}");
    assert_eq!(redeemed.body, who);

    // A ticket is good for 60 seconds: redeemed in time (55 s on the
    // test clock, the rest of the minute for the real time the test
    // takes), not after 61. Signed first, so that both are issued at once.
    let first = idp.response(&ResponseSpec { in_response_to: None, ..spec.clone() });
    let second = idp.response(&ResponseSpec { in_response_to: None, ..spec.clone() });
    let acs = &unsolicited.acs_url;
    let (_, in_time) = continue_to_application(acs, &[("SAMLResponse", &first)], None).await;
    let (_, late) = continue_to_application(acs, &[("SAMLResponse", &second)], None).await;
    app.clock.advance(SignedDuration::from_secs(55));
    assert_eq!(redeem(&app, &in_time).await.status, StatusCode::OK);
    app.clock.advance(SignedDuration::from_secs(6));
    assert_not_found(&redeem(&app, &late).await);
    // Made-up and malformed tickets are not found either.
    for bad in ["roster_ticket_nope", "", &"x".repeat(300)] {
        assert_not_found(&redeem(&app, bad).await);
    }
}

/// A ticket of a user disabled before the application redeems it names
/// no one; and the ticket is spent.
async fn a_ticket_of_a_user_disabled_meanwhile_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let provider = site_with_application(&app, &idp, json!({})).await;
    let request = start(&app, &idp, &provider).await;
    let spec = answer(&request, &app, "ada");
    let response = idp.response(&spec);
    let (_, ticket) =
        continue_to_application(&spec.acs_url, &[("SAMLResponse", response.as_str())], None).await;
    let users = app.get("/api/admin/sites/acme/users").await;
    let path =
        format!("/api/admin/sites/acme/users/{}", users.body["items"][0]["id"].as_str().unwrap());
    assert_eq!(app.patch(&path, json!({ "enabled": false })).await.status, StatusCode::OK);
    assert_not_found(&redeem(&app, &ticket).await);
    assert_eq!(app.patch(&path, json!({ "enabled": true })).await.status, StatusCode::OK);
    assert_not_found(&redeem(&app, &ticket).await);
}

/// With a second factor, the hand-off follows the code, not the
/// assertion: no ticket is issued before the code is right.
async fn the_hand_off_waits_for_the_second_factor(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let provider = site_with_application(&app, &idp, json!({ "two_factor": "always" })).await;
    let request = start(&app, &idp, &provider).await;
    let spec = answer(&request, &app, "ada").attribute("email", "ada@example.com");
    let answered = client()
        .post(&spec.acs_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string([("SAMLResponse", idp.response(&spec))]).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), StatusCode::OK, "a code page, not a redirect");
    assert!(answered.headers().get(LOCATION).is_none());
    let page = answered.text().await.unwrap();
    let key = key_of(&page).expect("an authenticator to set up");
    let Pending { pending, form } = pending_of(&page);
    let cookie = format!("roster_sign_in_form={form}");
    let code = code(&app, &key, 0);
    let url = format!("{}/login/acme/code", app.address);
    let fields = [("pending", pending.as_str()), ("code", code.as_str()), ("form", form.as_str())];
    let (session, ticket) = continue_to_application(&url, &fields, Some(&cookie)).await;
    assert_eq!(me(&app, Some(&session)).await.1["username"], "ada");
    let redeemed = redeem(&app, &ticket).await;
    assert_eq!(redeemed.status, StatusCode::OK, "{redeemed:?}");
    assert_eq!(redeemed.body["username"], "ada");
    assert_eq!(redeemed.body["email"], "ada@example.com");
    assert_eq!(redeemed.body["groups"], json!([]));
}

crate::on_both_databases!(
    sp_and_idp_initiated_sign_ins_hand_off_to_the_application,
    a_ticket_of_a_user_disabled_meanwhile_is_refused,
    the_hand_off_waits_for_the_second_factor,
);
