//! SAML sign-in end to end with a real identity provider (pysaml2 signing
//! through xmlsec1, `saml_idp.rs`): SP- and IdP-initiated sign-ins, just-in
//! -time creation, sessions and `GET /api/me`, and the refusals that store
//! nothing: replays, attacks, responses to requests never made, accounts of
//! another sign-in method.

use jiff::SignedDuration;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::saml_idp::{ResponseSpec, SamlIdp};

/// A site `acme` with a provider of `kind` trusting the IdP by its
/// metadata; returns the provider's id.
pub(crate) async fn provider(app: &TestApp, idp: &SamlIdp, kind: &str, options: Value) -> String {
    app.site("acme").await;
    let created = app
        .post(
            "/api/admin/sites/acme/providers",
            json!({
                "kind": kind,
                "name": "Okta",
                "saml": { "trust": "metadata_xml", "metadata_xml": idp.metadata() },
                "provisioning": options,
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    created.body["id"].as_str().unwrap().to_owned()
}

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Starts an SP-initiated sign-in; returns the AuthnRequest as the IdP
/// reads it.
pub(crate) async fn start(app: &TestApp, idp: &SamlIdp, provider: &str) -> Value {
    let started =
        client().get(format!("{}/saml/login/{provider}", app.address)).send().await.unwrap();
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let location = started.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with(&idp.sso_url), "{location}");
    idp.parse_authn_request(&location, None)
}

/// What the SP asked for, as a response spec answering it.
pub(crate) fn answer(request: &Value, app: &TestApp, name_id: &str) -> ResponseSpec {
    ResponseSpec {
        sp_entity_id: format!("{}/saml/metadata", app.address),
        acs_url: request["assertion_consumer_service_url"].as_str().unwrap().to_owned(),
        name_id: name_id.to_owned(),
        in_response_to: Some(request["id"].as_str().unwrap().to_owned()),
        session_index: Some("_session1".into()),
        ..ResponseSpec::default()
    }
}

/// Posts a response to the ACS; returns the status, the session cookie
/// and the page.
pub(crate) async fn post(acs: &str, response: &str) -> (StatusCode, Option<String>, String) {
    post_relay(acs, response, Some("acme")).await
}

/// Posts a response with the relay state given (or none).
pub(crate) async fn post_relay(
    acs: &str,
    response: &str,
    relay_state: Option<&str>,
) -> (StatusCode, Option<String>, String) {
    let mut form = vec![("SAMLResponse", response)];
    form.extend(relay_state.map(|relay| ("RelayState", relay)));
    let answered = client()
        .post(acs)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(form).unwrap())
        .send()
        .await
        .unwrap();
    let status = answered.status();
    // The session cookie only: a code page also sets its form's cookie.
    let cookie = answered
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().split(';').next().unwrap().to_owned())
        .find(|cookie| cookie.starts_with("roster_session="));
    (status, cookie, answered.text().await.unwrap())
}

pub(crate) async fn me(app: &TestApp, cookie: Option<&str>) -> (StatusCode, Value) {
    let mut request = client().get(format!("{}/api/me", app.address));
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn sp_initiated_sign_in_creates_the_user_and_a_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let provider = provider(&app, &idp, "okta", json!({})).await;
    let request = start(&app, &idp, &provider).await;
    assert_eq!(request["issuer"], format!("{}/saml/metadata", app.address));
    assert_eq!(request["relay_state"], "acme");
    let acs = request["assertion_consumer_service_url"].as_str().unwrap().to_owned();
    assert_eq!(acs, format!("{}/saml/consume/{provider}", app.address));

    let response = idp.response(&answer(&request, &app, "alice@example.com"));
    let (status, cookie, page) = post(&acs, &response).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let cookie = cookie.expect("a session cookie");
    let (status, who) = me(&app, Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{who}");
    assert_eq!(
        who,
        json!({ "username": "alice@example.com", "email": "alice@example.com", "site": "acme", "provider": "Okta" })
    );
    let users = app.get("/api/admin/sites/acme/users").await;
    let alice = &users.body["items"][0];
    assert_eq!(alice["username"], "alice@example.com");
    assert_eq!(alice["provisioned_by"], "jit", "{alice}");
    assert_eq!(alice["sso_provider_id"], provider.as_str(), "{alice}");
    assert!(alice["last_login_at"].is_string(), "{alice}");

    // The same response again is a replay: refused, nothing changes.
    let before = app.snapshot().await;
    let (status, cookie_again, page) = post(&acs, &response).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(cookie_again.is_none());
    assert_eq!(app.snapshot().await, before);

    // Signing out ends the session, and goes on to the IdP's logout
    // (saml_logout.rs checks that LogoutRequest).
    let signed_out = client()
        .post(format!("{}/saml/logout", app.address))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), StatusCode::SEE_OTHER);
    assert!(signed_out.headers()[LOCATION].to_str().unwrap().starts_with(&idp.slo_url));
    assert_eq!(me(&app, Some(&cookie)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, None).await.0, StatusCode::UNAUTHORIZED);
}

async fn hostile_and_misdirected_responses_store_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let provider = provider(&app, &idp, "saml", json!({})).await;
    // A password user named like the IdP's subject is never taken over.
    app.user("acme", json!({ "username": "bob@example.com" })).await;
    let request = start(&app, &idp, &provider).await;
    let acs = request["assertion_consumer_service_url"].as_str().unwrap().to_owned();
    let before = app.snapshot().await;

    let mut refused = Vec::new();
    for kind in [
        "wrap-assertion-before",
        "wrap-in-advice",
        "comment-in-nameid",
        "altered-byte",
        "stripped-signature",
        "sha1",
        "doctype",
    ] {
        refused.push((
            kind.to_owned(),
            idp.attack(kind, &answer(&request, &app, "alice@example.com")),
        ));
    }
    let other_idp = SamlIdp::with_entity_id(&idp.entity_id);
    refused.push((
        "another IdP's key".into(),
        other_idp.response(&answer(&request, &app, "alice@example.com")),
    ));
    let mut unknown = answer(&request, &app, "alice@example.com");
    unknown.in_response_to = Some("_never_sent".into());
    refused.push(("a request never sent".into(), idp.response(&unknown)));
    let mut unsolicited = answer(&request, &app, "alice@example.com");
    unsolicited.in_response_to = None;
    refused.push(("IdP-initiated on a generic provider".into(), idp.response(&unsolicited)));
    let mut audience = answer(&request, &app, "alice@example.com");
    audience.sp_entity_id = "https://other-sp.example.test/".into();
    refused.push(("another audience".into(), idp.response(&audience)));
    let mut expired = answer(&request, &app, "alice@example.com");
    expired.not_before_offset = -900;
    expired.not_on_or_after_offset = -600;
    refused.push(("expired".into(), idp.response(&expired)));
    refused
        .push(("a password user".into(), idp.response(&answer(&request, &app, "bob@example.com"))));
    for (what, response) in refused {
        let (status, cookie, page) = post(&acs, &response).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}: {page}");
        assert!(cookie.is_none(), "{what}");
        assert_eq!(app.snapshot().await, before, "{what} changed the data");
    }
    // The outstanding request survived every refusal and still works.
    let (status, cookie, page) =
        post(&acs, &idp.response(&answer(&request, &app, "alice@example.com"))).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(cookie.is_some());
}

async fn idp_initiated_sign_in_is_allowed_for_named_products(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let provider = provider(&app, &idp, "okta", json!({})).await;
    app.user("acme", json!({ "username": "carol@example.com", "auth_method": "sso", "sso_provider_id": provider })).await;
    let spec = ResponseSpec {
        sp_entity_id: format!("{}/saml/metadata", app.address),
        acs_url: format!("{}/saml/consume/{provider}", app.address),
        name_id: "carol@example.com".into(),
        ..ResponseSpec::default()
    };
    let response = idp.response(&spec);
    let (status, cookie, page) = post(&spec.acs_url, &response).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (_, who) = me(&app, cookie.as_deref()).await;
    assert_eq!(who["username"], "carol@example.com");

    // No request to answer: only the replay cache stops a second use, even
    // at the end of the skew the validity window allows.
    app.clock.advance(SignedDuration::from_secs(300 + 30));
    let (status, cookie, page) = post(&spec.acs_url, &response).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains("already used"), "{page}");
    assert!(cookie.is_none());

    // With JIT off, an unknown subject is refused.
    app.patch(
        &format!("/api/admin/sites/acme/providers/{provider}"),
        json!({ "provisioning": { "provision_users_on_first_login": false } }),
    )
    .await;
    let before = app.snapshot().await;
    let stranger = ResponseSpec { name_id: "dave@example.com".into(), ..spec.clone() };
    let (status, _, page) = post(&spec.acs_url, &idp.response(&stranger)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains("not provisioned"), "{page}");
    assert_eq!(app.snapshot().await, before);
}

async fn the_shared_acs_finds_the_provider_by_its_request(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let provider = provider(&app, &idp, "okta", json!({})).await;
    let metadata = client().get(format!("{}/saml/metadata", app.address)).send().await.unwrap();
    assert_eq!(metadata.status(), StatusCode::OK);
    let metadata = metadata.text().await.unwrap();
    let shared = format!("{}/saml/consume", app.address);
    assert!(
        metadata.contains(&format!("entityID=\"{}/saml/metadata\"", app.address)),
        "{metadata}"
    );
    assert!(metadata.contains(&format!("Location=\"{shared}\"")), "{metadata}");

    let request = start(&app, &idp, &provider).await;
    let spec =
        ResponseSpec { acs_url: shared.clone(), ..answer(&request, &app, "erin@example.com") };
    let (status, cookie, page) = post(&shared, &idp.response(&spec)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(me(&app, cookie.as_deref()).await.1["username"], "erin@example.com");

    // A sign-in the IdP started names no request: the site its relay
    // state names and the response's Issuer find the provider.
    let unsolicited = ResponseSpec { in_response_to: None, ..spec };
    let (status, cookie, page) = post(&shared, &idp.response(&unsolicited)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(me(&app, cookie.as_deref()).await.1["username"], "erin@example.com");
    let (status, _, page) =
        post_relay(&shared, &idp.response(&unsolicited), Some("not a site")).await;
    assert_eq!(status, StatusCode::OK, "the one provider trusting it: {page}");

    // An Issuer nobody trusts, or one a second site trusts too without a
    // site named, is refused and stores nothing.
    let stranger = SamlIdp::with_entity_id("https://other.example.test/metadata");
    let before = app.snapshot().await;
    let (status, _, page) = post(&shared, &stranger.response(&unsolicited)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains("Default Relay State"), "{page}");
    assert_eq!(app.snapshot().await, before);
    app.site("beta").await;
    let second = app
        .post(
            "/api/admin/sites/beta/providers",
            json!({ "kind": "okta", "name": "Okta",
                    "saml": { "trust": "metadata_xml", "metadata_xml": idp.metadata() } }),
        )
        .await;
    assert_eq!(second.status, StatusCode::CREATED, "{second:?}");
    let before = app.snapshot().await;
    let (status, _, page) = post_relay(&shared, &idp.response(&unsolicited), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains("more than one identity provider"), "{page}");
    assert_eq!(app.snapshot().await, before);
    let (status, cookie, page) =
        post_relay(&shared, &idp.response(&unsolicited), Some("beta")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(me(&app, cookie.as_deref()).await.1["site"], "beta");

    // An answer to a request roster does not have is refused.
    let before = app.snapshot().await;
    let stale = ResponseSpec { in_response_to: Some("_gone".into()), ..unsolicited };
    let (status, _, page) = post(&shared, &idp.response(&stale)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains("may have expired"), "{page}");
    assert_eq!(app.snapshot().await, before);
}

async fn sign_in_settings_follow_the_kind_until_set(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let path = "/api/admin/sites/acme/providers";
    let okta = app.post(path, json!({ "kind": "okta", "name": "Okta" })).await;
    let presets = json!({ "email": null, "first_name": null, "last_name": null, "groups": null });
    let defaults = json!({
        "idp_initiated": true,
        "idp_initiated_default": true,
        "name_id": "username",
        "allow_sha1": false,
        "sign_requests": null,
        "attributes": presets,
    });
    assert_eq!(okta.body["sign_in"], defaults);
    let saml = app
        .post(path, json!({ "kind": "saml", "name": "Custom", "sign_in": { "name_id": "email" } }))
        .await;
    assert_eq!(saml.status, StatusCode::CREATED, "{saml:?}");
    assert_eq!(saml.body["sign_in"]["idp_initiated"], false);
    assert_eq!(saml.body["sign_in"]["name_id"], "email");
    let saml_path = format!("{path}/{}", saml.body["id"].as_str().unwrap());
    let set = app
        .patch(&saml_path, json!({ "sign_in": { "idp_initiated": true, "allow_sha1": true } }))
        .await;
    assert_eq!(
        set.body["sign_in"],
        json!({
            "idp_initiated": true,
            "idp_initiated_default": false,
            "name_id": "email",
            "allow_sha1": true,
            "sign_requests": null,
            "attributes": presets,
        })
    );
    let reset = app.patch(&saml_path, json!({ "sign_in": { "idp_initiated": null } })).await;
    assert_eq!(reset.body["sign_in"]["idp_initiated"], false);
    assert_eq!(reset.body["sign_in"]["idp_initiated_default"], true);

    let before = app.snapshot().await;
    for (body, field) in [
        (json!({ "sign_in": { "name_id": "upn" } }), "sign_in.name_id"),
        (json!({ "sign_in": { "allow_sha1": null } }), "sign_in.allow_sha1"),
        (json!({ "sign_in": { "encrypt": true } }), "sign_in.encrypt"),
        (json!({ "sign_in": { "attributes": { "email": "" } } }), "sign_in.attributes.email"),
        (json!({ "sign_in": { "attributes": { "phone": "x" } } }), "sign_in.attributes.phone"),
        (json!({ "sign_in": { "attributes": null } }), "sign_in.attributes"),
    ] {
        let refused = app.patch(&saml_path, body.clone()).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}: {refused:?}");
        assert_eq!(refused.body["field"], field, "{body}: {refused:?}");
    }
    assert_eq!(app.snapshot().await, before);
}

async fn a_generic_provider_set_up_for_idp_initiated_sign_in_by_email(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let provider = provider(&app, &idp, "saml", json!({})).await;
    let path = format!("/api/admin/sites/acme/providers/{provider}");
    let frank = app.user("acme", json!({ "username": "frank", "email": "Frank@Example.com", "auth_method": "sso", "sso_provider_id": provider })).await;
    let spec = ResponseSpec {
        sp_entity_id: format!("{}/saml/metadata", app.address),
        acs_url: format!("{}/saml/consume/{provider}", app.address),
        name_id: "frank@example.com".into(),
        ..ResponseSpec::default()
    };
    // Off for a generic provider until an administrator turns it on.
    let (status, _, page) = post(&spec.acs_url, &idp.response(&spec)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    let set =
        app.patch(&path, json!({ "sign_in": { "idp_initiated": true, "name_id": "email" } })).await;
    assert_eq!(set.status, StatusCode::OK, "{set:?}");
    let (status, cookie, page) = post(&spec.acs_url, &idp.response(&spec)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (_, who) = me(&app, cookie.as_deref()).await;
    assert_eq!(who["username"], "frank", "the e-mail named the user: {who}");
    let users = app.get("/api/admin/sites/acme/users").await;
    assert_eq!(users.body["total"], 1, "nobody created: {users:?}");
    assert_eq!(users.body["items"][0]["id"], frank.as_str());
}

async fn a_site_sign_in_page_offers_its_providers(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let provider = provider(&app, &idp, "okta", json!({})).await;
    app.post("/api/admin/sites/acme/providers", json!({ "kind": "saml", "name": "Not set up" }))
        .await;
    app.post("/api/admin/sites/acme/providers", json!({ "kind": "oidc", "name": "OpenID" })).await;
    app.post(
        "/api/admin/sites/acme/providers",
        json!({ "kind": "saml", "name": "<b>Evil</b>", "saml": { "trust": "metadata_xml", "metadata_xml": idp.metadata() } }),
    )
    .await;
    let page = client().get(format!("{}/login/acme", app.address)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(
        page.contains(&format!("href=\"/saml/login/{provider}\">Sign in with Okta</a>")),
        "{page}"
    );
    assert!(page.contains("Sign in with &lt;b&gt;Evil&lt;/b&gt;"), "{page}");
    assert!(!page.contains("Not set up") && !page.contains("OpenID"), "{page}");
    let missing = client().get(format!("{}/login/nowhere", app.address)).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

crate::on_both_databases!(
    sp_initiated_sign_in_creates_the_user_and_a_session,
    hostile_and_misdirected_responses_store_nothing,
    idp_initiated_sign_in_is_allowed_for_named_products,
    the_shared_acs_finds_the_provider_by_its_request,
    sign_in_settings_follow_the_kind_until_set,
    a_generic_provider_set_up_for_idp_initiated_sign_in_by_email,
    a_site_sign_in_page_offers_its_providers,
);
