//! The SAML service provider's own key pairs: created at the first start,
//! published in its metadata, used to sign AuthnRequests (checked by the
//! real IdP), rotated by operators with an overlap, from the admin API and
//! the CLI; bad rotations refused with nothing changed.

use jiff::SignedDuration;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};

use crate::cli::{assert_fails, run, run_json, run_ok};
use crate::helpers::{self, Backend, TestApp, assert_error, spawn_app};
use crate::saml_idp::{Encryption, SamlIdp};

/// The certificates (base64 DER) of the SP's metadata, by `use`.
async fn published(app: &TestApp) -> (Vec<String>, Vec<String>) {
    let metadata = reqwest::get(format!("{}/saml/metadata", app.address)).await.unwrap();
    assert_eq!(metadata.status(), StatusCode::OK);
    let xml = metadata.text().await.unwrap();
    let mut signing = Vec::new();
    let mut encryption = Vec::new();
    for descriptor in xml.split("<md:KeyDescriptor ").skip(1) {
        let certificate = descriptor
            .split("<ds:X509Certificate>")
            .nth(1)
            .and_then(|rest| rest.split("</ds:X509Certificate>").next())
            .unwrap()
            .to_owned();
        if descriptor.starts_with("use=\"signing\"") {
            signing.push(certificate);
        } else if descriptor.starts_with("use=\"encryption\"") {
            encryption.push(certificate);
        } else {
            panic!("a KeyDescriptor without use: {descriptor}");
        }
    }
    (signing, encryption)
}

/// The PEM body of a key listed by the admin API, as in metadata.
fn body_of(key: &Value) -> String {
    key["certificate_pem"]
        .as_str()
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect()
}

async fn keys(app: &TestApp) -> Vec<Value> {
    let listed = app.get("/api/admin/saml/keys").await;
    assert_eq!(listed.status, StatusCode::OK, "{listed:?}");
    listed.body["items"].as_array().unwrap().clone()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The redirect that starts a sign-in through `provider`.
async fn login_url(app: &TestApp, provider: &str) -> String {
    let started =
        client().get(format!("{}/saml/login/{provider}", app.address)).send().await.unwrap();
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    started.headers()[LOCATION].to_str().unwrap().to_owned()
}

/// A PEM file holding `key`'s certificate, for the IdP to verify with.
fn pem_file(dir: &tempfile::TempDir, key: &Value) -> std::path::PathBuf {
    let path = dir.path().join(format!("{}.pem", key["id"].as_str().unwrap()));
    std::fs::write(&path, key["certificate_pem"].as_str().unwrap()).unwrap();
    path
}

async fn the_first_keys_are_published_and_rotate_with_an_overlap(backend: Backend) {
    let app = spawn_app(backend).await;
    let (signing, encryption) = published(&app).await;
    assert_eq!((signing.len(), encryption.len()), (1, 1), "one key pair of each purpose");
    assert_ne!(signing, encryption, "separate key pairs");
    assert_eq!(published(&app).await, (signing.clone(), encryption.clone()), "stable");
    let first = keys(&app).await;
    assert_eq!(first.len(), 2, "{first:?}");
    for key in &first {
        assert_eq!(key["state"], "active", "{key}");
        assert_eq!(key["generation"], 1);
        assert!(key.get("private_key").is_none(), "never shown: {key}");
        let fingerprint = key["fingerprint_sha256"].as_str().unwrap();
        assert_eq!(fingerprint.len(), 95, "{fingerprint}");
    }
    let old_signing = first.iter().find(|key| key["purpose"] == "signing").unwrap();
    assert_eq!(vec![body_of(old_signing)], signing);

    // A rotation publishes new keys at once; the old signing key signs
    // until the overlap ends, when the old keys retire.
    let rotated = app.post("/api/admin/saml/keys/rotate", json!({ "overlap": "2d" })).await;
    assert_eq!(rotated.status, StatusCode::CREATED, "{rotated:?}");
    let new = rotated.body["items"].as_array().unwrap().clone();
    assert_eq!(new.len(), 2);
    let new_signing = new.iter().find(|key| key["purpose"] == "signing").unwrap();
    assert_eq!(new_signing["state"], "next");
    assert_eq!(new_signing["generation"], 2);
    let new_encryption = new.iter().find(|key| key["purpose"] == "encryption").unwrap();
    assert_eq!(new_encryption["state"], "active", "decrypts at once");
    let (signing, encryption) = published(&app).await;
    assert_eq!(signing, vec![body_of(new_signing), body_of(old_signing)], "newest first");
    assert_eq!(encryption.len(), 2);
    let listed = keys(&app).await;
    assert_eq!(listed.len(), 4);
    let old = listed.iter().find(|key| key["id"] == old_signing["id"]).unwrap();
    assert_eq!(old["state"], "active");
    assert_eq!(old["retires_at"], new_signing["activates_at"]);

    app.clock.advance(SignedDuration::from_hours(48));
    let (signing, encryption) = published(&app).await;
    assert_eq!(signing, vec![body_of(new_signing)], "the old one retired");
    assert_eq!(encryption, vec![body_of(new_encryption)]);
    let listed = keys(&app).await;
    let states: Vec<(&str, &str)> = listed
        .iter()
        .map(|key| (key["purpose"].as_str().unwrap(), key["state"].as_str().unwrap()))
        .collect();
    assert_eq!(states.iter().filter(|(_, state)| *state == "retired").count(), 2, "{states:?}");
    assert_eq!(states.iter().filter(|(_, state)| *state == "active").count(), 2, "{states:?}");
}

async fn authn_requests_are_signed_when_the_idp_asks(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    app.site("acme").await;
    let create = |name: &str, metadata: String| {
        json!({
            "kind": "okta",
            "name": name,
            "saml": { "trust": "metadata_xml", "metadata_xml": metadata },
        })
    };
    let wants = app
        .post(
            "/api/admin/sites/acme/providers",
            create("Signed", idp.metadata_with(&["--want-authn-requests-signed"])),
        )
        .await;
    let plain = app.post("/api/admin/sites/acme/providers", create("Plain", idp.metadata())).await;
    let (wants, plain) = (wants.body["id"].as_str().unwrap(), plain.body["id"].as_str().unwrap());
    let dir = tempfile::tempdir().unwrap();
    published(&app).await;
    let first = keys(&app).await;
    let old = pem_file(&dir, first.iter().find(|key| key["purpose"] == "signing").unwrap());
    let encryption =
        pem_file(&dir, first.iter().find(|key| key["purpose"] == "encryption").unwrap());

    let signed = idp.parse_authn_request(&login_url(&app, wants).await, Some(&old));
    assert_eq!(signed["signed"], true, "{signed}");
    assert_eq!(signed["sig_alg"], "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
    assert_eq!(signed["signature_valid"], true, "the IdP verifies it: {signed}");
    assert_eq!(signed["relay_state"], "acme");
    let other_key = idp.parse_authn_request(&login_url(&app, wants).await, Some(&encryption));
    assert_eq!(other_key["signature_valid"], false, "{other_key}");
    let unsigned = idp.parse_authn_request(&login_url(&app, plain).await, Some(&old));
    assert_eq!(unsigned["signed"], false, "{unsigned}");

    // The provider's setting overrides the metadata, both ways, and
    // `null` returns to it.
    let set = |id: &str, sign: Value| {
        let path = format!("/api/admin/sites/acme/providers/{id}");
        let app = &app;
        async move {
            let changed = app.patch(&path, json!({ "sign_in": { "sign_requests": sign } })).await;
            assert_eq!(changed.status, StatusCode::OK, "{changed:?}");
            assert_eq!(changed.body["sign_in"]["sign_requests"], sign);
        }
    };
    set(plain, json!(true)).await;
    let forced = idp.parse_authn_request(&login_url(&app, plain).await, Some(&old));
    assert_eq!(forced["signature_valid"], true, "{forced}");
    set(wants, json!(false)).await;
    let off = idp.parse_authn_request(&login_url(&app, wants).await, Some(&old));
    assert_eq!(off["signed"], false, "{off}");
    set(wants, Value::Null).await;
    set(plain, Value::Null).await;
    let again = idp.parse_authn_request(&login_url(&app, wants).await, Some(&old));
    assert_eq!(again["signed"], true, "{again}");
    let refused = app
        .patch(
            &format!("/api/admin/sites/acme/providers/{plain}"),
            json!({ "sign_in": { "sign_requests": "yes" } }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{refused:?}");

    // After a rotation's overlap, the new key signs.
    let rotated = app
        .post("/api/admin/saml/keys/rotate", json!({ "purpose": "signing", "overlap": "90m" }))
        .await;
    let new = pem_file(&dir, &rotated.body["items"][0]);
    let during = login_url(&app, wants).await;
    assert_eq!(idp.parse_authn_request(&during, Some(&old))["signature_valid"], true);
    app.clock.advance(SignedDuration::from_mins(90));
    let after = login_url(&app, wants).await;
    assert_eq!(idp.parse_authn_request(&after, Some(&new))["signature_valid"], true);
    assert_eq!(idp.parse_authn_request(&after, Some(&old))["signature_valid"], false);
}

async fn assertions_encrypted_to_either_key_sign_in_during_a_rotation(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let provider = crate::saml_signin::provider(&app, &idp, "okta", json!({})).await;
    published(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let encryption_cert = |keys: &[Value]| {
        pem_file(&dir, keys.iter().find(|key| key["purpose"] == "encryption").unwrap())
    };
    let old = encryption_cert(&keys(&app).await);
    let rotated = app
        .post("/api/admin/saml/keys/rotate", json!({ "purpose": "encryption", "overlap": "1d" }))
        .await;
    let new = encryption_cert(rotated.body["items"].as_array().unwrap());
    let stranger = idp.key_pair("stranger");

    // A signed, encrypted response to a fresh request, and where it goes.
    let respond = |cert: std::path::PathBuf, alg: &'static str, name: &str| {
        let (app, idp, provider, name) = (&app, &idp, provider.clone(), name.to_owned());
        async move {
            let request = crate::saml_signin::start(app, idp, &provider).await;
            let mut spec = crate::saml_signin::answer(&request, app, &name);
            spec.encrypt = Some(Encryption { alg, ..Encryption::to(&cert) });
            // The IdP's clock is the server's, which the test moves.
            spec.now = Some(roster_app::Clock::now(&*app.clock).to_string());
            let acs = request["assertion_consumer_service_url"].as_str().unwrap().to_owned();
            (acs, idp.response(&spec))
        }
    };
    let sign_in = |cert: std::path::PathBuf, alg: &'static str, name: &str| {
        let pending = respond(cert, alg, name);
        async move {
            let (acs, response) = pending.await;
            crate::saml_signin::post(&acs, &response).await.0
        }
    };
    assert_eq!(sign_in(old.clone(), "aes256-cbc", "ada@example.com").await, StatusCode::OK);
    assert_eq!(sign_in(new.clone(), "aes256-gcm", "bob@example.com").await, StatusCode::OK);
    let (acs, response) = respond(stranger.cert.clone(), "aes128-gcm", "eve@example.com").await;
    let before = app.snapshot().await;
    let refused = crate::saml_signin::post(&acs, &response).await.0;
    assert_eq!(refused, StatusCode::FORBIDDEN, "encrypted to a key roster does not have");
    assert_eq!(app.snapshot().await, before, "nothing stored");
    // After the overlap only the new key decrypts.
    app.clock.advance(SignedDuration::from_hours(24));
    assert_eq!(sign_in(old, "aes128-cbc", "carol@example.com").await, StatusCode::FORBIDDEN);
    assert_eq!(sign_in(new, "aes128-gcm", "carol@example.com").await, StatusCode::OK);
    let users = app.get("/api/admin/sites/acme/users").await;
    let names: Vec<&str> = users.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ada@example.com", "bob@example.com", "carol@example.com"]);
}

async fn only_operators_rotate_and_bad_rotations_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = keys(&app).await;
    for (body, field) in [
        (json!({ "overlap": "1é" }), "overlap"),
        (json!({ "overlap": "91d" }), "overlap"),
        (json!({ "overlap": "-1d" }), "overlap"),
        (json!({ "purpose": "everything" }), "purpose"),
    ] {
        let refused = app.post("/api/admin/saml/keys/rotate", body.clone()).await;
        assert_error(&refused, StatusCode::BAD_REQUEST, "invalid_request", Some(field));
    }
    let unknown = app.post("/api/admin/saml/keys/rotate", json!({ "keep": true })).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{unknown:?}");
    assert_eq!(keys(&app).await, before);

    // A site's key sees and changes nothing of the SP.
    app.site("acme").await;
    let site_key = app.site_key("acme").await;
    for (method, path) in [
        (reqwest::Method::GET, "/api/admin/saml/keys"),
        (reqwest::Method::POST, "/api/admin/saml/keys/rotate"),
    ] {
        let denied = app.call_as(&site_key, method, path, Some(json!({}))).await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN, "{path}: {denied:?}");
    }
    let anonymous = reqwest::Client::new()
        .post(format!("{}/api/admin/saml/keys/rotate", app.address))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(keys(&app).await, before);
}

async fn the_cli_lists_and_rotates_the_keys(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    // A fresh database has no keys until the first start or rotation.
    let listed = run_json(&db, &["sp-key", "list"]);
    assert_eq!(listed["items"], json!([]), "{listed}");
    let rotated = run_json(&db, &["sp-key", "rotate", "--overlap", "0"]);
    assert_eq!(rotated["total"], 2, "{rotated}");
    let rotated = run_json(&db, &["sp-key", "rotate", "--purpose", "encryption", "--overlap", "0"]);
    assert_eq!(rotated["items"][0]["generation"], 2, "{rotated}");
    let listed = run_json(&db, &["sp-key", "list"]);
    let states: Vec<String> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| format!("{} {} {}", key["purpose"], key["generation"], key["state"]))
        .collect();
    assert_eq!(
        states,
        ["\"signing\" 1 \"active\"", "\"encryption\" 2 \"active\"", "\"encryption\" 1 \"retired\""],
        "newest first"
    );
    let text = run_ok(&db, &["sp-key", "list"]);
    assert!(text.contains("encryption\t2\tactive\t"), "{text}");
    let refused = run(&db, &["sp-key", "rotate", "--overlap", "soon"]);
    assert_fails(&refused, &["overlap", "\"soon\"", "7d"]);
    assert_eq!(run_json(&db, &["sp-key", "list"]), listed, "unchanged");
}

crate::on_both_databases!(
    the_first_keys_are_published_and_rotate_with_an_overlap,
    authn_requests_are_signed_when_the_idp_asks,
    assertions_encrypted_to_either_key_sign_in_during_a_rotation,
    only_operators_rotate_and_bad_rotations_change_nothing,
    the_cli_lists_and_rotates_the_keys,
);
