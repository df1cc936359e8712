//! Connecting and binding: each kind of connection security, refusals,
//! and the backup host.

use std::net::TcpListener;
use std::time::Duration;

use roster_ldap::testing::{SYNC_PASSWORD, Slapd, unrelated_ca_pem};
use roster_ldap::{LdapError, Security};

use super::{connect, refusal};

#[tokio::test]
async fn binds_as_the_sync_account_over_plain_starttls_and_ldaps() {
    let slapd = Slapd::builder().bulk(3, 1, 1).start();
    for security in [Security::Plain, Security::StartTls, Security::Ldaps] {
        let config = slapd.config(security);
        let mut session = connect(&config).await;
        assert_eq!(session.served_by(), config.host);
        assert_eq!(session.users(None).await.unwrap().len(), 3, "{security:?}");
        session.close().await.unwrap();
    }
    // The certificate names localhost too.
    let mut config = slapd.config(Security::Ldaps);
    config.host = config.host.replace("127.0.0.1", "localhost");
    let session = connect(&config).await;
    assert!(session.served_by().starts_with("localhost:"));
}

#[tokio::test]
async fn a_wrong_password_is_refused_never_shown_and_the_backup_is_not_tried() {
    let slapd = Slapd::start();
    let backup = TcpListener::bind("127.0.0.1:0").unwrap();
    backup.set_nonblocking(true).unwrap();
    let mut config = slapd.config(Security::StartTls);
    config.bind_password = "wrong-Pa55word-never-shown".into();
    config.backup_host = Some(backup.local_addr().unwrap().to_string());
    match refusal(&config).await {
        LdapError::BindRefused(message) => {
            assert!(message.contains("invalidCredentials (49)"), "{message}");
            assert!(message.contains(&slapd.address()), "{message}");
            assert!(!message.contains("never-shown"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // A refused bind is final: the backup never saw a connection.
    assert!(backup.accept().is_err());

    let mut unknown = slapd.config(Security::Plain);
    unknown.bind_dn = format!("cn=nobody,{}", slapd.base_dn());
    assert!(matches!(refusal(&unknown).await, LdapError::BindRefused(_)));
}

#[tokio::test]
async fn tls_is_refused_unless_the_fixture_ca_is_trusted() {
    let slapd = Slapd::start();
    for security in [Security::Ldaps, Security::StartTls] {
        for ca in [Some(unrelated_ca_pem()), None] {
            let mut config = slapd.config(security);
            config.ca_certificates_pem = ca;
            match refusal(&config).await {
                LdapError::Unreachable(message) => {
                    assert!(
                        message.contains("invalid peer certificate"),
                        "{security:?}: {message}"
                    );
                    assert!(!message.contains(SYNC_PASSWORD), "{message}");
                }
                other => panic!("{security:?}: {other:?}"),
            }
        }
        // One PEM text may hold several CAs.
        let mut config = slapd.config(security);
        config.ca_certificates_pem = Some(format!("{}{}", unrelated_ca_pem(), slapd.ca_pem()));
        connect(&config).await.close().await.unwrap();
    }
}

#[tokio::test]
async fn the_backup_serves_when_the_primary_is_stopped() {
    let primary = Slapd::builder().bulk(2, 1, 1).start();
    let backup = Slapd::builder().bulk(5, 1, 1).start();
    for security in [Security::Ldaps, Security::StartTls] {
        let mut config = primary.config(security);
        let backup_config = backup.config(security);
        config.backup_host = Some(backup_config.host.clone());
        config.ca_certificates_pem = Some(format!("{}{}", primary.ca_pem(), backup.ca_pem()));

        if !primary.is_running() {
            primary.restart();
        }
        let mut session = connect(&config).await;
        assert_eq!(session.served_by(), config.host);
        assert_eq!(session.users(None).await.unwrap().len(), 2);
        session.close().await.unwrap();

        primary.stop();
        let mut session = connect(&config).await;
        assert_eq!(session.served_by(), backup_config.host, "{security:?}");
        assert_eq!(session.users(None).await.unwrap().len(), 5);
        session.close().await.unwrap();

        backup.stop();
        match refusal(&config).await {
            LdapError::Unreachable(message) => {
                assert!(message.contains(&config.host), "{message}");
                assert!(message.contains(&format!("backup {}", backup_config.host)), "{message}");
            }
            other => panic!("{other:?}"),
        }
        backup.restart();
    }
}

#[tokio::test]
async fn a_primary_that_never_answers_times_out_to_the_backup() {
    let backup = Slapd::start();
    // The kernel completes the handshake into the backlog; nothing answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut config = backup.config(Security::Plain);
    config.host = silent.local_addr().unwrap().to_string();
    config.backup_host = Some(backup.address());
    config.timeout = Duration::from_millis(300);
    let session = connect(&config).await;
    assert_eq!(session.served_by(), backup.address());

    config.backup_host = None;
    match refusal(&config).await {
        LdapError::Unreachable(message) => assert!(message.contains("timeout"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn settings_that_cannot_work_fail_before_any_connection() {
    let slapd = Slapd::start();
    let mut config = slapd.config(Security::Plain);
    slapd.stop();
    config.user_filter = Some("(mail=*".into());
    match refusal(&config).await {
        LdapError::Settings(message) => assert!(message.contains("user filter"), "{message}"),
        other => panic!("{other:?}"),
    }
    config.user_filter = None;
    config.group_filter = Some("(cn=a)(cn=b)".into());
    assert!(matches!(refusal(&config).await, LdapError::Settings(_)));
    config.group_filter = None;
    config.bind_password = String::new();
    assert!(matches!(refusal(&config).await, LdapError::Settings(_)));
}
