//! The job scheduler: each due run happens once across instances sharing
//! the database, a killed instance holds a job only until its lease
//! expires, runs are recorded, `roster jobs` lists and runs them, and the
//! clean-up job deletes what has expired and nothing else.

use jiff::SignedDuration;
use roster_app::jobs::{JobName, JobOutcome, LEASE};
use roster_app::{Clock, Scheduler, SchedulerError};
use roster_store::Claim;
use serde_json::{Value, json};

use crate::cli::{assert_fails, run, run_json};
use crate::helpers::{Backend, TestApp, spawn_app};

fn ran(runs: &[roster_app::JobRun]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = runs.iter().map(|run| run.job).collect();
    names.sort_unstable();
    names
}

async fn each_due_run_happens_once_across_instances(backend: Backend) {
    let app = spawn_app(backend).await;
    // Two instances on one database, checking at the same moment.
    let first = Scheduler::new(app.app.clone(), "instance-a".to_owned());
    let second = Scheduler::new(app.app.clone(), "instance-b".to_owned());
    let (a, b) = tokio::join!(first.run_due(), second.run_due());
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut all = [ran(&a), ran(&b)].concat();
    all.sort_unstable();
    assert_eq!(
        all,
        [
            "clean-up",
            "ldap-sync",
            "lifecycle-rules",
            "log-retention",
            "saml-metadata",
            "token-expiry",
            "webhooks"
        ],
        "each job once: {a:?} {b:?}"
    );
    assert!(a.iter().chain(&b).all(|run| run.succeeded), "{a:?} {b:?}");

    // Nothing is due again at once.
    assert_eq!(ran(&first.run_due().await.unwrap()), Vec::<&str>::new());
    // Five seconds on, the webhooks are due; a minute on, the LDAP syncs
    // too; the rest later.
    app.clock.advance(SignedDuration::from_secs(6));
    let (a, b) = tokio::join!(first.run_due(), second.run_due());
    assert_eq!([ran(&a.unwrap()), ran(&b.unwrap())].concat(), ["webhooks"]);
    app.clock.advance(SignedDuration::from_secs(55));
    let (a, b) = tokio::join!(first.run_due(), second.run_due());
    let mut both = [ran(&a.unwrap()), ran(&b.unwrap())].concat();
    both.sort_unstable();
    assert_eq!(both, ["ldap-sync", "webhooks"]);
    app.clock.advance(SignedDuration::from_hours(1));
    let runs = second.run_due().await.unwrap();
    assert_eq!(
        ran(&runs),
        [
            "clean-up",
            "ldap-sync",
            "lifecycle-rules",
            "log-retention",
            "saml-metadata",
            "token-expiry",
            "webhooks"
        ]
    );

    let listed = app.app.jobs().list().await.unwrap();
    let names: Vec<&str> = listed.iter().map(|job| job.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "clean-up",
            "ldap-sync",
            "lifecycle-rules",
            "log-retention",
            "saml-metadata",
            "token-expiry",
            "webhooks"
        ]
    );
    for job in &listed {
        assert_eq!(job.last_outcome, Some("succeeded"), "{job:?}");
        assert_eq!(job.running_on, None);
        assert!(job.next_due_at > app.clock.now(), "{job:?}");
        assert!(job.last_summary.is_some(), "{job:?}");
    }
}

async fn a_killed_instance_holds_a_job_until_its_lease_expires(backend: Backend) {
    let app = spawn_app(backend).await;
    let jobs = app.app.jobs();
    // An instance takes the clean-up and dies without finishing it.
    assert!(jobs.claim(JobName::CleanUp, "killed", Claim::WhenDue).await.unwrap().is_some());
    let alive = Scheduler::new(app.app.clone(), "alive".to_owned());
    assert_eq!(
        ran(&alive.run_due().await.unwrap()),
        [
            "ldap-sync",
            "lifecycle-rules",
            "log-retention",
            "saml-metadata",
            "token-expiry",
            "webhooks"
        ]
    );
    let listed = jobs.list().await.unwrap();
    let clean_up = listed.iter().find(|job| job.name == "clean-up").unwrap();
    assert_eq!(clean_up.running_on.as_deref(), Some("killed"));
    // Run by hand meanwhile: refused, naming the holder.
    match alive.run_now(JobName::CleanUp).await {
        Err(SchedulerError::Busy { job: "clean-up", owner }) => assert_eq!(owner, "killed"),
        other => panic!("expected Busy, got {other:?}"),
    }
    // Past the lease, another instance runs it (and the LDAP syncs and webhooks, due
    // again after their minute).
    app.clock.advance(LEASE + SignedDuration::from_secs(1));
    assert_eq!(ran(&alive.run_due().await.unwrap()), ["clean-up", "ldap-sync", "webhooks"]);
    // The dead instance's late finish records nothing.
    let now = app.clock.now();
    let late = JobOutcome {
        started_at: now,
        finished_at: now,
        summary: None,
        error: Some("late".to_owned()),
    };
    assert!(
        !jobs.finish(JobName::CleanUp, "killed", &late, JobName::CleanUp.every()).await.unwrap()
    );
    let listed = jobs.list().await.unwrap();
    let clean_up = listed.iter().find(|job| job.name == "clean-up").unwrap();
    assert_eq!(clean_up.last_outcome, Some("succeeded"), "{clean_up:?}");

    // A failed run is recorded with its reason, and the job is due again
    // after its interval like any run.
    assert!(jobs.claim(JobName::SamlMetadata, "alive", Claim::Now).await.unwrap().is_some());
    let failed = JobOutcome { error: Some("the IdP was down".to_owned()), ..late };
    assert!(
        jobs.finish(JobName::SamlMetadata, "alive", &failed, JobName::SamlMetadata.every())
            .await
            .unwrap()
    );
    let listed = jobs.list().await.unwrap();
    let metadata = listed.iter().find(|job| job.name == "saml-metadata").unwrap();
    assert_eq!(metadata.last_outcome, Some("failed"));
    assert_eq!(metadata.last_error.as_deref(), Some("the IdP was down"));
    assert_eq!(metadata.next_due_at, now + JobName::SamlMetadata.every());
}

/// Raw rows for the clean-up: a connection of its own to the test database.
async fn raw(app: &TestApp) -> sqlx::AnyConnection {
    sqlx::any::install_default_drivers();
    let url = match &app._database.config {
        roster_store::StoreConfig::Sqlite { path } => format!("sqlite://{}", path.display()),
        roster_store::StoreConfig::Postgres { url, .. } => url.expose().to_owned(),
    };
    <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await.unwrap()
}

async fn count(conn: &mut sqlx::AnyConnection, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) AS n FROM {table}");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_one(conn).await.unwrap();
    sqlx::Row::get::<i64, _>(&row, "n")
}

async fn the_clean_up_deletes_what_expired_and_nothing_else(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let site = app.get("/api/admin/sites/acme").await.body["id"].as_str().unwrap().to_owned();
    let user = app.user("acme", json!({ "username": "ada" })).await;
    let provider = app
        .post("/api/admin/sites/acme/providers", json!({ "kind": "okta", "name": "Okta" }))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let now = app.clock.now().as_microsecond() as i64;
    let (gone, live) = (now - 60_000_000, now + 3_600_000_000);
    let (old_window, recent_window) = (now - 2 * 86_400_000_000, now - 60_000_000);
    let mut conn = raw(&app).await;
    let mut statements = Vec::new();
    for (n, expires) in [(0, gone), (1, gone), (2, live)] {
        statements.push(format!(
            "INSERT INTO saml_requests (site_id, id, provider_id, created_at, expires_at) \
             VALUES ('{site}', 'req{n}', '{provider}', {now}, {expires})"
        ));
        statements.push(format!(
            "INSERT INTO saml_assertions (site_id, issuer, assertion_id, expires_at) \
             VALUES ('{site}', 'idp', 'a{n}', {expires})"
        ));
        statements.push(format!(
            "INSERT INTO sessions (site_id, secret_hash, user_id, created_at, expires_at) \
             VALUES ('{site}', 's{n}', '{user}', {now}, {expires})"
        ));
        statements.push(format!(
            "INSERT INTO handoff_tickets (site_id, ticket_hash, user_id, expires_at) \
             VALUES ('{site}', 't{n}', '{user}', {expires})"
        ));
        statements.push(format!(
            "INSERT INTO pending_sign_ins (site_id, secret_hash, user_id, created_at, expires_at) \
             VALUES ('{site}', 'p{n}', '{user}', {now}, {expires})"
        ));
    }
    // A live session already revoked is of no use either.
    statements.push(format!(
        "INSERT INTO sessions (site_id, secret_hash, user_id, created_at, expires_at, revoked_at) \
         VALUES ('{site}', 'revoked', '{user}', {now}, {live}, {gone})"
    ));
    // Operators' console sessions count as sessions.
    let keys = app.get("/api/admin/keys").await;
    let operator_key = keys.body["items"].as_array().unwrap().iter().find(|k| k["site"].is_null());
    let operator_key = operator_key.unwrap()["id"].as_str().unwrap().to_owned();
    for (hash, expires, revoked) in [
        ("o-gone", gone, "NULL".to_owned()),
        ("o-out", live, gone.to_string()),
        ("o-live", live, "NULL".to_owned()),
    ] {
        statements.push(format!(
            "INSERT INTO operator_sessions (secret_hash, key_id, created_at, expires_at, \
             revoked_at) VALUES ('{hash}', '{operator_key}', {now}, {expires}, {revoked})"
        ));
    }
    for (key, window) in [("old", old_window), ("recent", recent_window)] {
        statements.push(format!(
            "INSERT INTO password_failures (site_id, username_key, failures, window_start) \
             VALUES ('{site}', '{key}', 3, {window})"
        ));
    }
    statements.push(format!(
        "INSERT INTO second_factor_failures (site_id, user_id, failures, window_start) \
         VALUES ('{site}', '{user}', 2, {old_window})"
    ));
    for n in 0..205 {
        statements.push(format!(
            "INSERT INTO ldap_sync_runs (site_id, id, provider_id, started_at, finished_at, \
             full_sync, succeeded, report) \
             VALUES ('{site}', 'run{n:03}', '{provider}', {}, {now}, 1, 1, '{{}}')",
            now - 1_000_000 * (205 - n)
        ));
    }
    let hook = app
        .post("/api/admin/sites/acme/webhooks", json!({ "url": "https://app.example.com/h" }))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for n in 0..203 {
        statements.push(format!(
            "INSERT INTO webhook_deliveries (webhook_id, id, at, first_seq, last_seq, attempt, \
             outcome, duration_ms) VALUES ('{hook}', 'd{n:03}', {}, 1, 1, 1, 'failed', 5)",
            now - 1_000_000 * (203 - n)
        ));
    }
    for statement in statements {
        sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&mut conn).await.unwrap();
    }

    let report = app.app.jobs().clean_up().await.unwrap();
    let report = serde_json::to_value(report).unwrap();
    assert_eq!(
        report,
        json!({ "saml_requests": 2, "saml_assertions": 2, "sessions": 5, "handoff_tickets": 2,
                "pending_sign_ins": 2, "attempt_counters": 2, "ldap_sync_runs": 5,
                "webhook_deliveries": 3, "more_left": false })
    );
    for table in
        ["saml_requests", "saml_assertions", "sessions", "operator_sessions", "handoff_tickets"]
    {
        assert_eq!(count(&mut conn, table).await, 1, "{table}");
    }
    assert_eq!(count(&mut conn, "pending_sign_ins").await, 1);
    assert_eq!(count(&mut conn, "password_failures").await, 1);
    assert_eq!(count(&mut conn, "second_factor_failures").await, 0);
    assert_eq!(count(&mut conn, "ldap_sync_runs").await, 200);
    // The oldest runs went, the newest stayed.
    let runs = app.get(&format!("/api/admin/sites/acme/providers/{provider}/sync/runs")).await;
    assert_eq!(runs.body["items"][0]["id"], "run204", "{:?}", runs.body);
    let attempts =
        app.get(&format!("/api/admin/sites/acme/webhooks/{hook}/deliveries?limit=200")).await;
    let ids: Vec<&str> = attempts.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!((ids.len(), ids[0], ids[199]), (200, "d202", "d003"), "the newest kept");
    // Again: nothing more.
    let again = serde_json::to_value(app.app.jobs().clean_up().await.unwrap()).unwrap();
    assert!(again.as_object().unwrap().values().all(|v| v == 0 || v == false), "{again}");
}

async fn jobs_from_the_command_line(backend: Backend) {
    let db = crate::helpers::fresh_database(backend).await;
    let listed = run_json(&db, &["jobs", "list"]);
    let names: Vec<&str> =
        listed["items"].as_array().unwrap().iter().map(|j| j["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "clean-up",
            "ldap-sync",
            "lifecycle-rules",
            "log-retention",
            "saml-metadata",
            "token-expiry",
            "webhooks"
        ],
        "{listed}"
    );
    assert!(listed["items"].as_array().unwrap().iter().all(|j| j["last_outcome"].is_null()));

    let report = run_json(&db, &["jobs", "run", "clean-up"]);
    assert_eq!(report["sessions"], 0, "{report}");
    let listed = run_json(&db, &["jobs", "list"]);
    let clean_up = &listed["items"][0];
    assert_eq!(clean_up["name"], "clean-up");
    assert_eq!(clean_up["last_outcome"], "succeeded", "{listed}");
    assert_eq!(clean_up["last_summary"]["sessions"], 0);
    assert_eq!(clean_up["running_on"], Value::Null);

    // While another instance holds the job, a run by hand is refused.
    let store = roster_store::connect(&db.config).await.unwrap();
    {
        use roster_store::{JobRepo, Transaction};
        let mut tx = store.write().await.unwrap();
        let now = jiff::Timestamp::now();
        assert!(
            tx.claim_job("clean-up", "busy-host/1/abc", Claim::Now, now, now + LEASE)
                .await
                .unwrap()
                .is_some()
        );
        tx.commit().await.unwrap();
    }
    store.close().await;
    assert_fails(
        &run(&db, &["jobs", "run", "clean-up"]),
        &["running on another instance", "busy-host/1/abc"],
    );
    let output = run(&db, &["jobs", "run", "nightly"]);
    assert_eq!(output.status.code(), Some(2), "an unknown job is a usage mistake");
}

crate::on_both_databases!(
    each_due_run_happens_once_across_instances,
    a_killed_instance_holds_a_job_until_its_lease_expires,
    the_clean_up_deletes_what_expired_and_nothing_else,
    jobs_from_the_command_line,
);
