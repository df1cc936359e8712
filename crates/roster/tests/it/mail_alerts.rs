//! SCIM token-expiry alerts end to end (issue 18, "Mail"): the job mails a
//! site's administrators through a real SMTP server (`smtp.rs`) 30, 7 and
//! 1 days before a credential expires (or at the days the operator
//! configured), on the test clock; each alert once,
//! however often and however many instances run it; a reset credential
//! gets its own; no recipient, SMTP down and mail off are recorded, and a
//! failed alert is delivered at a later run.

use std::sync::Arc;

use jiff::{SignedDuration, ToSpan};
use reqwest::StatusCode;
use roster_app::{
    App, AppConfig, Clock, Context, HttpMetadataClient, MailError, Mailer, MetadataClientConfig,
    OutgoingMail, SmtpConfig, SmtpMailer, SmtpSecurity,
};
use roster_domain::SiteId;
use roster_store::{AlertRecord, AlertStatus, MailAlertRepo, StoreConfig};
use serde_json::{Value, json};

use crate::cli::{assert_fails, run, run_json};
use crate::helpers::{Backend, TestApp, spawn_app, spawn_app_with_mailer};
use crate::smtp::{Delivered, FROM, SmtpServer};

const DAY: SignedDuration = SignedDuration::from_hours(24);

/// A site `acme` ("Acme Corp") whose administrators are `ada` and `alan`,
/// with users who must not get alerts: a disabled admin, an admin without
/// an e-mail, a read-only admin and a plain user.
pub(crate) async fn site_with_admins(app: &TestApp) {
    app.site("acme").await;
    let renamed = app.patch("/api/admin/sites/acme", json!({ "name": "Acme Corp" })).await;
    assert_eq!(renamed.status, StatusCode::OK, "{renamed:?}");
    for user in [
        json!({ "username": "ada", "email": "ada@acme.test", "site_admin": true }),
        json!({ "username": "alan", "email": "alan@acme.test", "site_admin": true }),
        json!({ "username": "gone", "email": "gone@acme.test", "site_admin": true, "enabled": false }),
        json!({ "username": "nomail", "site_admin": true }),
        json!({ "username": "reader", "email": "reader@acme.test", "readonly_site_admin": true }),
        json!({ "username": "plain", "email": "plain@acme.test" }),
    ] {
        app.user("acme", user).await;
    }
}

/// Moves the test clock forward to the next 06:00 UTC. The tests count
/// days to a credential's expiry (midnight UTC) and step the clock by days
/// and hours; from a fixed time of day those steps never cross a midnight
/// they did not mean to, whenever the suite runs.
fn six_in_the_morning(app: &TestApp) {
    let now = app.clock.now();
    let today = now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let mut six =
        today.at(6, 0, 0, 0).to_zoned_datetime(jiff::tz::TimeZone::UTC).unwrap().timestamp();
    if six <= now {
        six = six.checked_add(DAY).unwrap();
    }
    app.clock.advance(six.duration_since(now));
}

/// A provider `name` of `acme` with a SCIM token that expires at the
/// start of the day `days` days from the test clock's now (so between
/// `days - 1` and `days` days from now); returns its admin path.
async fn provider_expiring(app: &TestApp, name: &str, days: i64) -> String {
    let created =
        app.post("/api/admin/sites/acme/providers", json!({ "kind": "okta", "name": name })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let path = format!("/api/admin/sites/acme/providers/{}", created.body["id"].as_str().unwrap());
    set_token(app, &path, days, false).await;
    path
}

async fn set_token(app: &TestApp, provider: &str, days: i64, reset: bool) {
    let day =
        app.clock.now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date().checked_add(days.days());
    let body = json!({ "auth": "token", "expires": day.unwrap().to_string(), "reset": reset });
    let set = app.post(&format!("{provider}/scim"), body).await;
    assert_eq!(set.status, StatusCode::OK, "{set:?}");
}

/// Runs the job at the test clock's now; returns its report.
async fn run_job(app: &TestApp) -> Value {
    serde_json::to_value(app.app.jobs().token_expiry().await.unwrap()).unwrap()
}

fn alerts_of(report: &Value) -> Vec<Value> {
    report["alerts"].as_array().unwrap().clone()
}

/// The site's recorded alerts, newest first.
pub(crate) async fn recorded(app: &TestApp) -> Vec<AlertRecord> {
    let site = app.get("/api/admin/sites/acme").await;
    let site = SiteId::from_raw(site.body["id"].as_str().unwrap().to_owned());
    let mut tx = app.store.read().await.unwrap();
    tx.mail_alerts(&site, 100).await.unwrap()
}

/// Checks one token alert as a mail client shows it.
#[track_caller]
fn assert_token_mail(mail: &Delivered, app: &TestApp, provider: &str, days: i64) {
    assert_eq!(mail.rcpt_tos, ["ada@acme.test", "alan@acme.test"], "{mail:#?}");
    assert_eq!(mail.mail_from, "roster@roster.test");
    assert_eq!(mail.header("From"), [FROM]);
    assert!(mail.header("Message-ID")[0].ends_with("@roster.test>"), "{mail:#?}");
    assert_eq!(mail.header("Date").len(), 1, "{mail:#?}");
    let unit = if days == 1 { "day" } else { "days" };
    assert_eq!(
        mail.subject(),
        format!(
            "roster: the SCIM credential of \"{provider}\" on \"Acme Corp\" (acme) expires in \
             {days} {unit}"
        )
    );
    let body = &mail.body;
    assert!(body.contains(&format!("identity provider \"{provider}\" on the site \"Acme Corp\"")));
    assert!(body.contains(&format!(", in {days} {unit}.")), "{body}");
    assert!(body.contains(" 00:00 UTC, in "), "{body}");
    assert!(body.contains(&format!("  {}/admin\n", app.address)), "{body}");
    assert!(body.contains(&format!("--provider '{provider}' --auth token --reset")), "{body}");
    assert!(mail.header("Content-Type")[0].starts_with("text/plain"), "{mail:#?}");
}

async fn alerts_arrive_once_at_each_threshold(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = spawn_app_with_mailer(backend, Some(smtp.mailer())).await;
    six_in_the_morning(&app);
    site_with_admins(&app).await;
    provider_expiring(&app, "Okta", 40).await;

    // 39 to 40 days ahead: nothing yet.
    assert!(alerts_of(&run_job(&app).await).is_empty());
    let mut expected = 0;
    for (advance, days) in [(10, 30), (23, 7), (6, 1)] {
        app.clock.advance(DAY * advance);
        let report = run_job(&app).await;
        let alerts = alerts_of(&report);
        assert_eq!(alerts.len(), 1, "{report}");
        assert_eq!(alerts[0]["days_before"], days, "{report}");
        assert_eq!(alerts[0]["outcome"], "sent", "{report}");
        assert_eq!(alerts[0]["recipients"], json!(["ada@acme.test", "alan@acme.test"]));
        expected += 1;
        let messages = smtp.messages();
        assert_eq!(messages.len(), expected);
        assert_token_mail(&messages[expected - 1], &app, "Okta", days);
        // Again at once, and later the same day: nothing new.
        assert!(alerts_of(&run_job(&app).await).is_empty());
        app.clock.advance(SignedDuration::from_hours(2));
        assert!(alerts_of(&run_job(&app).await).is_empty());
        assert_eq!(smtp.messages().len(), expected);
    }
    // Expired: no more alerts.
    app.clock.advance(DAY * 2);
    assert_eq!(run_job(&app).await["checked"], 0);
    assert_eq!(smtp.messages().len(), 3);
    let records = recorded(&app).await;
    assert_eq!(records.len(), 3);
    for record in &records {
        assert_eq!((record.status, record.attempts), (AlertStatus::Sent, 1), "{record:?}");
        assert_eq!(record.kind, "scim_token_expiry");
        assert_eq!(record.recipients, "ada@acme.test, alan@acme.test");
    }
}

/// Thresholds the operator chose (`--token-expiry-alert-days 14,3`): an
/// alert at each of them, once, to the real SMTP listener, and none at the
/// default days; a bad value stops the command naming the option.
async fn configured_thresholds_are_mailed_once_each(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = spawn_app(backend).await;
    six_in_the_morning(&app);
    site_with_admins(&app).await;
    provider_expiring(&app, "Okta", 20).await;
    let metadata = HttpMetadataClient::new(MetadataClientConfig { allow_private: true }).unwrap();
    let settings = AppConfig {
        public_url: Some(app.address.clone()),
        scim_log: false,
        webhook_allow_private: false,
        webhook_ca_pem: None,
        token_expiry_alert_days: roster_app::AlertDays::parse("3,14").unwrap(),
    };
    let clock: Arc<dyn Clock> = app.clock.clone();
    let custom = App::new(
        Context::new(app.store.clone(), clock, settings, Arc::new(metadata))
            .with_mailer(smtp.mailer()),
    );
    let run_custom =
        async || serde_json::to_value(custom.jobs().token_expiry().await.unwrap()).unwrap();

    // 19 to 20 days ahead: past 30 days, which is not one of these.
    assert!(alerts_of(&run_custom().await).is_empty());
    let mut expected = 0;
    for (advance, days) in [(6, 14), (11, 3)] {
        // Just before: nothing (7 days ahead is not a threshold either).
        app.clock.advance(DAY * (advance - 1));
        assert!(alerts_of(&run_custom().await).is_empty(), "before the {days}-day threshold");
        app.clock.advance(DAY);
        let report = run_custom().await;
        let alerts = alerts_of(&report);
        assert_eq!(alerts.len(), 1, "{report}");
        assert_eq!(alerts[0]["days_before"], days, "{report}");
        assert_eq!(alerts[0]["outcome"], "sent", "{report}");
        expected += 1;
        let messages = smtp.messages();
        assert_eq!(messages.len(), expected);
        assert_token_mail(&messages[expected - 1], &app, "Okta", days);
        let body = &messages[expected - 1].body;
        assert!(body.contains("Reminders go out 14 and 3 days before"), "{body}");
        // Once: again now and later the same day, nothing new.
        assert!(alerts_of(&run_custom().await).is_empty());
        app.clock.advance(SignedDuration::from_hours(2));
        assert!(alerts_of(&run_custom().await).is_empty());
        assert_eq!(smtp.messages().len(), expected);
    }
    let records = recorded(&app).await;
    assert_eq!(records.len(), 2, "{records:?}");
    assert!(records.iter().all(|record| record.status == AlertStatus::Sent), "{records:?}");

    let db = &app._database;
    for (value, words) in [("0,7", "from 1 to 365"), ("7,7", "given twice"), ("soon", "\"soon\"")] {
        let refused = run(db, &["jobs", "run", "token-expiry", "--token-expiry-alert-days", value]);
        assert!(!refused.status.success() && refused.stdout.is_empty(), "{refused:?}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains("--token-expiry-alert-days") && stderr.contains(words), "{stderr}");
    }
    assert_eq!(smtp.messages().len(), 2, "nothing sent by a refused command");
}

async fn two_instances_send_each_alert_once(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = spawn_app_with_mailer(backend, Some(smtp.mailer())).await;
    six_in_the_morning(&app);
    site_with_admins(&app).await;
    for name in ["Okta", "Entra", "Duo"] {
        provider_expiring(&app, name, 20).await;
    }
    // A second instance: its own connections to the same database, its
    // own mailer, the same clock.
    let store = roster_store::connect(&app._database.config).await.unwrap();
    let metadata = HttpMetadataClient::new(MetadataClientConfig { allow_private: true }).unwrap();
    let settings = AppConfig {
        public_url: Some(app.address.clone()),
        scim_log: false,
        webhook_allow_private: false,
        webhook_ca_pem: None,
        token_expiry_alert_days: roster_app::AlertDays::standard(),
    };
    let clock: Arc<dyn Clock> = app.clock.clone();
    let other = App::new(
        Context::new(store, clock, settings, Arc::new(metadata)).with_mailer(smtp.mailer()),
    );
    let both = || {
        [app.app.clone(), other.clone()]
            .map(|app| tokio::spawn(async move { app.jobs().token_expiry().await.unwrap() }))
    };
    let [first, second] = both();
    let (first, second) = (first.await.unwrap(), second.await.unwrap());
    let sent = first.alerts.len() + second.alerts.len();
    assert_eq!(sent, 3, "each credential's alert sent by one instance");
    let [first, second] = both();
    assert!(first.await.unwrap().alerts.is_empty() && second.await.unwrap().alerts.is_empty());
    let mut subjects: Vec<String> =
        smtp.messages().iter().map(|mail| mail.subject().to_owned()).collect();
    subjects.sort();
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    for (subject, name) in subjects.iter().zip(["Duo", "Entra", "Okta"]) {
        assert!(subject.contains(&format!("\"{name}\"")), "{subject}");
    }
}

async fn a_reset_credential_gets_its_own_alerts_and_only_the_nearest(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = spawn_app_with_mailer(backend, Some(smtp.mailer())).await;
    six_in_the_morning(&app);
    site_with_admins(&app).await;
    // First seen 4 to 5 days before expiry: the 7-day alert only.
    let okta = provider_expiring(&app, "Okta", 5).await;
    let report = run_job(&app).await;
    let alerts = alerts_of(&report);
    assert_eq!(alerts.len(), 1, "{report}");
    assert_eq!(alerts[0]["days_before"], 7);
    assert_token_mail(&smtp.messages()[0], &app, "Okta", 5);

    // A new secret with the same expiry is another credential.
    set_token(&app, &okta, 5, true).await;
    let report = run_job(&app).await;
    assert_eq!(alerts_of(&report).len(), 1, "{report}");
    assert_eq!(alerts_of(&report)[0]["days_before"], 7);
    assert_eq!(smtp.messages().len(), 2);
    // Moving the expiry of the same secret keeps its alerts.
    set_token(&app, &okta, 6, false).await;
    assert!(alerts_of(&run_job(&app).await).is_empty());
    // Its 1-day alert still comes.
    app.clock.advance(DAY * 5);
    let report = run_job(&app).await;
    assert_eq!(alerts_of(&report)[0]["days_before"], 1, "{report}");
    assert_eq!(smtp.messages().len(), 3);
}

async fn without_recipients_the_alert_is_recorded_not_sent(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = spawn_app_with_mailer(backend, Some(smtp.mailer())).await;
    six_in_the_morning(&app);
    app.site("acme").await;
    app.user("acme", json!({ "username": "nomail", "site_admin": true })).await;
    app.user("acme", json!({ "username": "plain", "email": "plain@acme.test" })).await;
    provider_expiring(&app, "Okta", 3).await;
    let report = run_job(&app).await;
    let alerts = alerts_of(&report);
    assert_eq!(alerts.len(), 1, "{report}");
    assert_eq!(alerts[0]["outcome"], "no_recipient");
    assert_eq!(alerts[0]["recipients"], json!([]));
    assert!(alerts_of(&run_job(&app).await).is_empty(), "recorded once");
    assert!(smtp.messages().is_empty());
    let records = recorded(&app).await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].status, AlertStatus::NoRecipient);
    assert!(records[0].subject.contains("expires in 3 days"), "{:?}", records[0]);
}

async fn a_failed_alert_is_retried_and_then_sent_once(backend: Backend) {
    let mut smtp = SmtpServer::start();
    let app = spawn_app_with_mailer(backend, Some(smtp.mailer())).await;
    six_in_the_morning(&app);
    site_with_admins(&app).await;
    provider_expiring(&app, "Okta", 20).await;
    smtp.stop();
    for attempt in 1..=2 {
        let report = run_job(&app).await;
        let alerts = alerts_of(&report);
        assert_eq!(alerts.len(), 1, "{report}");
        assert_eq!(alerts[0]["outcome"], "failed", "{report}");
        assert!(alerts[0]["error"].as_str().unwrap().contains("SMTP server"), "{report}");
        let records = recorded(&app).await;
        assert_eq!((records[0].status, records[0].attempts), (AlertStatus::Failed, attempt));
        assert!(records[0].error.is_some());
    }
    smtp.restart();
    let report = run_job(&app).await;
    assert_eq!(alerts_of(&report)[0]["outcome"], "sent", "{report}");
    assert!(alerts_of(&run_job(&app).await).is_empty());
    assert_eq!(smtp.messages().len(), 1);
    assert_token_mail(&smtp.messages()[0], &app, "Okta", 20);
    let records = recorded(&app).await;
    assert_eq!(
        (records[0].status, records[0].attempts, &records[0].error),
        (AlertStatus::Sent, 3, &None)
    );
}

async fn without_an_smtp_host_mail_is_off(backend: Backend) {
    let app = spawn_app(backend).await;
    six_in_the_morning(&app);
    site_with_admins(&app).await;
    provider_expiring(&app, "Okta", 7).await;
    let report = run_job(&app).await;
    assert_eq!(alerts_of(&report)[0]["outcome"], "mail_off", "{report}");
    assert!(alerts_of(&run_job(&app).await).is_empty());
    assert_eq!(recorded(&app).await[0].status, AlertStatus::MailOff);
}

async fn the_cli_runs_the_job_with_the_smtp_flags(backend: Backend) {
    let smtp = SmtpServer::start_with_login("roster", "s3cret pass");
    let app = spawn_app(backend).await;
    six_in_the_morning(&app);
    site_with_admins(&app).await;
    provider_expiring(&app, "Okta", 3).await;
    let db = &app._database;
    let password = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(password.path(), "s3cret pass\n").unwrap();
    // `roster jobs run token-expiry` with these flags (space-separated).
    let job = |flags: &str| -> Vec<String> {
        let line = format!("jobs run token-expiry {flags}");
        line.split_whitespace().map(str::to_owned).collect()
    };
    let flags = job(&format!(
        "--smtp-host 127.0.0.1 --smtp-port {} --smtp-security plain --smtp-username roster \
         --smtp-password-file {} --smtp-from roster@roster.test --public-url https://id.acme.test",
        smtp.port,
        password.path().display()
    ));
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    // A wrong password: the alert fails and is recorded.
    std::fs::write(password.path(), "wrong").unwrap();
    let output = run(db, &flags);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("acme\tOkta\t7 days before") && stdout.contains("failed"), "{stdout}");
    assert!(smtp.messages().is_empty());
    // The right one: sent, and printed as JSON.
    std::fs::write(password.path(), "s3cret pass\n").unwrap();
    let report = run_json(db, &flags);
    assert_eq!(report["alerts"][0]["outcome"], "sent", "{report}");
    assert_eq!(report["alerts"][0]["recipients"], json!(["ada@acme.test", "alan@acme.test"]));
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1);
    assert!(messages[0].body.contains("  https://id.acme.test/admin\n"), "{}", messages[0].body);
    // Nothing is sent twice.
    assert_eq!(run_json(db, &flags)["alerts"], json!([]));
    // Settings that cannot work are refused before anything runs.
    for (flags, words) in [
        (
            format!(
                "--smtp-host mail.acme.test --smtp-security plain --smtp-username roster \
                 --smtp-password-file {} --smtp-from roster@roster.test",
                password.path().display()
            ),
            "in clear",
        ),
        ("--smtp-host 127.0.0.1 --smtp-from roster".to_owned(), "not an e-mail address"),
        ("--smtp-host 127.0.0.1".to_owned(), "--smtp-from is required"),
    ] {
        let args = job(&flags);
        let refused = run(db, &args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_fails(&refused, &[words]);
    }
}

/// Writes names no API accepts straight into the database, as a
/// corrupted or hostile row would hold them.
async fn write_raw_names(app: &TestApp, site_name: &str, provider_name: &str) {
    sqlx::any::install_default_drivers();
    let url = match &app._database.config {
        StoreConfig::Sqlite { path } => format!("sqlite://{}", path.display()),
        StoreConfig::Postgres { url, .. } => url.expose().to_owned(),
    };
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await.unwrap();
    sqlx::query("UPDATE sites SET name = $1 WHERE slug = 'acme'")
        .bind(site_name)
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("UPDATE providers SET name = $1")
        .bind(provider_name)
        .execute(&mut conn)
        .await
        .unwrap();
}

async fn names_with_line_breaks_cannot_add_headers(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = spawn_app_with_mailer(backend, Some(smtp.mailer())).await;
    six_in_the_morning(&app);
    site_with_admins(&app).await;
    provider_expiring(&app, "Okta", 3).await;
    write_raw_names(
        &app,
        "Acme\nX-Injected: yes",
        "Okta\r\nBcc: evil@evil.test\r\n\r\nA body of its own",
    )
    .await;
    let report = run_job(&app).await;
    assert_eq!(alerts_of(&report)[0]["outcome"], "sent", "{report}");
    let mail = &smtp.messages()[0];
    assert_eq!(mail.rcpt_tos, ["ada@acme.test", "alan@acme.test"], "no Bcc recipient");
    assert!(mail.header("Bcc").is_empty() && mail.header("X-Injected").is_empty(), "{mail:#?}");
    let head = mail.data.split("\r\n\r\n").next().unwrap();
    assert!(!head.lines().any(|line| line.starts_with("Bcc") || line.starts_with("X-Injected")));
    assert_eq!(
        mail.subject(),
        "roster: the SCIM credential of \"Okta  Bcc: evil@evil.test    A body of its own\" on \
         \"Acme X-Injected: yes\" (acme) expires in 3 days"
    );
    assert!(mail.body.contains("provider \"Okta  Bcc: evil@evil.test    A body of its own\""));
}

/// STARTTLS and TLS against a server whose certificate only the given CA
/// vouches for: delivered with `ca_pem` (`--smtp-ca-file`), refused
/// without it (verification cannot be skipped), and a STARTTLS server
/// refuses a plain client.
async fn tls_is_verified_with_the_configured_ca(backend: Backend) {
    for security in [SmtpSecurity::StartTls, SmtpSecurity::Tls] {
        let smtp = SmtpServer::start_secured(security);
        let untrusted = SmtpMailer::new(smtp.config()).unwrap();
        let plain = SmtpMailer::new(SmtpConfig { security: SmtpSecurity::Plain, ..smtp.config() });
        let trusted = SmtpMailer::new(SmtpConfig { ca_pem: Some(smtp.ca_pem()), ..smtp.config() });
        let mail = OutgoingMail::new(vec!["ada@acme.test".into()], "Hello", "Over TLS.\n".into());
        let refused = untrusted.send(&mail).await.unwrap_err();
        assert!(matches!(refused, MailError::Transport(_)), "{security:?}: {refused:?}");
        assert!(plain.unwrap().send(&mail).await.is_err(), "{security:?}: plain refused");
        assert!(smtp.messages().is_empty());
        trusted.unwrap().send(&mail).await.unwrap();
        let messages = smtp.messages();
        assert_eq!(messages.len(), 1, "{security:?}");
        assert_eq!((messages[0].subject(), messages[0].body.trim_end()), ("Hello", "Over TLS."));
    }
    // Through the job as well, on this backend.
    let smtp = SmtpServer::start_secured(SmtpSecurity::StartTls);
    let mailer = SmtpMailer::new(SmtpConfig { ca_pem: Some(smtp.ca_pem()), ..smtp.config() });
    let app = spawn_app_with_mailer(backend, Some(Arc::new(mailer.unwrap()))).await;
    six_in_the_morning(&app);
    site_with_admins(&app).await;
    provider_expiring(&app, "Okta", 3).await;
    assert_eq!(alerts_of(&run_job(&app).await)[0]["outcome"], "sent");
    assert_token_mail(&smtp.messages()[0], &app, "Okta", 3);
}

crate::on_both_databases!(
    tls_is_verified_with_the_configured_ca,
    names_with_line_breaks_cannot_add_headers,
    alerts_arrive_once_at_each_threshold,
    configured_thresholds_are_mailed_once_each,
    two_instances_send_each_alert_once,
    a_reset_credential_gets_its_own_alerts_and_only_the_nearest,
    without_recipients_the_alert_is_recorded_not_sent,
    a_failed_alert_is_retried_and_then_sent_once,
    without_an_smtp_host_mail_is_off,
    the_cli_runs_the_job_with_the_smtp_flags,
);
