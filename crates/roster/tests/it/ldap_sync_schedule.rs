//! The LDAP sync over time and around it, against a real OpenLDAP
//! `slapd`: the scheduled job (`run_due`, the job function of SPEC §6)
//! runs each provider at its interval and a full reconcile at least daily
//! between incremental syncs; a killed run's lease expires and the next
//! run proceeds, and a run that outlasted its lease applies nothing; a provider whose LDAP provisioning is switched off or
//! removed keeps its users, who still sign in; and the bind password is
//! never shown by the admin API nor written to the logs.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::SignedDuration;
use reqwest::StatusCode;
use roster_app::Clock;
use roster_domain::{ProviderId, SiteSlug};
use roster_ldap::testing::{SYNC_PASSWORD, Slapd};
use roster_store::{LdapSyncRepo, SiteRepo, Transaction};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::ldap_sync::{provider, sync, users};
use crate::password_signin::sign_in;

/// The scheduled job once, at the test clock's now: the report of each
/// provider it synced.
async fn run_due(app: &TestApp) -> Vec<roster_app::sync::SyncReport> {
    let outcomes = app.app.sync().run_due().await.unwrap();
    outcomes
        .into_iter()
        .map(|due| match due.report {
            Some(report) => report,
            None => panic!("not synced: {:?}", due.skipped),
        })
        .collect()
}

/// Each provider at its interval; incremental syncs in between, and a
/// full one (which alone sees deletions) once a day has passed since the
/// last full one, though incremental ones ran meanwhile.
async fn a_full_reconcile_runs_daily_between_incremental_syncs(backend: Backend) {
    let slapd = Slapd::builder().bulk(5, 1, 1).start();
    let app = spawn_app(backend).await;
    let options = json!({ "deprovision_users": true, "deprovisioning_method": "disable" });
    let provider = provider(&app, &slapd, options).await;
    let every = app.patch(&provider, json!({ "ldap": { "interval": "6h" } })).await;
    assert_eq!(every.status, StatusCode::OK, "{every:?}");

    let first = run_due(&app).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(first[0].full && first[0].users_created == 5, "{first:?}");
    assert!(run_due(&app).await.is_empty(), "not due again at once");
    slapd.delete(&slapd.user_dn(4));

    let step = SignedDuration::from_hours(6) + SignedDuration::from_secs(1);
    for hours in [6, 12, 18] {
        app.clock.advance(step - SignedDuration::from_mins(1));
        assert!(run_due(&app).await.is_empty(), "not due before its interval ({hours}h)");
        app.clock.advance(SignedDuration::from_mins(1));
        let ran = run_due(&app).await;
        assert_eq!(ran.len(), 1, "{ran:?}");
        assert!(!ran[0].full, "incremental at {hours}h: {ran:?}");
        assert_eq!(ran[0].users_deprovisioned, 0, "an incremental sync cannot see deletions");
    }
    assert_eq!(users(&app).await[&slapd.username(4)]["enabled"], true);
    app.clock.advance(step);
    let daily = run_due(&app).await;
    assert_eq!(daily.len(), 1, "{daily:?}");
    assert!(daily[0].full, "a day after the last full sync: {daily:?}");
    assert_eq!(daily[0].users_deprovisioned, 1, "{daily:?}");
    let gone = &users(&app).await[&slapd.username(4)];
    assert_eq!(
        (&gone["enabled"], &gone["provisioning_state"]),
        (&json!(false), &json!("released"))
    );
}

/// Takes the provider's sync lease for `owner` for 15 minutes from the
/// test clock's now, as an instance starting a sync does.
async fn take_lease(app: &TestApp, provider: &ProviderId, owner: &str) -> bool {
    let mut tx = app.store.write().await.unwrap();
    let site = tx.site_by_slug(&SiteSlug::parse("acme").unwrap()).await.unwrap().unwrap().id;
    let now = app.clock.now();
    let until = now + SignedDuration::from_mins(15);
    let taken = tx.take_ldap_lease(&site, provider, owner, now, until).await.unwrap();
    tx.commit().await.unwrap();
    taken
}

/// An instance killed mid-sync leaves its lease behind: other runs are
/// refused while it lasts (15 minutes) and proceed once it has expired.
async fn a_killed_runs_lease_expires_and_the_next_run_proceeds(backend: Backend) {
    let slapd = Slapd::builder().bulk(3, 1, 1).start();
    let app = spawn_app(backend).await;
    let provider = provider(&app, &slapd, json!({})).await;
    let id = ProviderId::from_raw(provider.rsplit('/').next().unwrap());
    assert!(take_lease(&app, &id, "killed-instance").await);
    let refused = app.post(&format!("{provider}/sync"), json!({})).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{refused:?}");
    assert_eq!(refused.body["error"], "sync_running");
    let skipped = app.app.sync().run_due().await.unwrap();
    assert!(skipped[0].report.is_none() && skipped[0].skipped.is_some(), "{skipped:?}");
    app.clock.advance(SignedDuration::from_mins(14));
    let refused = app.post(&format!("{provider}/sync"), json!({})).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "still held: {refused:?}");
    assert!(users(&app).await.is_empty());

    app.clock.advance(SignedDuration::from_mins(1) + SignedDuration::from_secs(1));
    let report = sync(&app, &provider, false).await;
    assert_eq!((&report["failure"], &report["users_created"]), (&Value::Null, &json!(3)));
    // That run released the lease it took: the next one runs at once.
    let again = sync(&app, &provider, true).await;
    assert_eq!(again["users_unchanged"], 3, "{again}");
}

/// The users as stored, less the time of their last sign-in.
async fn stored(app: &TestApp) -> std::collections::BTreeMap<String, Value> {
    let mut all = users(app).await;
    for user in all.values_mut() {
        user.as_object_mut().unwrap().remove("last_login_at");
    }
    all
}

/// A relay in front of slapd that stops passing the directory's answers
/// once `after` bytes have gone through, until released: a sync behind
/// it is held mid-search, at the same point on every run.
struct Gate {
    address: String,
    paused: Arc<AtomicBool>,
    released: Arc<AtomicBool>,
}

impl Gate {
    fn start(target: String, after: usize) -> Gate {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let (paused, released) =
            (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
        let (pause, release) = (paused.clone(), released.clone());
        std::thread::spawn(move || {
            let relayed = Arc::new(AtomicUsize::new(0));
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect(&target) else { continue };
                let (mut up_from, mut up_to) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || std::io::copy(&mut up_from, &mut up_to));
                let (pause, release, relayed) = (pause.clone(), release.clone(), relayed.clone());
                std::thread::spawn(move || {
                    let (mut server, mut client) = (server, client);
                    let mut buffer = [0; 4096];
                    while let Ok(read) = server.read(&mut buffer) {
                        if read == 0 || client.write_all(&buffer[..read]).is_err() {
                            return;
                        }
                        if relayed.fetch_add(read, Ordering::SeqCst) + read >= after {
                            pause.store(true, Ordering::SeqCst);
                            while !release.load(Ordering::SeqCst) {
                                std::thread::sleep(Duration::from_millis(5));
                            }
                        }
                    }
                });
            }
        });
        Gate { address, paused, released }
    }

    async fn wait_until_paused(&self) {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !self.paused.load(Ordering::SeqCst) {
            assert!(std::time::Instant::now() < deadline, "the sync never reached the gate");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    fn release(&self) {
        self.released.store(true, Ordering::SeqCst);
    }
}

/// A sync that outlasts its lease while another instance takes the
/// provider over applies nothing: it renews the lease in the transaction
/// that would apply, finds it taken, and fails.
async fn a_sync_whose_lease_was_taken_over_applies_nothing(backend: Backend) {
    let slapd = Slapd::builder().bulk(600, 3, 1).start();
    let app = spawn_app(backend).await;
    let provider = provider(&app, &slapd, json!({})).await;
    let gate = Gate::start(slapd.address(), 20_000);
    // At a threshold of one failure, a counted failure would switch it off.
    let ldap = json!({ "ldap": { "host": gate.address, "failure_threshold": 1 } });
    let through = app.patch(&provider, ldap).await;
    assert_eq!(through.status, StatusCode::OK, "{through:?}");
    let id = ProviderId::from_raw(provider.rsplit('/').next().unwrap());

    let syncing = {
        let app = app.app.clone();
        tokio::spawn(async move { app.sync().run_due().await.unwrap() })
    };
    gate.wait_until_paused().await;
    // Held mid-search past its lease; another instance takes over.
    app.clock.advance(SignedDuration::from_mins(16));
    assert!(take_lease(&app, &id, "other-instance").await);
    gate.release();
    let ran = syncing.await.unwrap();
    let report = ran[0].report.as_ref().unwrap();
    let failure = report.failure.as_deref().unwrap_or_default();
    assert!(failure.contains("another instance took"), "{report:?}");
    assert!(users(&app).await.is_empty(), "nothing applied");
    let shown = app.get(&provider).await.body;
    assert_eq!(
        (&shown["ldap"]["enabled"], &shown["ldap"]["consecutive_failures"]),
        (&json!(true), &json!(0)),
        "not the directory's failure: not counted: {shown}"
    );
    // The other instance's lease holds until it expires.
    let refused = app.post(&format!("{provider}/sync"), json!({})).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{refused:?}");
}

/// Switching LDAP provisioning off, or removing it, keeps the users it
/// provisioned, and those with a password still sign in.
async fn synced_users_stay_and_sign_in_after_the_provider_is_switched_off(backend: Backend) {
    // Users 1 and 3 in group001, the password group.
    let slapd = Slapd::builder().bulk(4, 2, 1).start();
    let app = spawn_app(backend).await;
    let provider = provider(&app, &slapd, json!({ "password_groups": "group001" })).await;
    sync(&app, &provider, true).await;
    let (name, password) = (slapd.username(1), "correct horse battery staple");
    let id = users(&app).await[&name]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/admin/sites/acme/users/{id}/password");
    let set = app.call(reqwest::Method::PUT, &path, Some(json!({ "password": password }))).await;
    assert_eq!(set.status, StatusCode::OK, "{set:?}");
    let signs_in = || async {
        let (status, cookie, page) = sign_in(&app, &name, password).await;
        assert!(cookie.is_some(), "{name} signs in: {status} {page}");
    };
    signs_in().await;
    let before = stored(&app).await;
    assert_eq!(before.len(), 4);

    let off = app.patch(&provider, json!({ "ldap": { "enabled": false } })).await;
    assert_eq!(off.status, StatusCode::OK, "{off:?}");
    slapd.delete(&slapd.user_dn(1));
    app.clock.advance(SignedDuration::from_hours(25));
    assert!(
        app.app.sync().run_due().await.unwrap().iter().all(|due| due.report.is_none()),
        "a switched-off provider is not synced"
    );
    assert_eq!(stored(&app).await, before, "nothing de-provisioned");
    signs_in().await;

    let removed = app.patch(&provider, json!({ "ldap": null })).await;
    assert_eq!(removed.status, StatusCode::OK, "{removed:?}");
    assert_eq!(removed.body["ldap"], Value::Null, "{removed:?}");
    let refused = app.post(&format!("{provider}/sync"), json!({})).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{refused:?}");
    assert_eq!(stored(&app).await, before, "the users stay with the settings gone");
    signs_in().await;
}

/// A `tracing` writer into a shared buffer: everything the process logs.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The bind password, right or refused, appears in no admin API answer
/// (provider, sync report, runs, history) and in no log line at any level.
async fn the_bind_password_is_never_shown_or_logged(backend: Backend) {
    // nextest runs each test in its own process: this subscriber sees only
    // this test, at every level of every crate (ldap3 and sqlx included).
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .try_init()
        .unwrap();
    let wrong = "wrong-Pa55word-never-shown";
    let slapd = Slapd::builder().bulk(3, 1, 1).start();
    let app = spawn_app(backend).await;
    let provider = provider(&app, &slapd, json!({})).await;
    let mut said = vec![app.get(&provider).await.body];
    said.push(sync(&app, &provider, true).await);
    let refused = app.patch(&provider, json!({ "ldap": { "bind_password": wrong } })).await;
    assert_eq!(refused.status, StatusCode::OK, "{refused:?}");
    said.push(refused.body);
    let failed = sync(&app, &provider, true).await;
    assert!(failed["failure"].as_str().unwrap().contains("refused the bind"), "{failed}");
    said.push(failed);
    said.push(app.get(&format!("{provider}/sync/runs")).await.body);
    said.push(app.get("/api/admin/sites/acme/logs/history?limit=500").await.body);
    said.push(app.get("/api/admin/sites/acme/providers").await.body);
    for answer in &said {
        let text = answer.to_string();
        assert!(!text.contains(SYNC_PASSWORD) && !text.contains(wrong), "shown: {text}");
    }

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("an LDAP sync succeeded"), "the capture works: {logs}");
    assert!(logs.contains("an LDAP sync failed"), "{logs}");
    assert!(!logs.contains(SYNC_PASSWORD), "the bind password was logged");
    assert!(!logs.contains(wrong), "the refused bind password was logged");
}

crate::on_both_databases!(
    a_full_reconcile_runs_daily_between_incremental_syncs,
    a_killed_runs_lease_expires_and_the_next_run_proceeds,
    a_sync_whose_lease_was_taken_over_applies_nothing,
    synced_users_stay_and_sign_in_after_the_provider_is_switched_off,
    the_bind_password_is_never_shown_or_logged,
);
