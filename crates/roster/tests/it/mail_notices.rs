//! The notices to a site's administrators, through a real SMTP server
//! (`smtp.rs`): LDAP provisioning that switched itself off after repeated
//! failed syncs (once per switch-off), and SAML metadata that fails to
//! refresh (once per failure streak, not at every retry).

use jiff::SignedDuration;
use reqwest::StatusCode;
use roster_store::AlertStatus;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app_with_mailer};
use crate::mail_alerts::{recorded, site_with_admins};
use crate::metadata_server::{Answer, MetadataServer};
use crate::saml_idp::SamlIdp;
use crate::smtp::SmtpServer;

async fn sync(app: &TestApp, provider: &str) -> Value {
    let ran = app.post(&format!("{provider}/sync"), json!({ "full": false })).await;
    assert_eq!(ran.status, StatusCode::OK, "{ran:?}");
    ran.body
}

async fn ldap_switch_off_is_told_once(backend: Backend) {
    let mut smtp = SmtpServer::start();
    let app = spawn_app_with_mailer(backend, Some(smtp.mailer())).await;
    site_with_admins(&app).await;
    // A directory that cannot be reached: a port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let ldap = json!({ "host": closed.to_string(), "security": "plain", "server_type": "openldap",
                       "base_dn": "dc=acme,dc=test", "bind_username": "cn=sync,dc=acme,dc=test",
                       "bind_password": "unused", "failure_threshold": 2 });
    let created = app
        .post(
            "/api/admin/sites/acme/providers",
            json!({ "kind": "ldap", "name": "Directory", "ldap": ldap }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let provider =
        format!("/api/admin/sites/acme/providers/{}", created.body["id"].as_str().unwrap());

    for round in 1..=2 {
        let failed = sync(&app, &provider).await;
        assert!(failed["failure"].as_str().unwrap().contains("cannot reach"), "{failed}");
        assert!(smtp.messages().len() < round, "not before the threshold");
        sync(&app, &provider).await;
        let shown = app.get(&provider).await;
        assert_eq!(shown.body["ldap"]["enabled"], false, "{shown:?}");
        let refused = app.post(&format!("{provider}/sync"), json!({})).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{refused:?}");
        let messages = smtp.messages();
        assert_eq!(messages.len(), round, "one notice per switch-off");
        let mail = &messages[round - 1];
        assert_eq!(mail.rcpt_tos, ["ada@acme.test", "alan@acme.test"]);
        assert_eq!(
            mail.subject(),
            "roster: LDAP provisioning of \"Directory\" on \"Acme Corp\" (acme) switched itself off"
        );
        assert!(mail.body.contains("after 2 failed syncs in a row"), "{}", mail.body);
        assert!(mail.body.contains("The last failure: ") && mail.body.contains("cannot reach"));
        assert!(mail.body.contains("--site 'acme' --provider 'Directory' --enabled on"));
        assert!(mail.body.contains(&format!("  {}/admin\n", app.address)));
        // Switched on again: the failures are forgiven and counted anew.
        let on = app.patch(&provider, json!({ "ldap": { "enabled": true } })).await;
        assert_eq!(on.status, StatusCode::OK, "{on:?}");
        app.clock.advance(SignedDuration::from_secs(1));
    }
    // With the SMTP server down, the notice fails; the token-expiry job
    // (the schedule's mail job) sends it again, once.
    smtp.stop();
    sync(&app, &provider).await;
    sync(&app, &provider).await;
    assert_eq!(recorded(&app).await[0].status, AlertStatus::Failed);
    smtp.restart();
    let report = app.app.jobs().token_expiry().await.unwrap();
    assert_eq!(report.notices_retried.len(), 1, "{report:?}");
    assert!(app.app.jobs().token_expiry().await.unwrap().notices_retried.is_empty());
    let messages = smtp.messages();
    assert_eq!(messages.len(), 3);
    assert_eq!(messages[2].subject(), messages[0].subject());
    let records = recorded(&app).await;
    assert_eq!(records.len(), 3);
    assert!(records.iter().all(|r| r.status == AlertStatus::Sent && r.kind == "ldap_switched_off"));
}

async fn a_failing_metadata_refresh_is_told_once_per_streak(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = spawn_app_with_mailer(backend, Some(smtp.mailer())).await;
    site_with_admins(&app).await;
    let server = MetadataServer::start().await;
    let idp = SamlIdp::new();
    server.answer("/md", Answer::Document(idp.metadata()));
    let url = server.url("/md");
    let created = app
        .post(
            "/api/admin/sites/acme/providers",
            json!({ "kind": "okta", "name": "Okta",
                    "saml": { "trust": "metadata_url", "metadata_url": url } }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let refresh = || async { app.app.jobs().saml_metadata().await.unwrap() };

    for streak in 1..=2 {
        app.clock.advance(SignedDuration::from_hours(25));
        server.answer("/md", Answer::Status(500));
        for _retry in 0..3 {
            assert_eq!(refresh().await.failed, 1);
            app.clock.advance(SignedDuration::from_mins(15));
        }
        let messages = smtp.messages();
        assert_eq!(messages.len(), streak, "one notice per failure streak");
        let mail = &messages[streak - 1];
        assert_eq!(mail.rcpt_tos, ["ada@acme.test", "alan@acme.test"]);
        assert_eq!(
            mail.subject(),
            "roster: the SAML metadata of \"Okta\" on \"Acme Corp\" (acme) cannot be refreshed"
        );
        assert!(mail.body.contains(&format!("from {url} at ")), "{}", mail.body);
        assert!(
            mail.body.contains("The error: ") && mail.body.contains("HTTP 500"),
            "{}",
            mail.body
        );
        assert!(mail.body.contains("Sign-in keeps working with the last good metadata, fetched"));
        // It works again: the streak ends.
        server.answer("/md", Answer::Document(idp.metadata()));
        assert_eq!(refresh().await.refreshed, 1);
    }
    assert_eq!(smtp.messages().len(), 2);
}

crate::on_both_databases!(
    ldap_switch_off_is_told_once,
    a_failing_metadata_refresh_is_told_once_per_streak
);
