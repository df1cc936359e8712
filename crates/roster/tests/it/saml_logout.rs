//! Single logout with the real IdP, both ways: signing out at roster ends
//! the session and sends the IdP a LogoutRequest signed with the SP's key;
//! the IdP's signed LogoutRequest ends the sessions it names (and only
//! those), is answered with a signed LogoutResponse, and is refused when
//! unsigned, signed by another key, stale, replayed or from a provider
//! trusted by fingerprint. The SP metadata lists the shared logout URL, and
//! an IdP that sends its messages there (the provider found by the Issuer)
//! is answered the same way.

use jiff::SignedDuration;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::json;

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::saml_idp::{SamlIdp, read_sp_metadata};
use crate::saml_signin::{answer, client, me, post, provider, start};

/// Signs `name_id` in through `provider` with an IdP session index;
/// returns the session cookie.
async fn sign_in(
    app: &TestApp,
    idp: &SamlIdp,
    provider: &str,
    name_id: &str,
    index: &str,
) -> String {
    let request = start(app, idp, provider).await;
    let mut spec = answer(&request, app, name_id);
    spec.session_index = Some(index.to_owned());
    let acs = request["assertion_consumer_service_url"].as_str().unwrap().to_owned();
    let (status, cookie, page) = post(&acs, &idp.response(&spec)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    cookie.expect("a session cookie")
}

/// The SP's current signing certificate, as a PEM file in `dir`.
async fn sp_signing_cert(app: &TestApp, dir: &tempfile::TempDir) -> std::path::PathBuf {
    // The metadata makes sure the SP has its keys (a server makes them
    // when it starts).
    reqwest::get(format!("{}/saml/metadata", app.address)).await.unwrap();
    let keys = app.get("/api/admin/saml/keys").await;
    let signing = keys.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["purpose"] == "signing" && key["state"] == "active")
        .unwrap()
        .clone();
    let path = dir.path().join("sp-signing.pem");
    std::fs::write(&path, signing["certificate_pem"].as_str().unwrap()).unwrap();
    path
}

/// Follows a redirect URL to roster (no further redirects); returns the
/// status, the Location and the page.
async fn visit(url: &str, cookie: Option<&str>) -> (StatusCode, Option<String>, String) {
    let mut request = client().get(url);
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let location = response.headers().get(LOCATION).map(|l| l.to_str().unwrap().to_owned());
    (status, location, response.text().await.unwrap())
}

async fn signing_out_at_roster_tells_the_idp(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let provider = provider(&app, &idp, "okta", json!({})).await;
    let cookie = sign_in(&app, &idp, &provider, "alice@example.com", "_idp_session_1").await;
    let dir = tempfile::tempdir().unwrap();
    let sp_cert = sp_signing_cert(&app, &dir).await;

    let signed_out = client()
        .post(format!("{}/saml/logout", app.address))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), StatusCode::SEE_OTHER);
    assert!(signed_out.headers()[SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    let location = signed_out.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with(&idp.slo_url), "{location}");
    let request = idp.parse_redirect(&location, Some(&sp_cert));
    assert_eq!(request["type"], "LogoutRequest", "{request}");
    assert_eq!(request["signature_valid"], true, "{request}");
    assert_eq!(request["name_id"], "alice@example.com");
    assert_eq!(request["session_indexes"], json!(["_idp_session_1"]));
    assert_eq!(request["issuer"], format!("{}/saml/metadata", app.address));
    assert_eq!(request["destination"], idp.slo_url.as_str());
    assert_eq!(me(&app, Some(&cookie)).await.0, StatusCode::UNAUTHORIZED);

    // The IdP's answer comes back to the provider's logout URL.
    let logout_url = format!("{}/saml/logout/{provider}", app.address);
    let response = idp.logout_response(
        &logout_url,
        request["id"].as_str().unwrap(),
        &["--sp-entity-id", &format!("{}/saml/metadata", app.address)],
    );
    let (status, _, page) = visit(response["url"].as_str().unwrap(), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Signed out"), "{page}");

    // Signing out again, or without a session, is not an error.
    let again = client()
        .post(format!("{}/saml/logout", app.address))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
}

async fn the_idp_signs_people_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let provider = provider(&app, &idp, "okta", json!({})).await;
    let laptop = sign_in(&app, &idp, &provider, "alice@example.com", "_laptop").await;
    let phone = sign_in(&app, &idp, &provider, "alice@example.com", "_phone").await;
    let bob = sign_in(&app, &idp, &provider, "bob@example.com", "_bob").await;
    let dir = tempfile::tempdir().unwrap();
    let sp_cert = sp_signing_cert(&app, &dir).await;
    let logout_url = format!("{}/saml/logout/{provider}", app.address);
    let sp = format!("{}/saml/metadata", app.address);
    let still_in = |cookies: Vec<String>| {
        let app = &app;
        async move {
            let mut out = Vec::new();
            for cookie in cookies {
                out.push(me(app, Some(&cookie)).await.0 == StatusCode::OK);
            }
            out
        }
    };
    let everyone = || vec![laptop.clone(), phone.clone(), bob.clone()];

    // Refused, ending nothing: unsigned, another key's signature.
    let unsigned = idp.logout_request(
        &logout_url,
        "alice@example.com",
        &["--sp-entity-id", &sp, "--session-index", "_laptop", "--unsigned"],
    );
    // (Why is for the log: the sender learns only that it was refused.)
    let (status, _, page) = visit(unsigned["url"].as_str().unwrap(), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains("refused"), "{page}");
    let mut impostor = SamlIdp::new();
    impostor.rotate_key();
    let forged = impostor.logout_request(
        &logout_url,
        "alice@example.com",
        &["--sp-entity-id", &sp, "--session-index", "_laptop"],
    );
    let (status, _, page) = visit(forged["url"].as_str().unwrap(), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert_eq!(still_in(everyone()).await, [true, true, true]);

    // The laptop's session ends; the phone's and Bob's do not.
    let request = idp.logout_request(
        &logout_url,
        "alice@example.com",
        &["--sp-entity-id", &sp, "--session-index", "_laptop", "--relay-state", "back"],
    );
    let url = request["url"].as_str().unwrap();
    let (status, location, page) = visit(url, Some(&laptop)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let location = location.unwrap();
    assert!(location.starts_with(&idp.slo_url), "{location}");
    let response = idp.parse_redirect(&location, Some(&sp_cert));
    assert_eq!(response["type"], "LogoutResponse", "{response}");
    assert_eq!(response["signature_valid"], true);
    assert_eq!(response["in_response_to"], request["id"]);
    assert_eq!(response["status"], "urn:oasis:names:tc:SAML:2.0:status:Success");
    assert_eq!(response["relay_state"], "back");
    assert_eq!(still_in(everyone()).await, [false, true, true]);

    // The same request again is a replay.
    let (status, _, page) = visit(url, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");

    // Without a session index, every session of the NameID ends.
    let request = idp.logout_request(&logout_url, "alice@example.com", &["--sp-entity-id", &sp]);
    let (status, _, _) = visit(request["url"].as_str().unwrap(), None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(still_in(everyone()).await, [false, false, true]);

    // A request older than ten minutes is refused.
    let stale = idp.logout_request(&logout_url, "bob@example.com", &["--sp-entity-id", &sp]);
    app.clock.advance(SignedDuration::from_mins(12));
    let (status, _, page) = visit(stale["url"].as_str().unwrap(), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert_eq!(still_in(vec![bob.clone()]).await, [true]);
}

async fn logout_requests_need_a_metadata_trusted_provider(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    app.site("acme").await;
    let fingerprint = idp.key().sha256_fingerprint.clone();
    let created = app
        .post(
            "/api/admin/sites/acme/providers",
            json!({
                "kind": "saml",
                "name": "By fingerprint",
                "saml": { "trust": "fingerprint", "fingerprint": fingerprint, "sso_url": idp.sso_url, "slo_url": idp.slo_url },
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let provider = created.body["id"].as_str().unwrap();
    let logout_url = format!("{}/saml/logout/{provider}", app.address);
    let sp = format!("{}/saml/metadata", app.address);
    let request = idp.logout_request(&logout_url, "alice@example.com", &["--sp-entity-id", &sp]);
    let (status, _, page) = visit(request["url"].as_str().unwrap(), None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{page}");
    assert!(page.contains("metadata"), "{page}");
    let (status, _, _) =
        visit(&format!("{}/saml/logout/nope?SAMLRequest=x", app.address), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a bad message is refused before any lookup");
}

const REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
const POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";

async fn the_metadata_logout_url_takes_the_idps_messages(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let provider = provider(&app, &idp, "okta", json!({})).await;
    let metadata = reqwest::get(format!("{}/saml/metadata", app.address)).await.unwrap();
    assert_eq!(metadata.status(), StatusCode::OK);
    // What an IdP configured with the document (pysaml2 here) takes from it.
    let read = read_sp_metadata(&metadata.text().await.unwrap());
    let shared = format!("{}/saml/logout", app.address);
    let sp = format!("{}/saml/metadata", app.address);
    assert_eq!(read["entity_id"], sp.as_str());
    assert_eq!(read["single_logout_service"], json!([{ "binding": REDIRECT, "location": shared }]));
    let acs = format!("{}/saml/consume", app.address);
    assert_eq!(read["assertion_consumer_service"], json!([{ "binding": POST, "location": acs }]));
    assert_eq!(
        (read["signing_certificates"].as_u64(), read["encryption_certificates"].as_u64()),
        (Some(1), Some(1))
    );

    let alice = sign_in(&app, &idp, &provider, "alice@example.com", "_alice").await;
    let bob = sign_in(&app, &idp, &provider, "bob@example.com", "_bob").await;
    let dir = tempfile::tempdir().unwrap();
    let sp_cert = sp_signing_cert(&app, &dir).await;
    let signed_in = |cookie: String| {
        let app = &app;
        async move { me(app, Some(&cookie)).await.0 == StatusCode::OK }
    };

    // An Issuer that no provider's metadata names: refused, saying what to
    // do instead, and nobody is signed out.
    let stranger = SamlIdp::with_entity_id("https://stranger.example.test/metadata");
    let request = stranger.logout_request(&shared, "alice@example.com", &["--sp-entity-id", &sp]);
    let (status, _, page) = visit(request["url"].as_str().unwrap(), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains("own logout URL"), "{page}");
    assert!(signed_in(alice.clone()).await && signed_in(bob.clone()).await);

    // Signed for the provider's own logout URL, then sent to the shared
    // one: the signed Destination is checked, so it is refused.
    let own = format!("{}/saml/logout/{provider}", app.address);
    let misdirected = idp.logout_request(&own, "alice@example.com", &["--sp-entity-id", &sp]);
    let url = misdirected["url"].as_str().unwrap().replacen(&own, &shared, 1);
    assert!(url.starts_with(&format!("{shared}?")), "{url}");
    let (status, _, page) = visit(&url, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(signed_in(alice.clone()).await);

    // The provider's IdP at the shared URL: Alice's session ends, Bob's
    // does not, and the IdP gets a signed LogoutResponse.
    let request = idp.logout_request(&shared, "alice@example.com", &["--sp-entity-id", &sp]);
    let (status, location, page) = visit(request["url"].as_str().unwrap(), None).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let location = location.unwrap();
    assert!(location.starts_with(&idp.slo_url), "{location}");
    let response = idp.parse_redirect(&location, Some(&sp_cert));
    assert_eq!(response["type"], "LogoutResponse", "{response}");
    assert_eq!(response["signature_valid"], true);
    assert_eq!(response["in_response_to"], request["id"]);
    assert_eq!(response["status"], "urn:oasis:names:tc:SAML:2.0:status:Success");
    assert!(!signed_in(alice).await);
    assert!(signed_in(bob.clone()).await);
    let (status, _, page) = visit(request["url"].as_str().unwrap(), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a replay: {page}");

    // The IdP's answer to roster's own LogoutRequest may come back here too.
    let answer = idp.logout_response(&shared, "_roster_request", &["--sp-entity-id", &sp]);
    let (status, _, page) = visit(answer["url"].as_str().unwrap(), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Signed out"), "{page}");
    // A browser's GET without a message signs nobody out.
    let (status, _, _) = visit(&shared, Some(&bob)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(signed_in(bob).await);
}

crate::on_both_databases!(
    the_metadata_logout_url_takes_the_idps_messages,
    signing_out_at_roster_tells_the_idp,
    the_idp_signs_people_out,
    logout_requests_need_a_metadata_trusted_provider,
);
