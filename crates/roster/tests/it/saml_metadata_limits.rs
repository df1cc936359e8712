//! The limits of a metadata URL fetch, against servers that misbehave on
//! purpose: a tiny tokio listener on 127.0.0.1 that accepts the connection
//! and never answers, sends its headers and then nothing, or sends a body
//! that never ends; a body one byte over the cap; redirects to other
//! schemes; and answers that are not IdP metadata. A save fails within the
//! (shortened) timeout, saying why, with nothing stored; the refresh job
//! keeps the last good metadata and records the failure.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::SignedDuration;
use reqwest::StatusCode;
use roster_app::{MAX_METADATA_BYTES, MetadataTimeouts};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::{Backend, TestApp, assert_error, spawn_app_with_metadata_timeouts};
use crate::metadata_server::{Answer, MetadataServer};
use crate::saml_idp::SamlIdp;
use crate::saml_metadata::{PROVIDERS, provider, refresh, saml_view, sign_in, time};

/// Short enough to wait out; roster's own are 5 and 15 seconds.
const TIMEOUTS: MetadataTimeouts =
    MetadataTimeouts { connect: Duration::from_secs(1), total: Duration::from_secs(2) };

/// How the test server behaves towards the next connections.
#[derive(Debug, Clone)]
enum Mode {
    /// 200 with these bytes and their length.
    Body(Vec<u8>),
    /// Accepts the connection and never writes a byte.
    Silent,
    /// Sends a 200's headers announcing a body, then nothing.
    HeadersOnly,
    /// A 200 without a length whose body never ends.
    Endless,
}

/// A server that answers as its current mode says.
struct Tarpit {
    url: String,
    mode: Arc<Mutex<Mode>>,
}

impl Tarpit {
    async fn start(mode: Mode) -> Tarpit {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/metadata", listener.local_addr().unwrap());
        let mode = Arc::new(Mutex::new(mode));
        let shared = mode.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let mode = shared.lock().unwrap().clone();
                tokio::spawn(behave(stream, mode));
            }
        });
        Tarpit { url, mode }
    }

    fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }
}

async fn behave(mut stream: TcpStream, mode: Mode) {
    // Holding the connection open (rather than closing it) is what makes
    // the client wait: a closed one would fail at once.
    let hold = || tokio::time::sleep(Duration::from_secs(600));
    if let Mode::Silent = mode {
        hold().await;
        return;
    }
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    while !request.windows(4).any(|window| window == b"\r\n\r\n") {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => request.extend_from_slice(&buffer[..read]),
        }
    }
    match mode {
        Mode::Body(body) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/xml\r\n\
                 Content-Length: {}\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&body).await;
            let _ = stream.shutdown().await;
        }
        Mode::HeadersOnly => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n\
                        Content-Length: 4096\r\n\r\n<md:EntityDescriptor";
            let _ = stream.write_all(head.as_bytes()).await;
            hold().await;
        }
        Mode::Endless => {
            let head =
                "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/xml\r\n\r\n";
            let _ = stream.write_all(head.as_bytes()).await;
            let chunk = vec![b' '; 64 * 1024];
            // Until the client hangs up, which is the point.
            while stream.write_all(&chunk).await.is_ok() {}
        }
        Mode::Silent => unreachable!("answered above"),
    }
}

/// Tries to create a provider trusting `url`; asserts the save is refused
/// on `saml.metadata_url` and returns the message.
async fn refused_save(app: &TestApp, url: &str) -> String {
    let saml = json!({ "trust": "metadata_url", "metadata_url": url });
    let created = app.post(PROVIDERS, json!({ "kind": "saml", "name": "New", "saml": saml })).await;
    assert_error(&created, StatusCode::BAD_REQUEST, "invalid_request", Some("saml.metadata_url"));
    created.body["message"].as_str().unwrap().to_owned()
}

/// The IdP's metadata padded with a comment to exactly `size` bytes.
fn padded(metadata: &str, size: usize) -> String {
    let padding = size - metadata.len() - "<!---->".len();
    let document = format!("{metadata}<!--{}-->", "x".repeat(padding));
    assert_eq!(document.len(), size);
    document
}

/// A document without its `<?xml ...?>` declaration, to nest it.
fn without_declaration(document: &str) -> String {
    match document.trim_start().strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or(rest, |(_, body)| body).to_owned(),
        None => document.to_owned(),
    }
}

async fn a_server_that_never_answers_fails_the_save_in_time(backend: Backend) {
    let app = spawn_app_with_metadata_timeouts(backend, TIMEOUTS).await;
    app.site("acme").await;
    let before = app.snapshot().await;
    for mode in [Mode::Silent, Mode::HeadersOnly] {
        let server = Tarpit::start(mode.clone()).await;
        let started = Instant::now();
        let message = refused_save(&app, &server.url).await;
        let took = started.elapsed();
        assert!(message.contains("no complete answer within 2 seconds"), "{mode:?}: {message}");
        assert!(took >= TIMEOUTS.total, "{mode:?}: gave up early, after {took:?}");
        assert!(took < TIMEOUTS.total + Duration::from_secs(8), "{mode:?}: took {took:?}");
    }
    assert_eq!(app.snapshot().await, before, "nothing stored");
}

async fn a_failed_refresh_keeps_the_last_good_metadata_and_says_why(backend: Backend) {
    let app = spawn_app_with_metadata_timeouts(backend, TIMEOUTS).await;
    let idp = SamlIdp::new();
    let server = Tarpit::start(Mode::Body(idp.metadata().into_bytes())).await;
    let created = provider(&app, &server.url).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let fetched = created["saml"]["metadata_fetched_at"].clone();
    assert!(fetched.is_string(), "{created}");

    let cases = [
        (Mode::Silent, "no complete answer within 2 seconds"),
        (Mode::HeadersOnly, "no complete answer within 2 seconds"),
        // Cut off at the cap, long before the timeout.
        (Mode::Endless, "larger than 2097152 bytes"),
        (Mode::Body(b"{\"status\": \"ok\"}".to_vec()), "not usable IdP metadata"),
    ];
    app.clock.advance(SignedDuration::from_hours(24));
    for (mode, words) in cases {
        server.set(mode.clone());
        let started = Instant::now();
        let report = refresh(&app).await;
        let took = started.elapsed();
        assert_eq!((&report["checked"], &report["failed"]), (&json!(1), &json!(1)), "{report}");
        let error = report["providers"][0]["error"].as_str().unwrap().to_owned();
        assert!(error.contains(words), "{mode:?}: {words:?} in {error:?}");
        assert!(took < TIMEOUTS.total + Duration::from_secs(8), "{mode:?}: took {took:?}");
        let saml = saml_view(&app, &id).await;
        assert_eq!(saml["metadata_error"], error.as_str(), "{saml}");
        assert!(saml["metadata_error_at"].is_string(), "{saml}");
        assert_eq!(saml["metadata_fetched_at"], fetched, "the last good document stays");
        assert_eq!(sign_in(&app, &idp, &id, "alice@example.com").await, StatusCode::OK);
        app.clock.advance(SignedDuration::from_mins(15));
    }

    server.set(Mode::Body(idp.metadata().into_bytes()));
    assert_eq!(refresh(&app).await["refreshed"], 1);
    let saml = saml_view(&app, &id).await;
    assert_eq!((&saml["metadata_error"], &saml["metadata_error_at"]), (&Value::Null, &Value::Null));
    assert!(time(&saml["metadata_fetched_at"]) > time(&fetched));
}

async fn the_size_cap_is_exact(backend: Backend) {
    let app = spawn_app_with_metadata_timeouts(backend, TIMEOUTS).await;
    app.site("acme").await;
    let idp = SamlIdp::new();
    let server = MetadataServer::start().await;
    server.answer("/over", Answer::Document(padded(&idp.metadata(), MAX_METADATA_BYTES + 1)));
    server
        .answer("/over-unsized", Answer::Unsized(padded(&idp.metadata(), MAX_METADATA_BYTES + 1)));
    let before = app.snapshot().await;
    for path in ["/over", "/over-unsized"] {
        let message = refused_save(&app, &server.url(path)).await;
        assert!(message.contains("larger than 2097152 bytes"), "{path}: {message}");
    }
    assert_eq!(app.snapshot().await, before, "nothing stored");
    // A document of exactly the cap is taken.
    server.answer("/at", Answer::Document(padded(&idp.metadata(), MAX_METADATA_BYTES)));
    let saml = json!({ "trust": "metadata_url", "metadata_url": server.url("/at") });
    let created = app.post(PROVIDERS, json!({ "kind": "saml", "name": "At", "saml": saml })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body["message"]);
}

async fn redirects_to_other_schemes_are_refused(backend: Backend) {
    let app = spawn_app_with_metadata_timeouts(backend, TIMEOUTS).await;
    app.site("acme").await;
    let idp = SamlIdp::new();
    let server = MetadataServer::start().await;
    server.answer("/md", Answer::Document(idp.metadata()));
    server.answer("/hop", Answer::Redirect("ftp://127.0.0.1/md".into()));
    let hop = server.url("/hop");
    let targets = [
        ("file:///etc/passwd", "to the file: scheme"),
        ("ftp://127.0.0.1/md", "to the ftp: scheme"),
        ("gopher://127.0.0.1/md", "to the gopher: scheme"),
        ("data:text/xml,<md:EntityDescriptor/>", "to the data: scheme"),
        // Through an http hop first: every hop is checked.
        (hop.as_str(), "to the ftp: scheme"),
    ];
    let before = app.snapshot().await;
    for (index, (target, words)) in targets.iter().enumerate() {
        let path = format!("/redirect-{index}");
        server.answer(&path, Answer::Redirect((*target).to_owned()));
        let message = refused_save(&app, &server.url(&path)).await;
        assert!(message.contains("redirect refused"), "{target}: {message}");
        assert!(message.contains(words), "{target}: {words:?} in {message}");
    }
    assert_eq!(app.snapshot().await, before, "nothing stored");
    // An http redirect to the document is followed.
    server.answer("/moved", Answer::Redirect(server.url("/md")));
    let saml = json!({ "trust": "metadata_url", "metadata_url": server.url("/moved") });
    let created =
        app.post(PROVIDERS, json!({ "kind": "saml", "name": "Moved", "saml": saml })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body["message"]);
}

async fn answers_that_are_not_idp_metadata_are_refused_saying_why(backend: Backend) {
    let app = spawn_app_with_metadata_timeouts(backend, TIMEOUTS).await;
    app.site("acme").await;
    let idp = SamlIdp::new();
    let sp_metadata =
        reqwest::get(format!("{}/saml/metadata", app.address)).await.unwrap().text().await.unwrap();
    let two_idps = format!(
        "<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\">{}{}\
         </md:EntitiesDescriptor>",
        without_declaration(&idp.metadata()),
        without_declaration(
            &SamlIdp::with_entity_id("https://other.example.test/metadata").metadata()
        ),
    );
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"{\"error\": \"not here\"}".to_vec(), "not usable IdP metadata"),
        (b"".to_vec(), "not usable IdP metadata"),
        (b"<html><body>Sign in</body></html>".to_vec(), "md:EntityDescriptor"),
        (b"\xff\xfe<\x00m\x00d\x00".to_vec(), "not UTF-8"),
        // roster's own SP metadata: an entity, but no identity provider.
        (sp_metadata.into_bytes(), "IDPSSODescriptor"),
        (two_idps.into_bytes(), "2 identity providers"),
        (
            format!("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>{}", idp.metadata())
                .into_bytes(),
            "document type declarations are refused",
        ),
    ];
    let before = app.snapshot().await;
    for (body, words) in cases {
        let server = Tarpit::start(Mode::Body(body.clone())).await;
        let message = refused_save(&app, &server.url).await;
        let shown = String::from_utf8_lossy(&body[..body.len().min(40)]).into_owned();
        assert!(message.contains(words), "{shown:?}: {words:?} in {message}");
    }
    assert_eq!(app.snapshot().await, before, "nothing stored");
}

crate::on_both_databases!(
    a_server_that_never_answers_fails_the_save_in_time,
    a_failed_refresh_keeps_the_last_good_metadata_and_says_why,
    the_size_cap_is_exact,
    redirects_to_other_schemes_are_refused,
    answers_that_are_not_idp_metadata_are_refused_saying_why,
);
