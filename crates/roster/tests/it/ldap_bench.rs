//! The LDAP sync benchmark of issue 17 (not a test: ignored, run by
//! `scripts/bench-ldap.sh` in release): a full sync of 10,000 users in 100
//! groups (each user in two), then an incremental sync after 10 changes,
//! on SQLite, next to the directory's own read time for the same searches.

use std::time::Instant;

use roster_ldap::testing::Slapd;
use roster_ldap::{Connector, LdapConnector, Security};
use serde_json::json;

use crate::helpers::{Backend, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: scripts/bench-ldap.sh runs it in release"]
async fn ldap_sync_benchmark() {
    let users: usize =
        std::env::var("LDAP_BENCH_USERS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let slapd = Slapd::builder().bulk(users, 100, 2).start();
    let app = spawn_app(Backend::Sqlite).await;
    app.site("acme").await;
    let created = app
        .post(
            "/api/admin/sites/acme/providers",
            json!({ "kind": "okta", "name": "Directory", "ldap": {
                "host": slapd.address(), "security": "starttls", "ca_certificate": slapd.ca_pem(),
                "server_type": "openldap", "bind_username": slapd.sync_dn(),
                "bind_password": roster_ldap::testing::SYNC_PASSWORD, "base_dn": slapd.base_dn() } }),
        )
        .await;
    let provider =
        format!("/api/admin/sites/acme/providers/{}/sync", created.body["id"].as_str().unwrap());

    // The directory alone: the same searches, pages of 500.
    let mut config = slapd.config(Security::StartTls);
    config.page_size = 500;
    let started = Instant::now();
    let mut session = LdapConnector::new().connect(&config).await.unwrap();
    let read =
        (session.users(None).await.unwrap().len(), session.groups(None).await.unwrap().len());
    let directory = started.elapsed();
    session.close().await.unwrap();

    let started = Instant::now();
    let full = app.post(&provider, json!({ "full": true })).await;
    let full_time = started.elapsed();
    assert_eq!(full.body["users_created"], users, "{:?}", full.body);
    for i in 0..10 {
        slapd.replace(&slapd.user_dn(i * 7), "mail", &[&format!("changed{i}@corp.example")]);
    }
    let started = Instant::now();
    let incremental = app.post(&provider, json!({})).await;
    let incremental_time = started.elapsed();
    assert_eq!(incremental.body["full"], false, "{:?}", incremental.body);
    println!(
        "ldap sync benchmark: {users} users in 100 groups ({} users, {} groups read)\n\
         directory read alone: {:.3} s\nfull sync:            {:.3} s\n\
         incremental (10 changes): {:.3} s ({} users updated)",
        read.0,
        read.1,
        directory.as_secs_f64(),
        full_time.as_secs_f64(),
        incremental_time.as_secs_f64(),
        incremental.body["users_updated"],
    );
}
