//! Sign-in end to end by each way of trusting an IdP (SPEC §5): its
//! certificate fingerprint with its SSO URL, its metadata URL (served by
//! `metadata_server.rs`) and its uploaded metadata XML; SP-initiated from
//! the site's sign-in page and IdP-initiated at the provider's own ACS,
//! through the real server and the real pysaml2 IdP (`saml_idp.rs`).

use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};

use crate::cli::run_json;
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::metadata_server::{Answer, MetadataServer};
use crate::saml_idp::{ResponseSpec, SamlIdp};
use crate::saml_signin::{answer, client, me, post};

/// What the server answers every response it refuses for what the
/// response says (the reason goes to the log only: SPEC §5, no oracle).
pub(crate) const REFUSED: &str = "response was refused; the reason is in roster";

/// Creates a provider of `kind` named `name` in the site `acme` (which
/// must exist) with this trust and sign-in settings; returns its id.
pub(crate) async fn provider_trusting(
    app: &TestApp,
    kind: &str,
    name: &str,
    saml: Value,
    sign_in: Value,
) -> String {
    let created = app
        .post(
            "/api/admin/sites/acme/providers",
            json!({ "kind": kind, "name": name, "saml": saml, "sign_in": sign_in }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    created.body["id"].as_str().unwrap().to_owned()
}

/// The fingerprint trust of `idp`'s signing certificate, spelled as given.
fn fingerprint_trust(idp: &SamlIdp, fingerprint: &str) -> Value {
    json!({ "trust": "fingerprint", "fingerprint": fingerprint,
            "sso_url": idp.sso_url, "slo_url": idp.slo_url })
}

/// Starts an SP-initiated sign-in as a person does: the site's sign-in
/// page, then its "Sign in with NAME" button; returns the AuthnRequest as
/// the IdP reads it.
pub(crate) async fn start_at_the_button(
    app: &TestApp,
    idp: &SamlIdp,
    provider: &str,
    name: &str,
) -> Value {
    let page = client().get(format!("{}/login/acme", app.address)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    let button = format!("/saml/login/{provider}");
    assert!(page.contains(&format!("href=\"{button}\">Sign in with {name}</a>")), "{page}");
    let started = client().get(format!("{}{button}", app.address)).send().await.unwrap();
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let location = started.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with(&idp.sso_url), "to the trusted SSO URL: {location}");
    let request = idp.parse_authn_request(&location, None);
    assert_eq!(request["relay_state"], "acme", "{request}");
    assert_eq!(
        request["assertion_consumer_service_url"],
        format!("{}/saml/consume/{provider}", app.address)
    );
    request
}

/// The IdP's answer to `request` for `name_id`, timed by the server's
/// clock (which tests move).
pub(crate) fn answering(request: &Value, app: &TestApp, name_id: &str) -> ResponseSpec {
    ResponseSpec { now: Some(now(app)), ..answer(request, app, name_id) }
}

/// A sign-in the IdP starts, at the provider's own ACS.
pub(crate) fn unsolicited(app: &TestApp, provider: &str, name_id: &str) -> ResponseSpec {
    ResponseSpec {
        sp_entity_id: format!("{}/saml/metadata", app.address),
        acs_url: format!("{}/saml/consume/{provider}", app.address),
        name_id: name_id.to_owned(),
        now: Some(now(app)),
        ..ResponseSpec::default()
    }
}

pub(crate) fn now(app: &TestApp) -> String {
    roster_app::Clock::now(&*app.clock).to_string()
}

/// Posts `response` to the ACS `spec` names and checks the person is
/// signed in as `spec.name_id` through the provider `provider_name`.
pub(crate) async fn signs_in(
    app: &TestApp,
    spec: &ResponseSpec,
    response: &str,
    provider_name: &str,
) {
    let (status, cookie, page) = post(&spec.acs_url, response).await;
    assert_eq!(status, StatusCode::OK, "{}: {page}", spec.name_id);
    assert!(page.contains("Signed in"), "{page}");
    let (status, who) = me(app, cookie.as_deref()).await;
    assert_eq!(status, StatusCode::OK, "{who}");
    assert_eq!(
        who,
        json!({ "username": spec.name_id, "email": spec.name_id, "site": "acme", "provider": provider_name })
    );
}

/// Posts a response that must be refused for what it says: a 403 with
/// the refusal page, no session, nothing stored.
pub(crate) async fn refused(app: &TestApp, what: &str, acs: &str, response: &str) {
    refused_saying(app, what, acs, response, REFUSED).await;
}

/// The same, with a page that says `page`.
pub(crate) async fn refused_saying(
    app: &TestApp,
    what: &str,
    acs: &str,
    response: &str,
    page_says: &str,
) {
    let before = app.snapshot().await;
    let (status, cookie, page) = post(acs, response).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{what}: {page}");
    assert!(page.contains(page_says), "{what}: {page}");
    assert!(cookie.is_none(), "{what}: a session cookie");
    assert_eq!(app.snapshot().await, before, "{what} changed the data");
}

async fn fingerprint_trust_signs_in_both_ways(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let idp = SamlIdp::new();
    let trust = fingerprint_trust(&idp, &idp.key().sha256_fingerprint);
    let provider =
        provider_trusting(&app, "saml", "By fingerprint", trust, json!({ "idp_initiated": true }))
            .await;
    let shown = app.get(&format!("/api/admin/sites/acme/providers/{provider}")).await;
    assert_eq!(shown.body["saml"]["trust"], "fingerprint", "{shown:?}");
    assert_eq!(shown.body["saml"]["sso_url"], idp.sso_url.as_str());

    // SP-initiated: the sign-in page's button, the IdP's answer, the ACS.
    let request = start_at_the_button(&app, &idp, &provider, "By fingerprint").await;
    let spec = answering(&request, &app, "ada@example.com");
    signs_in(&app, &spec, &idp.response(&spec), "By fingerprint").await;

    // IdP-initiated, at the provider's own ACS.
    let spec = unsolicited(&app, &provider, "bob@example.com");
    signs_in(&app, &spec, &idp.response(&spec), "By fingerprint").await;

    // Another key is not the one whose fingerprint is trusted, whatever
    // certificate the response carries in its KeyInfo; the request it
    // answered stays outstanding for the real IdP.
    let impostor = SamlIdp::with_entity_id(&idp.entity_id);
    let request = start_at_the_button(&app, &idp, &provider, "By fingerprint").await;
    let spec = answering(&request, &app, "carol@example.com");
    refused(&app, "another key, SP-initiated", &spec.acs_url, &impostor.response(&spec)).await;
    let stranger = unsolicited(&app, &provider, "carol@example.com");
    refused(&app, "another key, IdP-initiated", &stranger.acs_url, &impostor.response(&stranger))
        .await;
    refused(&app, "the other-key attack", &stranger.acs_url, &idp.attack("other-key", &stranger))
        .await;
    signs_in(&app, &spec, &idp.response(&spec), "By fingerprint").await;
    let users = app.get("/api/admin/sites/acme/users").await;
    assert_eq!(users.body["total"], 3, "{users:?}");
}

async fn a_fingerprint_is_trusted_however_it_is_spelled(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let idp = SamlIdp::new();
    let colons = idp.key().sha256_fingerprint.clone();
    let hex = colons.replace(':', "").to_lowercase();
    let provider =
        provider_trusting(&app, "okta", "Okta", fingerprint_trust(&idp, &colons), json!({})).await;
    let path = format!("/api/admin/sites/acme/providers/{provider}");
    let spellings = [
        ("upper case without colons", colons.replace(':', "")),
        ("lower case with colons", colons.to_lowercase()),
        (
            "as `openssl x509 -noout -sha256 -fingerprint` prints it",
            format!("sha256 Fingerprint={colons}"),
        ),
        ("as older OpenSSL prints it, with a newline", format!("SHA256 Fingerprint={colons}\n")),
    ];
    for (index, (how, spelled)) in spellings.iter().enumerate() {
        let set = app.patch(&path, json!({ "saml": fingerprint_trust(&idp, spelled) })).await;
        assert_eq!(set.status, StatusCode::OK, "{how}: {set:?}");
        assert_eq!(set.body["saml"]["fingerprint"], hex.as_str(), "{how}: stored normalized");
        let spec = unsolicited(&app, &provider, &format!("user{index}@example.com"));
        signs_in(&app, &spec, &idp.response(&spec), "Okta").await;
    }

    // One digit off is another certificate's fingerprint.
    let last = hex.chars().last().unwrap();
    let off = format!("{}{}", &hex[..63], if last == '0' { '1' } else { '0' });
    let set = app.patch(&path, json!({ "saml": fingerprint_trust(&idp, &off) })).await;
    assert_eq!(set.status, StatusCode::OK, "{set:?}");
    let spec = unsolicited(&app, &provider, "mallory@example.com");
    refused(&app, "a fingerprint one digit off", &spec.acs_url, &idp.response(&spec)).await;
}

async fn metadata_trust_signs_in_both_ways(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let idp = SamlIdp::new();
    let server = MetadataServer::start().await;
    server.answer("/idp/metadata", Answer::Document(idp.metadata()));
    let idp_initiated = json!({ "idp_initiated": true });
    let by_url = json!({ "trust": "metadata_url", "metadata_url": server.url("/idp/metadata") });
    let by_url = provider_trusting(&app, "saml", "By URL", by_url, idp_initiated.clone()).await;
    let shown = app.get(&format!("/api/admin/sites/acme/providers/{by_url}")).await;
    assert!(shown.body["saml"]["metadata_fetched_at"].is_string(), "fetched when saved: {shown:?}");
    assert_eq!(shown.body["saml"]["metadata_error"], Value::Null, "{shown:?}");
    let by_xml = json!({ "trust": "metadata_xml", "metadata_xml": idp.metadata() });
    let by_xml = provider_trusting(&app, "saml", "By XML", by_xml, idp_initiated).await;

    let impostor = SamlIdp::with_entity_id(&idp.entity_id);
    for (provider, name, prefix) in [(&by_url, "By URL", "url"), (&by_xml, "By XML", "xml")] {
        // SP-initiated: the sign-in page's button, the IdP's answer, the ACS.
        let request = start_at_the_button(&app, &idp, provider, name).await;
        let spec = answering(&request, &app, &format!("{prefix}-sp@example.com"));
        signs_in(&app, &spec, &idp.response(&spec), name).await;
        // IdP-initiated, at the provider's own ACS.
        let spec = unsolicited(&app, provider, &format!("{prefix}-idp@example.com"));
        signs_in(&app, &spec, &idp.response(&spec), name).await;
        // The metadata's certificate is the one trusted, not any key.
        let spec = unsolicited(&app, provider, &format!("{prefix}-impostor@example.com"));
        refused(&app, &format!("{name}: another key"), &spec.acs_url, &impostor.response(&spec))
            .await;
    }
    let users = app.get("/api/admin/sites/acme/users").await;
    assert_eq!(users.body["total"], 4, "{users:?}");
}

/// The server keeps the providers sign-ins went through (with their
/// trust) in memory; a change made by another process, such as the CLI on
/// the same database, is not announced to it, and is seen within five
/// seconds. A change through the server itself applies at once (above).
async fn a_change_by_another_process_is_seen_within_five_seconds(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let idp = SamlIdp::new();
    let trust = fingerprint_trust(&idp, &idp.key().sha256_fingerprint);
    let provider = provider_trusting(&app, "okta", "Okta", trust, json!({})).await;
    let spec = unsolicited(&app, &provider, "ada@example.com");
    signs_in(&app, &spec, &idp.response(&spec), "Okta").await;

    // The CLI makes the provider trust another key.
    let other = SamlIdp::with_entity_id(&idp.entity_id);
    let fingerprint = &other.key().sha256_fingerprint;
    let set = ["provider", "saml", "--site", "acme", "--provider", "Okta"];
    let set = [&set[..], &["--fingerprint", fingerprint, "--sso-url", &other.sso_url]].concat();
    let shown = run_json(&app._database, &set);
    assert_eq!(shown["saml"]["trust"], "fingerprint", "{shown}");
    tokio::time::sleep(std::time::Duration::from_millis(5_200)).await;
    let spec = unsolicited(&app, &provider, "bob@example.com");
    refused(&app, "the key the CLI replaced", &spec.acs_url, &idp.response(&spec)).await;
    let spec = unsolicited(&app, &provider, "carol@example.com");
    signs_in(&app, &spec, &other.response(&spec), "Okta").await;
}

crate::on_both_databases!(
    a_change_by_another_process_is_seen_within_five_seconds,
    fingerprint_trust_signs_in_both_ways,
    a_fingerprint_is_trusted_however_it_is_spelled,
    metadata_trust_signs_in_both_ways,
);
