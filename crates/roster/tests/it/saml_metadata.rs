//! SAML trust by metadata URL, end to end: the real test IdP's metadata
//! served by a real HTTP server on 127.0.0.1 (`metadata_server.rs`), the
//! fetch when a provider is saved, sign-in from the stored document, the
//! refresh job after a key rotation, refresh times from `cacheDuration` and
//! `validUntil` on the test clock, failed refreshes that keep the last good
//! metadata, and saves refused with nothing stored.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use roster_app::admin::{ProviderInput, SamlInput};
use roster_app::{
    App, AppConfig, Clock, Context, HttpMetadataClient, MetadataClientConfig, Principal,
};
use serde_json::{Value, json};

use roster_store::{IdpMetadataRepo, SiteRepo, Transaction};

use crate::cli::{assert_fails, roster, run, run_json, run_ok};
use crate::helpers::{Backend, TestApp, assert_error, spawn_app};
use crate::metadata_server::{Answer, MetadataServer};
use crate::saml_idp::{ResponseSpec, SamlIdp};

pub(crate) const PROVIDERS: &str = "/api/admin/sites/acme/providers";

pub(crate) fn time(value: &Value) -> Timestamp {
    value.as_str().unwrap_or_else(|| panic!("a time, not {value}")).parse().unwrap()
}

/// Creates the site `acme` and an `okta` provider (which accepts sign-ins
/// its IdP starts) trusting `url`; returns the created provider.
pub(crate) async fn provider(app: &TestApp, url: &str) -> Value {
    app.site("acme").await;
    let created = app
        .post(
            PROVIDERS,
            json!({ "kind": "okta", "name": "Okta",
                    "saml": { "trust": "metadata_url", "metadata_url": url } }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    created.body
}

/// Posts a response the IdP signed now (by the test clock) to the
/// provider's ACS; returns the status.
pub(crate) async fn sign_in(
    app: &TestApp,
    idp: &SamlIdp,
    provider: &str,
    name: &str,
) -> StatusCode {
    let now = app.clock.now().round(jiff::Unit::Second).unwrap();
    let spec = ResponseSpec {
        sp_entity_id: format!("{}/saml/metadata", app.address),
        acs_url: format!("{}/saml/consume/{provider}", app.address),
        name_id: name.to_owned(),
        now: Some(now.to_string()),
        ..ResponseSpec::default()
    };
    let response = idp.response(&spec);
    let form = serde_urlencoded::to_string([("SAMLResponse", response.as_str())]).unwrap();
    let answered = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(&spec.acs_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    answered.status()
}

pub(crate) async fn saml_view(app: &TestApp, id: &str) -> Value {
    let shown = app.get(&format!("{PROVIDERS}/{id}")).await;
    assert_eq!(shown.status, StatusCode::OK, "{shown:?}");
    shown.body["saml"].clone()
}

/// Runs the refresh job at the test clock's now.
pub(crate) async fn refresh(app: &TestApp) -> Value {
    serde_json::to_value(app.app.jobs().saml_metadata().await.unwrap()).unwrap()
}

async fn sign_in_follows_the_metadata_url_and_its_key_rotation(backend: Backend) {
    let app = spawn_app(backend).await;
    let server = MetadataServer::start().await;
    let mut idp = SamlIdp::new();
    server.answer("/md", Answer::Document(idp.metadata()));
    let created = provider(&app, &server.url("/md")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let saml = &created["saml"];
    assert_eq!(saml["trust"], "metadata_url");
    let fetched = time(&saml["metadata_fetched_at"]);
    assert_eq!(time(&saml["metadata_refresh_due_at"]), fetched + SignedDuration::from_hours(24));
    assert_eq!(saml["metadata_error"], Value::Null, "{saml}");
    assert_eq!(saml_view(&app, &id).await, *saml);

    assert_eq!(sign_in(&app, &idp, &id, "alice@example.com").await, StatusCode::OK);
    let page = app.client.get(format!("{}/login/acme", app.address)).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("Sign in with Okta"), "offered on the page");
    let report = refresh(&app).await;
    assert_eq!(report["checked"], 0, "nothing is due yet: {report}");

    // The IdP rotates its key: until roster fetches the new metadata, a
    // response signed with the new key is refused.
    idp.rotate_key();
    idp.forget_previous_keys();
    server.answer("/md", Answer::Document(idp.metadata()));
    assert_eq!(sign_in(&app, &idp, &id, "bob@example.com").await, StatusCode::FORBIDDEN);
    app.clock.advance(SignedDuration::from_hours(24));
    let report = refresh(&app).await;
    assert_eq!((report["checked"].clone(), report["refreshed"].clone()), (json!(1), json!(1)));
    let done = &report["providers"][0];
    assert_eq!(
        (&done["site"], &done["provider"], &done["outcome"]),
        (&json!("acme"), &json!("Okta"), &json!("refreshed")),
        "{report}"
    );
    assert_eq!(sign_in(&app, &idp, &id, "bob@example.com").await, StatusCode::OK);
    let saml = saml_view(&app, &id).await;
    assert!(time(&saml["metadata_fetched_at"]) > fetched + SignedDuration::from_hours(23));
    assert_eq!(time(&saml["metadata_refresh_due_at"]), time(&done["refresh_due_at"]));
}

async fn refresh_times_follow_cache_duration_and_valid_until(backend: Backend) {
    let app = spawn_app(backend).await;
    let server = MetadataServer::start().await;
    let idp = SamlIdp::new();
    server.answer("/md", Answer::Document(idp.metadata_with(&["--cache-duration", "PT2H"])));
    let created = provider(&app, &server.url("/md")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let due = |saml: &Value| {
        time(&saml["metadata_refresh_due_at"]).duration_since(time(&saml["metadata_fetched_at"]))
    };
    assert_eq!(due(&created["saml"]), SignedDuration::from_hours(2));

    // Not due an hour later; due after two, and then the document's
    // validUntil (in three hours) comes before its cacheDuration (a week),
    // which the daily ceiling cuts anyway.
    app.clock.advance(SignedDuration::from_hours(1));
    assert_eq!(refresh(&app).await["checked"], 0);
    app.clock.advance(SignedDuration::from_mins(61));
    let valid_until = (app.clock.now() + SignedDuration::from_hours(3)).round(jiff::Unit::Second);
    let valid_until = valid_until.unwrap();
    let with_valid_until = ["--valid-until", &valid_until.to_string(), "--cache-duration", "P7D"];
    server.answer("/md", Answer::Document(idp.metadata_with(&with_valid_until)));
    assert_eq!(refresh(&app).await["refreshed"], 1);
    let saml = saml_view(&app, &id).await;
    assert_eq!(time(&saml["metadata_refresh_due_at"]), valid_until);

    server.answer("/md", Answer::Document(idp.metadata_with(&["--cache-duration", "P7D"])));
    app.clock.advance(SignedDuration::from_hours(3));
    assert_eq!(refresh(&app).await["refreshed"], 1);
    assert_eq!(due(&saml_view(&app, &id).await), SignedDuration::from_hours(24), "daily at least");

    // A tiny cacheDuration is raised to five minutes.
    server.answer("/md", Answer::Document(idp.metadata_with(&["--cache-duration", "PT1S"])));
    app.clock.advance(SignedDuration::from_hours(24));
    assert_eq!(refresh(&app).await["refreshed"], 1);
    assert_eq!(due(&saml_view(&app, &id).await), SignedDuration::from_mins(5));
}

async fn a_failed_refresh_keeps_the_last_good_metadata(backend: Backend) {
    let app = spawn_app(backend).await;
    let server = MetadataServer::start().await;
    let idp = SamlIdp::new();
    server.answer("/md", Answer::Document(idp.metadata()));
    let created = provider(&app, &server.url("/md")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let fetched = created["saml"]["metadata_fetched_at"].clone();
    let oversized = format!("{}<!--{}-->", idp.metadata(), "x".repeat(2 * 1024 * 1024));
    let cases = [
        (Answer::Status(500), "the server answered HTTP 500"),
        (
            Answer::Document("<html><body>maintenance</body></html>".into()),
            "not usable IdP metadata",
        ),
        (Answer::Document("\u{1}garbage".into()), "not usable IdP metadata"),
        (Answer::Document(oversized.clone()), "larger than 2097152 bytes"),
        (Answer::Unsized(oversized), "larger than 2097152 bytes"),
        (Answer::Redirect("file:///etc/passwd".into()), "redirect refused"),
        (Answer::Redirect("ftp://127.0.0.1/md".into()), "redirect refused"),
    ];
    app.clock.advance(SignedDuration::from_hours(24));
    for (answer, words) in cases {
        server.answer("/md", answer);
        let report = refresh(&app).await;
        assert_eq!((report["checked"].clone(), report["failed"].clone()), (json!(1), json!(1)));
        let error = report["providers"][0]["error"].as_str().unwrap().to_owned();
        assert!(error.contains(words), "{words:?} in {error:?}");
        let saml = saml_view(&app, &id).await;
        assert_eq!(saml["metadata_error"], error.as_str(), "{saml}");
        assert_eq!(
            time(&saml["metadata_error_at"]),
            time(&report["providers"][0]["refresh_due_at"]) - SignedDuration::from_mins(15)
        );
        assert_eq!(saml["metadata_fetched_at"], fetched, "the last good document stays");
        assert_eq!(sign_in(&app, &idp, &id, "alice@example.com").await, StatusCode::OK);
        // Tried again a quarter of an hour later.
        app.clock.advance(SignedDuration::from_mins(14));
        assert_eq!(refresh(&app).await["checked"], 0);
        app.clock.advance(SignedDuration::from_mins(1));
    }
    server.answer("/md", Answer::Document(idp.metadata()));
    assert_eq!(refresh(&app).await["refreshed"], 1);
    let saml = saml_view(&app, &id).await;
    assert_eq!((&saml["metadata_error"], &saml["metadata_error_at"]), (&Value::Null, &Value::Null));
    assert!(time(&saml["metadata_fetched_at"]) > time(&fetched));
}

async fn unusable_metadata_urls_are_refused_and_nothing_is_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let server = MetadataServer::start().await;
    let idp = SamlIdp::new();
    server.answer("/good", Answer::Document(idp.metadata()));
    let existing = app.post(PROVIDERS, json!({ "kind": "saml", "name": "Existing" })).await;
    let existing = format!("{PROVIDERS}/{}", existing.body["id"].as_str().unwrap());
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let no_signing_key = "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" \
        entityID=\"https://idp\"><md:IDPSSODescriptor protocolSupportEnumeration=\
        \"urn:oasis:names:tc:SAML:2.0:protocol\"><md:SingleSignOnService Binding=\
        \"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" Location=\"https://idp/sso\"/>\
        </md:IDPSSODescriptor></md:EntityDescriptor>";
    let post_only = idp.metadata().replace("bindings:HTTP-Redirect", "bindings:HTTP-POST");
    let big = format!("{}<!--{}-->", idp.metadata(), "x".repeat(2 * 1024 * 1024));
    let paths = [
        ("/html", Answer::Document("<!doctype html><p>Log in</p>".into())),
        ("/no-key", Answer::Document(no_signing_key.into())),
        ("/post-only", Answer::Document(post_only)),
        ("/big", Answer::Document(big.clone())),
        ("/big-unsized", Answer::Unsized(big)),
        ("/file", Answer::Redirect("file:///etc/passwd".into())),
        ("/loop", Answer::Redirect(server.url("/loop"))),
        ("/to-https", Answer::Redirect(format!("https://127.0.0.1:{closed}/md"))),
    ];
    for (path, answer) in paths {
        server.answer(path, answer);
    }
    let cases = [
        (format!("http://127.0.0.1:{closed}/md"), "cannot connect"),
        (server.url("/missing"), "HTTP 404"),
        (server.url("/html"), "not usable IdP metadata"),
        (server.url("/no-key"), "signing certificate"),
        (server.url("/post-only"), "HTTP-Redirect"),
        (server.url("/big"), "larger than"),
        (server.url("/big-unsized"), "larger than"),
        (server.url("/file"), "redirect refused: to the file: scheme"),
        (server.url("/loop"), "more than 3 redirects"),
        // An upgrade to https is followed (and here finds nothing).
        (server.url("/to-https"), "cannot connect"),
        ("http://nonexistent.invalid/md".to_owned(), "cannot resolve the host"),
    ];
    let before = app.snapshot().await;
    for (url, words) in &cases {
        let saml = json!({ "trust": "metadata_url", "metadata_url": url });
        let created =
            app.post(PROVIDERS, json!({ "kind": "saml", "name": "New", "saml": saml })).await;
        assert_error(
            &created,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            Some("saml.metadata_url"),
        );
        let message = created.body["message"].as_str().unwrap();
        assert!(message.contains(words), "{url}: {words:?} in {message:?}");
        let patched = app.patch(&existing, json!({ "saml": saml })).await;
        assert_error(
            &patched,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            Some("saml.metadata_url"),
        );
    }
    assert_eq!(app.snapshot().await, before, "nothing stored");

    // Without the operator's setting, loopback and other private
    // addresses are refused before anything is sent.
    let strict = HttpMetadataClient::new(MetadataClientConfig { allow_private: false }).unwrap();
    let config = AppConfig {
        public_url: Some(app.address.clone()),
        scim_log: true,
        webhook_allow_private: false,
        webhook_ca_pem: None,
        token_expiry_alert_days: roster_app::AlertDays::standard(),
    };
    let strict =
        App::new(Context::new(app.store.clone(), app.clock.clone(), config, Arc::new(strict)));
    for url in [server.url("/good"), server.url("/good").replace("127.0.0.1", "localhost")] {
        let input = ProviderInput {
            kind: "saml".into(),
            name: "Strict".into(),
            saml: Some(SamlInput {
                trust: "metadata_url".into(),
                metadata_url: Some(url.clone()),
                metadata_xml: None,
                fingerprint: None,
                sso_url: None,
                slo_url: None,
            }),
            sign_in: None,
            ldap: None,
            provisioning: None,
        };
        let refused = strict.admin().create_provider(&Principal::Operator, "acme", input).await;
        let message = refused.unwrap_err().to_string();
        assert!(message.starts_with("saml.metadata_url: "), "{message}");
        assert!(message.contains("loopback address"), "{url}: {message}");
        assert!(message.contains("--saml-metadata-allow-private"), "{message}");
    }
    assert_eq!(app.snapshot().await, before, "nothing stored");

    // Redirects within the rules are followed: three of them, http to http.
    server.answer("/r1", Answer::Redirect(server.url("/r2")));
    server.answer("/r2", Answer::Redirect("/r3".into()));
    server.answer("/r3", Answer::Redirect(server.url("/good")));
    let saml = json!({ "trust": "metadata_url", "metadata_url": server.url("/r1") });
    let patched = app.patch(&existing, json!({ "saml": saml })).await;
    assert_eq!(patched.status, StatusCode::OK, "{patched:?}");
    assert!(patched.body["saml"]["metadata_fetched_at"].is_string(), "{patched:?}");

    // Another trust forgets the fetched metadata.
    let fingerprint = json!({ "trust": "fingerprint", "fingerprint": "ab".repeat(32),
                              "sso_url": "https://idp.example.com/sso" });
    let patched = app.patch(&existing, json!({ "saml": fingerprint })).await;
    assert_eq!(patched.body["saml"]["metadata_fetched_at"], Value::Null, "{patched:?}");
    assert!(!app.snapshot().await.contains(&server.url("/r1")));
}

/// `roster provider saml --metadata-url` and `roster jobs run
/// saml-metadata`, as real processes: the private-address setting as a flag
/// and as an environment variable, the fetch state in `provider show`, and
/// a refresh after a rotation (made due through the store, since the
/// process runs on the real clock).
async fn the_cli_saves_and_refreshes_a_metadata_url(backend: Backend) {
    let db = crate::helpers::fresh_database(backend).await;
    let server = MetadataServer::start().await;
    let mut idp = SamlIdp::new();
    server.answer("/md", Answer::Document(idp.metadata()));
    let url = server.url("/md");
    run_ok(&db, &["site", "create", "--slug", "acme"]);
    run_ok(&db, &["provider", "create", "--site", "acme", "--kind", "okta", "--name", "Okta"]);
    let save = ["provider", "saml", "--site", "acme", "--provider", "Okta", "--metadata-url", &url];
    assert_fails(&run(&db, &save), &["saml.metadata_url", "loopback address"]);
    let allowed = [&save[..], &["--saml-metadata-allow-private"]].concat();
    let saved = run_json(&db, &allowed);
    assert!(saved["saml"]["metadata_fetched_at"].is_string(), "{saved}");
    let shown = run_ok(&db, &["provider", "show", "--site", "acme", "--provider", "Okta"]);
    assert!(shown.contains("\"metadata_refresh_due_at\":\""), "{shown}");

    let jobs = |json: bool| {
        let mut args: Vec<&str> = db.cli_args.iter().map(String::as_str).collect();
        args.extend(["jobs", "run", "saml-metadata"]);
        if json {
            args.push("--json");
        }
        let output = roster(&args).env("ROSTER_SAML_METADATA_ALLOW_PRIVATE", "true").output();
        let output = output.unwrap();
        assert!(output.status.success(), "{output:?}");
        (String::from_utf8(output.stdout).unwrap(), String::from_utf8(output.stderr).unwrap())
    };
    let (report, _) = jobs(true);
    let report: Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["checked"], 0, "{report}");

    idp.rotate_key();
    server.answer("/md", Answer::Document(idp.metadata()));
    let store = roster_store::connect(&db.config).await.unwrap();
    let mut tx = store.write().await.unwrap();
    let acme = roster_domain::SiteSlug::parse("acme").unwrap();
    let site = tx.site_by_slug(&acme).await.unwrap().unwrap().id;
    let id = roster_domain::ProviderId::from_raw(saved["id"].as_str().unwrap());
    let mut record = tx.idp_metadata(&site, &id).await.unwrap().unwrap();
    record.refresh_due_at = Timestamp::now() - SignedDuration::from_mins(1);
    tx.put_idp_metadata(&record).await.unwrap();
    tx.commit().await.unwrap();
    let (lines, counts) = jobs(false);
    assert!(lines.starts_with("acme\tOkta\trefreshed\tnext refresh "), "{lines}");
    assert!(counts.contains("1 due, 1 refreshed, 0 failed"), "{counts}");
    let mut tx = store.read().await.unwrap();
    let refreshed = tx.idp_metadata(&site, &id).await.unwrap().unwrap();
    assert_ne!(refreshed.xml, record.xml, "the rotated key's metadata");
    assert!(refreshed.refresh_due_at > Timestamp::now(), "{refreshed:?}");
}

crate::on_both_databases!(
    the_cli_saves_and_refreshes_a_metadata_url,
    sign_in_follows_the_metadata_url_and_its_key_rotation,
    refresh_times_follow_cache_duration_and_valid_until,
    a_failed_refresh_keeps_the_last_good_metadata,
    unusable_metadata_urls_are_refused_and_nothing_is_stored,
);
