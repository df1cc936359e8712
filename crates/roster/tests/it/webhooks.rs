//! Webhooks: a site's history entries POSTed in order to a real receiver,
//! each delivery signed (checked here as a receiver would, and by the
//! README's own receiver example run with python3); failures retried with
//! backoff and then switched off, nothing lost or repeated; each attempt
//! recorded; the secret rotated with an overlap; bad input refused with
//! nothing changed; private destinations refused unless allowed; the CLI.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

use jiff::SignedDuration;
use reqwest::StatusCode;
use roster_app::{App, AppConfig, Clock, Context, HttpMetadataClient, MetadataClientConfig};
use serde_json::{Value, json};

use crate::cli::run_json;
use crate::helpers::{Backend, TestApp, assert_error, spawn_app};
use crate::webhook_receiver::Receiver;

const HOOKS: &str = "/api/admin/sites/acme/webhooks";

async fn webhook(app: &TestApp, url: &str) -> (String, String) {
    let created = app.post(HOOKS, json!({ "url": url, "description": "the app" })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_") && secret.len() > 60, "{secret}");
    (created.body["id"].as_str().unwrap().to_owned(), secret)
}

async fn deliver(app: &TestApp) -> Value {
    serde_json::to_value(app.app.webhooks().run_due().await.expect("run")).unwrap()
}

async fn add_users(app: &TestApp, names: &[&str]) {
    for name in names {
        app.user("acme", json!({ "username": name })).await;
    }
}

async fn deliveries(app: &TestApp, id: &str) -> Vec<Value> {
    let reply = app.get(&format!("{HOOKS}/{id}/deliveries")).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    reply.body["items"].as_array().unwrap().clone()
}

async fn last_seq(app: &TestApp) -> i64 {
    let feed = app.get("/api/admin/sites/acme/events?limit=1000").await;
    feed.body["next"].as_i64().unwrap()
}

async fn deliveries_are_signed_in_order_and_recorded(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    add_users(&app, &["before"]).await;
    let receiver = Receiver::start().await;
    let (id, secret) = webhook(&app, &receiver.url).await;
    let start = last_seq(&app).await;
    assert_eq!(app.get(&format!("{HOOKS}/{id}")).await.body["delivered_seq"], start);

    add_users(&app, &["ada", "bob", "carol"]).await;
    let report = deliver(&app).await;
    assert_eq!(report["webhooks"], 1, "{report}");
    assert_eq!(report["events_delivered"], 3, "{report}");
    let got = receiver.take();
    assert_eq!(got.len(), 1, "one POST for the three entries");
    let post = &got[0];
    assert!(post.signed_with(&secret), "{post:?}");
    assert!(!post.signed_with("whsec_someone_else"));
    assert_eq!(post.signature_count(), 1);
    assert_eq!(post.headers["content-type"], "application/json");
    assert_eq!(post.headers["roster-webhook-id"], id);
    assert_eq!(post.seqs(), vec![start + 1, start + 2, start + 3], "only what came after");
    let body = post.json();
    assert_eq!(body["site"], "acme");
    assert_eq!(body["webhook_id"], id);
    let names: Vec<&str> = body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["target"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ada", "bob", "carol"]);
    // The same shape as the events feed.
    let feed = app.get(&format!("/api/admin/sites/acme/events?after={start}")).await;
    assert_eq!(feed.body["items"], body["events"]);

    let recorded = deliveries(&app, &id).await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0]["outcome"], "delivered");
    assert_eq!(recorded[0]["status"], 200);
    assert_eq!(recorded[0]["attempt"], 1);
    assert_eq!(
        (recorded[0]["first_seq"].as_i64(), recorded[0]["last_seq"].as_i64()),
        (Some(start + 1), Some(start + 3))
    );
    assert_eq!(recorded[0]["id"], post.headers["roster-delivery-id"].as_str());
    assert_eq!(app.get(&format!("{HOOKS}/{id}")).await.body["delivered_seq"], start + 3);

    // Nothing new: nothing sent, nothing recorded.
    assert_eq!(deliver(&app).await["webhooks"], 0);
    assert!(receiver.take().is_empty());
    assert_eq!(deliveries(&app, &id).await.len(), 1);

    // More than a batch goes in several POSTs, in order, in one run.
    let many: Vec<String> = (0..130).map(|n| format!("user{n:03}")).collect();
    for name in &many {
        app.user("acme", json!({ "username": name })).await;
    }
    assert_eq!(deliver(&app).await["events_delivered"], 130);
    let posts = receiver.take();
    assert_eq!(posts.iter().map(|p| p.seqs().len()).collect::<Vec<_>>(), [100, 30]);
    let seqs: Vec<i64> = posts.iter().flat_map(|p| p.seqs()).collect();
    assert_eq!(seqs, ((start + 4)..=(start + 133)).collect::<Vec<_>>());

    // A switched-off webhook is not called; switched on, it resumes.
    let off = app.patch(&format!("{HOOKS}/{id}"), json!({ "enabled": false })).await;
    assert_eq!(off.body["enabled"], false, "{off:?}");
    add_users(&app, &["dave"]).await;
    assert_eq!(deliver(&app).await["webhooks"], 0);
    app.patch(&format!("{HOOKS}/{id}"), json!({ "enabled": true })).await;
    deliver(&app).await;
    assert_eq!(receiver.take()[0].seqs(), vec![start + 134]);

    // A deleted webhook takes its records with it.
    assert_eq!(app.delete(&format!("{HOOKS}/{id}")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&format!("{HOOKS}/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("{HOOKS}/{id}/deliveries")).await.status, StatusCode::NOT_FOUND);
}

async fn failures_back_off_then_switch_off_and_nothing_is_lost(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let receiver = Receiver::start().await;
    let (id, _) = webhook(&app, &receiver.url).await;
    let start = last_seq(&app).await;
    add_users(&app, &["ada", "bob"]).await;

    receiver.answer(&[500]);
    let report = deliver(&app).await;
    assert_eq!(
        (report["failed"].as_u64(), report["events_delivered"].as_u64()),
        (Some(1), Some(0))
    );
    let hook = app.get(&format!("{HOOKS}/{id}")).await.body;
    assert_eq!(hook["failures"], 1);
    assert_eq!(hook["delivered_seq"], start, "the entries wait");
    let retry_at: jiff::Timestamp = hook["retry_at"].as_str().unwrap().parse().unwrap();
    let failed = &deliveries(&app, &id).await[0];
    let failed_at: jiff::Timestamp = failed["at"].as_str().unwrap().parse().unwrap();
    assert_eq!(retry_at, failed_at + SignedDuration::from_secs(10));
    assert_eq!(
        (failed["outcome"].as_str(), failed["status"].as_u64()),
        (Some("failed"), Some(500))
    );
    assert_eq!(failed["error"], "the receiver answered HTTP 500");

    // Not before the retry time.
    assert_eq!(deliver(&app).await["webhooks"], 0);
    assert_eq!(receiver.take().len(), 1);
    app.clock.advance(SignedDuration::from_secs(10));
    add_users(&app, &["carol"]).await;
    deliver(&app).await;
    let posts = receiver.take();
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].seqs(),
        vec![start + 1, start + 2, start + 3],
        "the same entries again, and the new one"
    );
    let attempts = deliveries(&app, &id).await;
    assert_eq!(attempts[0]["attempt"], 2);
    assert_eq!(attempts[0]["outcome"], "delivered");
    assert_eq!(app.get(&format!("{HOOKS}/{id}")).await.body["failures"], 0);

    // A receiver that is gone: retries back off to an hour, then roster
    // switches the webhook off.
    receiver.always(503);
    add_users(&app, &["dave"]).await;
    let mut waits = Vec::new();
    for _ in 0..30 {
        let before = app.clock.now();
        deliver(&app).await;
        let hook = app.get(&format!("{HOOKS}/{id}")).await.body;
        let Some(retry_at) = hook["retry_at"].as_str() else { break };
        let retry_at: jiff::Timestamp = retry_at.parse().unwrap();
        let wait = retry_at.duration_since(before);
        waits.push(wait.as_secs());
        app.clock.advance(wait);
    }
    assert_eq!(&waits[..4], [10, 20, 40, 80]);
    assert_eq!(*waits.last().unwrap(), 3600);
    let hook = app.get(&format!("{HOOKS}/{id}")).await.body;
    assert_eq!(hook["enabled"], false, "{hook}");
    assert_eq!(hook["failures"], 30);
    assert!(hook["disabled_reason"].as_str().unwrap().contains("30 failed deliveries"), "{hook}");
    assert_eq!(deliveries(&app, &id).await[0]["outcome"], "gave_up");
    assert_eq!(receiver.take().len(), 30);
    app.clock.advance(SignedDuration::from_hours(5));
    assert_eq!(deliver(&app).await["webhooks"], 0, "switched off");
    assert_eq!(deliveries(&app, &id).await.len(), 32, "every attempt recorded");

    // Switched on again, it delivers what waited, once.
    receiver.recover();
    let on = app.patch(&format!("{HOOKS}/{id}"), json!({ "enabled": true })).await;
    assert_eq!(
        (on.body["failures"].as_u64(), on.body["disabled_reason"].is_null()),
        (Some(0), true)
    );
    deliver(&app).await;
    let posts = receiver.take();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].seqs(), vec![start + 4]);
}

async fn rotation_signs_with_both_secrets_during_the_overlap(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let receiver = Receiver::start().await;
    let (id, old) = webhook(&app, &receiver.url).await;
    let rotated =
        app.post(&format!("{HOOKS}/{id}/rotate-secret"), json!({ "overlap_hours": 2 })).await;
    assert_eq!(rotated.status, StatusCode::OK, "{rotated:?}");
    let new = rotated.body["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(rotated.body["previous_secret_until"].is_string());
    // The secret is shown only by these two answers.
    assert!(app.get(&format!("{HOOKS}/{id}")).await.body.get("secret").is_none());
    assert!(app.get(HOOKS).await.body["items"][0].get("secret").is_none());

    add_users(&app, &["ada"]).await;
    deliver(&app).await;
    let post = &receiver.take()[0];
    assert_eq!(post.signature_count(), 2);
    assert!(post.signed_with(&new) && post.signed_with(&old));

    app.clock.advance(SignedDuration::from_hours(2));
    add_users(&app, &["bob"]).await;
    deliver(&app).await;
    let post = &receiver.take()[0];
    assert_eq!(post.signature_count(), 1);
    assert!(post.signed_with(&new) && !post.signed_with(&old));

    // Without an overlap the old secret stops at once.
    let again =
        app.post(&format!("{HOOKS}/{id}/rotate-secret"), json!({ "overlap_hours": 0 })).await;
    let newest = again.body["secret"].as_str().unwrap().to_owned();
    add_users(&app, &["carol"]).await;
    deliver(&app).await;
    let post = &receiver.take()[0];
    assert!(post.signed_with(&newest) && !post.signed_with(&new));
}

async fn bad_input_is_refused_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    app.site("other").await;
    let receiver = Receiver::start().await;
    let (id, _) = webhook(&app, &receiver.url).await;
    let before = app.snapshot().await;
    for (body, field) in [
        (json!({ "url": "ftp://app.example.com/hook" }), Some("url")),
        (json!({ "url": "https://user:pw@app.example.com/hook" }), Some("url")),
        (json!({ "url": "https://app.example.com/hook#x" }), Some("url")),
        (json!({ "url": "app.example.com" }), Some("url")),
        (
            json!({ "url": "https://app.example.com/", "description": "x".repeat(256) }),
            Some("description"),
        ),
        (json!({ "url": "https://app.example.com/", "description": " " }), Some("description")),
        (json!({ "url": "https://app.example.com:99999/" }), Some("url")),
    ] {
        assert_error(
            &app.post(HOOKS, body).await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            field,
        );
    }
    for body in
        [json!({}), json!({ "url": 5 }), json!({ "url": "https://a.example/", "secret": "mine" })]
    {
        assert_eq!(app.post(HOOKS, body).await.status, StatusCode::BAD_REQUEST);
    }
    let hook = format!("{HOOKS}/{id}");
    assert_error(
        &app.patch(&hook, json!({ "url": "gopher://x" })).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        Some("url"),
    );
    assert_eq!(app.patch(&hook, json!({ "enabled": null })).await.status, StatusCode::BAD_REQUEST);
    assert_error(
        &app.post(&format!("{hook}/rotate-secret"), json!({ "overlap_hours": 169 })).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        Some("overlap_hours"),
    );
    assert_error(
        &app.get(&format!("{hook}/deliveries?limit=0")).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        Some("limit"),
    );
    assert_eq!(
        app.get(&format!("{hook}/deliveries?since=x")).await.status,
        StatusCode::BAD_REQUEST
    );
    for path in [
        format!("{HOOKS}/nope"),
        format!("/api/admin/sites/other/webhooks/{id}"),
        format!("{HOOKS}/..%2F"),
    ] {
        assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(app.delete(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(app.snapshot().await, before, "nothing changed");
    // Another site's administrator sees nothing of this site's webhooks.
    let key = app.site_key("other").await;
    let before_other = app.snapshot().await;
    let reply = app.call_as(&key, reqwest::Method::GET, HOOKS, None).await;
    assert!(matches!(reply.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{reply:?}");
    let reply = app.call_as(&key, reqwest::Method::DELETE, &hook, None).await;
    assert!(matches!(reply.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{reply:?}");
    assert_eq!(app.snapshot().await, before_other);

    // At most ten webhooks a site.
    for n in 1..10 {
        webhook(&app, &format!("https://app{n}.example.com/hook")).await;
    }
    let full = app.snapshot().await;
    assert_error(
        &app.post(HOOKS, json!({ "url": "https://more.example.com/" })).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        Some("url"),
    );
    assert_eq!(app.snapshot().await, full);
}

async fn private_destinations_need_the_operators_permission(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let receiver = Receiver::start().await;
    let config = AppConfig {
        public_url: Some(app.address.clone()),
        scim_log: false,
        webhook_allow_private: false,
        webhook_ca_pem: None,
        token_expiry_alert_days: roster_app::AlertDays::standard(),
    };
    let metadata = HttpMetadataClient::new(MetadataClientConfig { allow_private: false }).unwrap();
    let strict =
        App::new(Context::new(app.store.clone(), app.clock.clone(), config, Arc::new(metadata)));
    let input = |url: &str| roster_app::admin::WebhookInput {
        url: url.to_owned(),
        description: None,
        enabled: None,
    };
    let operator = roster_app::Principal::Operator;
    let refused =
        strict.admin().create_webhook(&operator, "acme", input(&receiver.url)).await.unwrap_err();
    assert!(refused.to_string().contains("--webhook-allow-private"), "{refused}");

    // An address written in the URL is refused when saved; a name that
    // resolves to one is refused at delivery, before anything is sent,
    // without telling the site's administrators the address.
    let https = receiver.url.replace("http://", "https://");
    let refused =
        strict.admin().create_webhook(&operator, "acme", input(&https)).await.unwrap_err();
    assert!(refused.to_string().contains("loopback"), "{refused}");
    let named = https.replace("127.0.0.1", "localhost");
    let hook = strict.admin().create_webhook(&operator, "acme", input(&named)).await.unwrap();
    app.user("acme", json!({ "username": "ada" })).await;
    let report = strict.webhooks().run_due().await.unwrap();
    assert_eq!(report.failed, 1);
    assert!(receiver.take().is_empty());
    let attempts =
        strict.admin().webhook_deliveries(&operator, "acme", &hook.webhook.id, None).await.unwrap();
    let error = attempts[0].error.clone().unwrap();
    assert!(error.contains("loopback") && error.contains("--webhook-allow-private"), "{error}");
    assert!(!error.contains("127.0.0.1") && !error.contains("::1"), "{error}");
    assert_eq!(attempts[0].status, None);
    // A plain http URL saved while allowed is not delivered once the
    // operator no longer allows it.
    let plain =
        app.app.admin().create_webhook(&operator, "acme", input(&receiver.url)).await.unwrap();
    app.user("acme", json!({ "username": "bob" })).await;
    strict.webhooks().run_due().await.unwrap();
    assert!(receiver.take().is_empty());
    let attempts = strict
        .admin()
        .webhook_deliveries(&operator, "acme", &plain.webhook.id, None)
        .await
        .unwrap();
    assert!(attempts[0].error.as_deref().unwrap().contains("plain http"), "{attempts:?}");
}

/// The README's receiver, run as written: it accepts roster's deliveries
/// and refuses forged and stale ones.
async fn the_readme_receiver_verifies_deliveries(backend: Backend) {
    let readme = std::fs::read_to_string(
        std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../../README.md"),
    )
    .unwrap();
    let section = &readme[readme.find("### Receiving webhooks").expect("the section")..];
    let code = &section[section.find("```python\n").expect("a python block") + 10..];
    let code = &code[..code.find("```").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("receiver.py");
    std::fs::write(&script, code).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();

    let app = spawn_app(backend).await;
    app.site("acme").await;
    let (id, secret) = webhook(&app, &format!("http://127.0.0.1:{port}/roster")).await;
    let mut python = Command::new("python3")
        .arg(&script)
        .env("ROSTER_WEBHOOK_SECRET", &secret)
        .env("PORT", port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3");
    let mut lines = BufReader::new(python.stdout.take().unwrap()).lines();
    // Until it listens.
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if client.get(format!("http://127.0.0.1:{port}/")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let start = last_seq(&app).await;
    add_users(&app, &["ada", "bob"]).await;
    deliver(&app).await;
    let attempt = &deliveries(&app, &id).await[0];
    assert_eq!(attempt["outcome"], "delivered", "{attempt}");
    let printed: Vec<Value> =
        (0..2).map(|_| serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap()).collect();
    assert_eq!(printed[0]["seq"], start + 1);
    assert_eq!(printed[1]["target"]["name"], "bob");

    // Forged, unsigned and stale deliveries are refused.
    let body = r#"{"webhook_id":"x","site":"acme","events":[]}"#;
    let now = jiff::Timestamp::now().as_second();
    for header in [
        format!("t={now},v1={}", "0".repeat(64)),
        String::new(),
        "garbage".to_owned(),
        format!("t={},v1=00", now - 3600),
    ] {
        let mut request = client.post(format!("http://127.0.0.1:{port}/roster")).body(body);
        if !header.is_empty() {
            request = request.header("roster-signature", header);
        }
        assert_eq!(request.send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    let _ = python.kill();
    let _ = python.wait();
}

async fn cli_manages_webhooks(backend: Backend) {
    {
        let app = spawn_app(backend).await;
        app.site("acme").await;
        let db = &app._database;
        let created = run_json(
            db,
            &["webhook", "create", "--site", "acme", "--url", "https://app.example.com/hook"],
        );
        let id = created["id"].as_str().unwrap().to_owned();
        assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
        let listed = run_json(db, &["webhook", "list", "--site", "acme"]);
        assert_eq!(listed["items"][0]["id"], id.as_str());
        let off =
            run_json(db, &["webhook", "update", "--site", "acme", "--id", &id, "--enabled", "off"]);
        assert_eq!(off["enabled"], false);
        let rotated = run_json(db, &["webhook", "rotate-secret", "--site", "acme", "--id", &id]);
        assert_ne!(rotated["secret"], created["secret"]);
        let attempts = run_json(db, &["webhook", "deliveries", "--site", "acme", "--id", &id]);
        assert_eq!(attempts["total"], 0);
        let run = run_json(db, &["jobs", "run", "webhooks"]);
        assert_eq!(run["webhooks"], 0, "{run}");
        // Plain http needs the operator's flag.
        let output = crate::cli::run(
            db,
            &["webhook", "create", "--site", "acme", "--url", "http://10.1.2.3/hook"],
        );
        crate::cli::assert_fails(&output, &["--webhook-allow-private"]);
        let allowed = run_json(
            db,
            &[
                "--webhook-allow-private",
                "webhook",
                "create",
                "--site",
                "acme",
                "--url",
                "http://10.1.2.3/hook",
            ],
        );
        assert_eq!(allowed["url"], "http://10.1.2.3/hook");
    }
}

/// History retention waits for the enabled webhooks; a switched-off one
/// does not hold it, and when it comes back the gap shows.
async fn retention_waits_for_enabled_webhooks(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    app.patch("/api/admin/sites/acme", json!({ "history_retention_days": 1 })).await;
    let receiver = Receiver::start().await;
    let (id, _) = webhook(&app, &receiver.url).await;
    let start = last_seq(&app).await;
    receiver.always(500);
    add_users(&app, &["ada"]).await;
    deliver(&app).await;
    app.clock.advance(SignedDuration::from_hours(48));
    let report = app.app.jobs().log_retention().await.unwrap();
    assert_eq!(report.history_deleted, 0, "the webhook has not delivered it yet");

    app.patch(&format!("{HOOKS}/{id}"), json!({ "enabled": false })).await;
    let report = app.app.jobs().log_retention().await.unwrap();
    assert_eq!(report.history_deleted, 1);
    receiver.recover();
    receiver.take();
    app.patch(&format!("{HOOKS}/{id}"), json!({ "enabled": true })).await;
    // Nothing left to send: the webhook moves past the deleted entry.
    assert_eq!(deliver(&app).await["events_delivered"], 0);
    assert!(receiver.take().is_empty());
    assert_eq!(app.get(&format!("{HOOKS}/{id}")).await.body["delivered_seq"], start + 1);
    add_users(&app, &["bob"]).await;
    deliver(&app).await;
    let body = receiver.take()[0].json();
    assert_eq!(body["previous_seq"], start + 1);
    assert_eq!(body["events"][0]["seq"], start + 2);
}

/// A receiver on HTTPS whose certificate the operator's own CA signed:
/// a delivery fails (recorded, nothing received) while roster trusts only
/// the system's roots, and goes through, signed, once it trusts that CA
/// (`--webhook-ca-file`).
async fn https_receivers_of_the_operators_own_ca(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let dir = tempfile::tempdir().unwrap();
    let pki = roster_ldap::testing::server_pki(dir.path());
    let receiver = Receiver::start_tls(
        &std::fs::read(&pki.certificate_file).unwrap(),
        &std::fs::read(&pki.key_file).unwrap(),
    )
    .await;
    assert!(receiver.url.starts_with("https://127.0.0.1:"), "{}", receiver.url);
    let (id, secret) = webhook(&app, &receiver.url).await;
    let start = last_seq(&app).await;
    add_users(&app, &["ada"]).await;

    // The test app trusts the system's roots only.
    let report = deliver(&app).await;
    assert_eq!(
        (report["failed"].as_u64(), report["events_delivered"].as_u64()),
        (Some(1), Some(0))
    );
    assert!(receiver.take().is_empty(), "refused in the handshake");
    let failed = &deliveries(&app, &id).await[0];
    assert_eq!(failed["outcome"], "failed", "{failed}");
    assert_eq!(failed["status"], Value::Null, "{failed}");
    let error = failed["error"].as_str().unwrap();
    assert!(error.contains("certificate") || error.contains("issuer"), "{error}");

    let config = AppConfig {
        public_url: Some(app.address.clone()),
        scim_log: false,
        webhook_allow_private: true,
        webhook_ca_pem: Some(pki.ca_pem.clone().into_bytes()),
        token_expiry_alert_days: roster_app::AlertDays::standard(),
    };
    let metadata = HttpMetadataClient::new(MetadataClientConfig { allow_private: true }).unwrap();
    let trusting =
        App::new(Context::new(app.store.clone(), app.clock.clone(), config, Arc::new(metadata)));
    app.clock.advance(SignedDuration::from_secs(10));
    let report = trusting.webhooks().run_due().await.unwrap();
    assert_eq!((report.failed, report.events_delivered), (0, 1), "{report:?}");
    let got = receiver.take();
    assert_eq!(got.len(), 1);
    assert!(got[0].signed_with(&secret), "{:?}", got[0]);
    assert_eq!(got[0].seqs(), vec![start + 1]);
    let recorded = deliveries(&app, &id).await;
    assert_eq!(
        (recorded[0]["outcome"].as_str(), recorded[0]["status"].as_u64()),
        (Some("delivered"), Some(200))
    );

    // A CA trusted that did not sign the receiver's certificate is no help.
    let config = AppConfig {
        public_url: None,
        scim_log: false,
        webhook_allow_private: true,
        webhook_ca_pem: Some(roster_ldap::testing::unrelated_ca_pem().into_bytes()),
        token_expiry_alert_days: roster_app::AlertDays::standard(),
    };
    let metadata = HttpMetadataClient::new(MetadataClientConfig { allow_private: true }).unwrap();
    let other =
        App::new(Context::new(app.store.clone(), app.clock.clone(), config, Arc::new(metadata)));
    add_users(&app, &["bob"]).await;
    assert_eq!(other.webhooks().run_due().await.unwrap().failed, 1);
    assert!(receiver.take().is_empty());
}

/// `--webhook-ca-file` naming a file that is missing, or holds no
/// certificate, or a broken one, stops the command with the reason.
async fn a_bad_webhook_ca_file_stops_the_command(backend: Backend) {
    let db = crate::helpers::fresh_database(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let broken = dir.path().join("broken.pem");
    std::fs::write(&broken, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        .unwrap();
    let good = dir.path().join("good.pem");
    std::fs::write(&good, roster_ldap::testing::unrelated_ca_pem()).unwrap();
    for (file, expected) in [
        (&missing, "cannot read --webhook-ca-file"),
        (&empty, "holds no PEM certificate"),
        (&broken, "cannot be used"),
    ] {
        let args = ["jobs", "run", "webhooks", "--webhook-ca-file", file.to_str().unwrap()];
        let refused = crate::cli::run(&db, &args);
        assert!(!refused.status.success(), "{file:?}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains(expected), "{file:?}: {stderr}");
        assert!(stderr.contains(file.to_str().unwrap()), "names the file: {stderr}");
    }
    let args = ["jobs", "run", "webhooks", "--webhook-ca-file", good.to_str().unwrap()];
    let ran = run_json(&db, &args);
    assert_eq!(ran["webhooks"], 0, "{ran}");
}

crate::on_both_databases!(
    https_receivers_of_the_operators_own_ca,
    a_bad_webhook_ca_file_stops_the_command,
    deliveries_are_signed_in_order_and_recorded,
    failures_back_off_then_switch_off_and_nothing_is_lost,
    rotation_signs_with_both_secrets_during_the_overlap,
    bad_input_is_refused_and_changes_nothing,
    private_destinations_need_the_operators_permission,
    the_readme_receiver_verifies_deliveries,
    cli_manages_webhooks,
    retention_waits_for_enabled_webhooks,
);
