//! The hostile corpus through the real server (SPEC §5, "every response
//! validated"): every attack the IdP fixture builds (`ATTACK_KINDS`, the
//! encryption ones encrypted to the SP's own key) and every misdirected,
//! untimely or unsuccessful response is refused at the ACS, SP- and
//! IdP-initiated, with a page that says so, no session, nothing stored and
//! no connection made for an external reference. Then the refusals that
//! involve state: another request's answer, a request never issued, a
//! replay.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::json;
use tokio::net::TcpListener;

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::saml_idp::{ATTACK_KINDS, Encryption, ResponseSpec, SamlIdp};
use crate::saml_signin::post;
use crate::saml_trust::{
    REFUSED, answering, provider_trusting, refused_saying, signs_in, start_at_the_button,
    unsolicited,
};

/// Another party's URL, for the Destination, Recipient and Audience.
const ELSEWHERE: &str = "https://other-sp.example.test/saml/consume";

/// What the page says of a signed response to a request roster does not
/// have outstanding (expired, answered already, or never made): the person
/// can only start again.
const NO_SUCH_REQUEST: &str = "it may have expired: sign in again";

/// The kinds that need an encrypted assertion (`saml_idp.rs`).
fn needs_encryption(kind: &str) -> bool {
    let position = |name: &str| ATTACK_KINDS.iter().position(|k| *k == name).unwrap();
    kind == "wrap-beside-encrypted" || position(kind) > position("empty-reference-uri")
}

/// The kinds that may also be encrypted, so that the same attack is
/// refused inside the encryption.
const ALSO_ENCRYPTED: [&str; 7] = [
    "wrap-in-advice",
    "comment-in-nameid",
    "stripped-signature",
    "altered-byte",
    "other-key",
    "sha1",
    "empty-reference-uri",
];

/// A listener that counts connections: where the attacks' external
/// references point, so that a fetch would show.
struct Tripwire {
    url: String,
    connections: Arc<AtomicUsize>,
}

impl Tripwire {
    async fn start() -> Tripwire {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/roster-xxe/", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        tokio::spawn(async move {
            while let Ok((_stream, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
            }
        });
        Tripwire { url, connections }
    }
}

/// A site `acme` with an Okta provider (which takes IdP-initiated
/// sign-ins) trusting the IdP by its metadata, so that its entity id is
/// known and the Issuer checked; and the SP's encryption certificate.
struct Setting {
    app: TestApp,
    idp: SamlIdp,
    provider: String,
    encryption_cert: PathBuf,
    tripwire: Tripwire,
    _dir: tempfile::TempDir,
}

async fn setting(backend: Backend) -> Setting {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let idp = SamlIdp::new();
    let trust = json!({ "trust": "metadata_xml", "metadata_xml": idp.metadata() });
    let provider = provider_trusting(&app, "okta", "Okta", trust, json!({})).await;
    // The SP's keys are made when first needed: its metadata needs them.
    let metadata = reqwest::get(format!("{}/saml/metadata", app.address)).await.unwrap();
    assert_eq!(metadata.status(), StatusCode::OK);
    let keys = app.get("/api/admin/saml/keys").await;
    let key = keys.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["purpose"] == "encryption" && key["state"] == "active")
        .unwrap_or_else(|| panic!("an encryption key: {keys:?}"))
        .clone();
    let dir = tempfile::tempdir().unwrap();
    let encryption_cert = dir.path().join("sp-encryption.pem");
    std::fs::write(&encryption_cert, key["certificate_pem"].as_str().unwrap()).unwrap();
    let tripwire = Tripwire::start().await;
    Setting { app, idp, provider, encryption_cert, tripwire, _dir: dir }
}

/// One hostile response: what it is, and how the IdP (or an attacker)
/// builds it from a valid answer.
struct Case {
    what: String,
    /// What the refusal page says.
    page: &'static str,
    build: Box<Build>,
}

/// How a hostile response is made from a valid answer.
type Build = dyn Fn(&Setting, ResponseSpec) -> String;

impl Case {
    fn saying(self, page: &'static str) -> Case {
        Case { page, ..self }
    }
}

/// A case refused for what the response says: the page gives no reason
/// (the log does), so that refusals are no oracle for probing the checks.
fn case(
    what: impl Into<String>,
    build: impl Fn(&Setting, ResponseSpec) -> String + 'static,
) -> Case {
    Case { what: what.into(), page: REFUSED, build: Box::new(build) }
}

/// `spec` changed by `change`, signed by the IdP.
fn changed(what: &str, change: impl Fn(&mut ResponseSpec) + 'static) -> Case {
    case(what, move |s, mut spec| {
        change(&mut spec);
        s.idp.response(&spec)
    })
}

fn encrypted_to(cert: &Path) -> Option<Encryption> {
    Some(Encryption::to(cert))
}

/// Every attack kind, then every response wrong in one way.
fn corpus(also_encrypted: bool) -> Vec<Case> {
    let mut cases: Vec<Case> = ATTACK_KINDS
        .iter()
        .map(|&kind| {
            case(kind, move |s, mut spec| {
                if needs_encryption(kind) {
                    spec.encrypt = encrypted_to(&s.encryption_cert);
                }
                spec.extra = vec!["--entity-url".into(), s.tripwire.url.clone()];
                s.idp.attack(kind, &spec)
            })
        })
        .collect();
    if also_encrypted {
        cases.extend(ALSO_ENCRYPTED.iter().map(|&kind| {
            case(format!("{kind}, encrypted"), move |s, mut spec| {
                spec.encrypt = encrypted_to(&s.encryption_cert);
                s.idp.attack(kind, &spec)
            })
        }));
    }
    cases.extend([
        changed("another Destination", |spec| {
            spec.extra = vec!["--destination".into(), ELSEWHERE.into()];
        }),
        changed("another Recipient", |spec| {
            spec.extra = vec!["--recipient".into(), ELSEWHERE.into()];
        }),
        changed("another Audience", |spec| {
            spec.sp_entity_id = "https://other-sp.example.test/saml/metadata".into();
        }),
        // The IdP's own key, but another entity's name.
        changed("another Issuer", |spec| {
            spec.extra =
                vec!["--idp-entity-id".into(), "https://other-idp.example.test/metadata".into()];
        }),
        // The clock skew accepted is 90 s (roster_saml::CLOCK_SKEW): 30 s
        // beyond it each way.
        changed("expired beyond the skew", |spec| {
            spec.not_before_offset = -420;
            spec.not_on_or_after_offset = -120;
        }),
        changed("not yet valid beyond the skew", |spec| {
            spec.not_before_offset = 120;
            spec.not_on_or_after_offset = 420;
        }),
        changed("the status Responder (AuthnFailed)", |spec| spec.status = "responder"),
        changed("the status Requester (RequestDenied)", |spec| spec.status = "requester"),
        changed("unsigned", |spec| spec.sign = Some("none")),
        // Anyone can encrypt to the SP's public key.
        case("encrypted but unsigned", |s, mut spec| {
            spec.sign = Some("none");
            spec.encrypt = encrypted_to(&s.encryption_cert);
            s.idp.response(&spec)
        }),
        changed("signed with RSA-SHA1", |spec| {
            spec.signature_alg = "rsa-sha1";
            spec.digest_alg = "sha1";
        }),
        changed("an InResponseTo roster never issued", |spec| {
            spec.in_response_to = Some("_never_issued".into());
        })
        .saying(NO_SUCH_REQUEST),
    ]);
    cases
}

/// Posts every case built from `valid` (a response that would sign in) to
/// the provider's ACS: each refused with the refusal page, no session,
/// nothing stored, nothing fetched.
async fn every_case_is_refused(s: &Setting, cases: Vec<Case>, valid: impl Fn() -> ResponseSpec) {
    let acs = valid().acs_url;
    for case in cases {
        let response = (case.build)(s, valid());
        refused_saying(&s.app, &case.what, &acs, &response, case.page).await;
    }
    assert_eq!(s.tripwire.connections.load(Ordering::SeqCst), 0, "an external reference fetched");
}

async fn the_corpus_is_refused_when_roster_asked(backend: Backend) {
    let s = setting(backend).await;
    let request = start_at_the_button(&s.app, &s.idp, &s.provider, "Okta").await;
    let app = &s.app;
    let valid = || answering(&request, app, "alice@example.com");
    every_case_is_refused(&s, corpus(true), valid).await;
    // None of it touched the request it answered: the real answer works.
    signs_in(app, &valid(), &s.idp.response(&valid()), "Okta").await;
}

async fn the_corpus_is_refused_when_the_idp_starts(backend: Backend) {
    let s = setting(backend).await;
    let app = &s.app;
    let valid = || unsolicited(app, &s.provider, "alice@example.com");
    every_case_is_refused(&s, corpus(false), valid).await;
    signs_in(app, &valid(), &s.idp.response(&valid()), "Okta").await;
}

/// A second site whose provider trusts the same IdP.
async fn second_site(app: &TestApp, idp: &SamlIdp) -> String {
    app.site("beta").await;
    let created = app
        .post(
            "/api/admin/sites/beta/providers",
            json!({ "kind": "okta", "name": "Beta Okta",
                    "saml": { "trust": "metadata_xml", "metadata_xml": idp.metadata() } }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    created.body["id"].as_str().unwrap().to_owned()
}

async fn an_answer_to_another_request_is_refused_and_both_stay_open(backend: Backend) {
    let s = setting(backend).await;
    let app = &s.app;
    let beta = second_site(app, &s.idp).await;
    let ours = start_at_the_button(app, &s.idp, &s.provider, "Okta").await;
    let started = crate::saml_signin::client()
        .get(format!("{}/saml/login/{beta}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let location = started.headers()[reqwest::header::LOCATION].to_str().unwrap().to_owned();
    let theirs = s.idp.parse_authn_request(&location, None);

    // The IdP's valid answer to beta's request, sent to acme's ACS, and
    // one that names beta's request while signing in at acme.
    let mut misdirected = answering(&theirs, app, "alice@example.com");
    misdirected.acs_url = format!("{}/saml/consume/{}", app.address, s.provider);
    refused_saying(
        app,
        "another site's request",
        &misdirected.acs_url,
        &s.idp.response(&misdirected),
        NO_SUCH_REQUEST,
    )
    .await;
    let mut crossed = answering(&ours, app, "alice@example.com");
    crossed.in_response_to = theirs["id"].as_str().map(Into::into);
    refused_saying(
        app,
        "another request's id",
        &crossed.acs_url,
        &s.idp.response(&crossed),
        NO_SUCH_REQUEST,
    )
    .await;

    // Both requests are still outstanding, each for its own provider.
    let spec = answering(&ours, app, "alice@example.com");
    signs_in(app, &spec, &s.idp.response(&spec), "Okta").await;
    let spec = answering(&theirs, app, "alice@example.com");
    let (status, cookie, page) = post(&spec.acs_url, &s.idp.response(&spec)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (_, who) = crate::saml_signin::me(app, cookie.as_deref()).await;
    assert_eq!(who["site"], "beta", "{who}");
}

async fn an_accepted_response_is_refused_the_second_time(backend: Backend) {
    let s = setting(backend).await;
    let app = &s.app;
    let request = start_at_the_button(app, &s.idp, &s.provider, "Okta").await;
    let answered = answering(&request, app, "alice@example.com");
    let unasked = unsolicited(app, &s.provider, "bob@example.com");
    // The request answered left with the first use; with no request, the
    // replay cache stops the second.
    for (how, spec, page) in [
        ("SP-initiated", answered, NO_SUCH_REQUEST),
        ("IdP-initiated", unasked, "this sign-in response was already used"),
    ] {
        let response = s.idp.response(&spec);
        signs_in(app, &spec, &response, "Okta").await;
        // Only the accepted one changed the request and replay tables.
        refused_saying(app, &format!("{how} replay"), &spec.acs_url, &response, page).await;
    }
}

async fn a_request_answered_after_its_lifetime_is_refused(backend: Backend) {
    let s = setting(backend).await;
    let app = &s.app;
    // An AuthnRequest lives ten minutes (sso/login.rs REQUEST_LIFETIME).
    // The IdP's answer is fresh: only the request is too old.
    let request = start_at_the_button(app, &s.idp, &s.provider, "Okta").await;
    app.clock.advance(SignedDuration::from_secs(10 * 60 + 1));
    let late = answering(&request, app, "alice@example.com");
    let response = s.idp.response(&late);
    refused_saying(app, "a request past its lifetime", &late.acs_url, &response, NO_SUCH_REQUEST)
        .await;
    let shared = ResponseSpec { acs_url: format!("{}/saml/consume", app.address), ..late };
    let response = s.idp.response(&shared);
    refused_saying(app, "the same at the shared ACS", &shared.acs_url, &response, NO_SUCH_REQUEST)
        .await;

    // Answered just within its lifetime, a request signs in.
    let request = start_at_the_button(app, &s.idp, &s.provider, "Okta").await;
    app.clock.advance(SignedDuration::from_secs(9 * 60 + 30));
    let in_time = answering(&request, app, "alice@example.com");
    signs_in(app, &in_time, &s.idp.response(&in_time), "Okta").await;
}

crate::on_both_databases!(
    the_corpus_is_refused_when_roster_asked,
    the_corpus_is_refused_when_the_idp_starts,
    an_answer_to_another_request_is_refused_and_both_stay_open,
    an_accepted_response_is_refused_the_second_time,
    a_request_answered_after_its_lifetime_is_refused,
);
