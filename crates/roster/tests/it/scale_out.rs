//! Two `roster serve` processes on one PostgreSQL database. SCIM load
//! spread across both gets only the answers one instance would give
//! (2xx, and `409 uniqueness` for a lost race; never a 5xx or a
//! serialization failure), the data and its history log agree at the end,
//! every scheduled job runs once per due time, by one instance or the
//! other, with no due time missed, and every history entry reaches each
//! webhook once, in order, though both instances run the delivery job.
//!
//! The scheduler is made observable with the test knobs of
//! `crates/roster/src/test_knobs.rs` (`--test-job-check-every`,
//! `--test-job-every`): every job due a second after its last run, and
//! the two instances looking at different periods, so that each wins some
//! due times. Each run is logged (JSON) with the job, the instance and the
//! due time it ran for; the test reads both logs.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::cli::run_json;
use crate::durability::{
    Answers, Trace, assert_history_matches, check_client, history, http_client, provision,
    run_client, scim_list, send, user_body,
};
use crate::helpers::{self, Backend, Reply, TestDatabase};
use crate::serve::Server;
use crate::webhook_receiver::Receiver;

const CLIENTS: usize = 4;
/// Writes per client, alternating between the instances.
const OPS: usize = 40;
/// The job interval the instances run with.
const EVERY: SignedDuration = SignedDuration::from_secs(1);
/// Runs of each job to see before stopping.
const RUNS: i64 = 6;
const DEADLINE: Duration = Duration::from_secs(60);
const RAN: &str = "a job ran";

fn start(db: &TestDatabase, check_every: &str) -> Server {
    let knobs = ["--test-job-check-every", check_every, "--test-job-every", "1s"];
    let mut args: Vec<&str> = db.cli_args.iter().map(String::as_str).collect();
    args.extend(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"]);
    args.extend(["--webhook-allow-private"]);
    args.extend(knobs);
    // Job runs are logged at debug level; the test reads them.
    let mut command = crate::cli::roster(&args);
    command.env("RUST_LOG", "info,sqlx=warn,roster=debug");
    Server::spawn(command)
}

/// `requests` sent at once, request `i` to `servers[i % 2]`.
async fn at_once(
    servers: [&str; 2],
    token: &str,
    requests: Vec<(Method, String, Value)>,
) -> Vec<Reply> {
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (method, path, body)) in requests.into_iter().enumerate() {
        let url = format!("{}/api/scim{path}", servers[i % 2]);
        let token = token.to_owned();
        tasks.spawn(async move {
            send(&http_client(), url, &token, method, Some(&body)).await.expect("an answer")
        });
    }
    tasks.join_all().await
}

/// Races across the instances: the same user created four times at once
/// (one wins, the others are told `409 uniqueness`), and members added to
/// one group by eight PATCHes at once (none lost).
async fn races(servers: [&str; 2], token: &str) {
    for round in 0..4 {
        let body = user_body(&format!("twin{round}"), "v0");
        let replies =
            at_once(servers, token, vec![(Method::POST, "/Users".to_owned(), body); 4]).await;
        let created = replies.iter().filter(|r| r.status == StatusCode::CREATED).count();
        assert_eq!(created, 1, "{replies:#?}");
        for reply in replies.iter().filter(|r| r.status != StatusCode::CREATED) {
            helpers::assert_scim_error(reply, StatusCode::CONFLICT, Some("uniqueness"));
        }
    }
    let group = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                        "displayName": "shared" });
    let group = at_once(servers, token, vec![(Method::POST, "/Groups".to_owned(), group)]).await;
    assert_eq!(group[0].status, StatusCode::CREATED, "{group:?}");
    let group = group[0].body["id"].as_str().unwrap().to_owned();
    let mut members = BTreeSet::new();
    let mut patches = Vec::new();
    for n in 0..8 {
        let user = user_body(&format!("member{n}"), "v0");
        let user = at_once(servers, token, vec![(Method::POST, "/Users".to_owned(), user)]).await;
        assert_eq!(user[0].status, StatusCode::CREATED, "{user:?}");
        let id = user[0].body["id"].as_str().unwrap().to_owned();
        let add = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{ "op": "add", "path": "members", "value": [{ "value": id }] }] });
        patches.push((Method::PATCH, format!("/Groups/{group}"), add));
        members.insert(id);
    }
    for reply in at_once(servers, token, patches).await {
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{reply:?}");
    }
    let url = format!("{}/api/scim/Groups/{group}", servers[0]);
    let read = send(&http_client(), url, token, Method::GET, None).await.unwrap();
    let found: BTreeSet<String> = read.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(found, members, "every concurrent addition kept");
}

/// Waits until every job has finished a run that started at least
/// `RUNS` intervals after `since`.
async fn until_jobs_ran(db: &TestDatabase, since: Timestamp) {
    let deadline = Instant::now() + DEADLINE;
    let after = since + EVERY * RUNS as i32;
    loop {
        let jobs = run_json(db, &["jobs", "list"]);
        let jobs = jobs["items"].as_array().cloned().unwrap_or_else(|| panic!("a list: {jobs}"));
        let done = jobs.iter().all(|job| {
            job["last_started_at"].as_str().and_then(|at| at.parse::<Timestamp>().ok())
                >= Some(after)
        });
        if done {
            return;
        }
        assert!(Instant::now() < deadline, "the jobs did not run within {DEADLINE:?}: {jobs:#?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// One logged run.
#[derive(Debug)]
struct Run {
    instance: String,
    due_at: Timestamp,
    finished_at: Timestamp,
}

/// The runs logged in `log`, by job; panics on a line that says a job or
/// the scheduler failed.
fn runs(log: &[String], into: &mut BTreeMap<String, Vec<Run>>) {
    for line in log {
        let line: Value = serde_json::from_str(line).unwrap_or_else(|_| panic!("JSON: {line}"));
        let fields = &line["fields"];
        assert!(line["level"] != "ERROR", "{line}");
        if fields["message"] != RAN {
            continue;
        }
        let time = |name: &str| fields[name].as_str().unwrap().parse::<Timestamp>().unwrap();
        into.entry(fields["job"].as_str().unwrap().to_owned()).or_default().push(Run {
            instance: fields["instance"].as_str().unwrap().to_owned(),
            due_at: time("due_at"),
            finished_at: time("finished_at"),
        });
    }
}

/// Each due time was run once, and each run's successor was due `EVERY`
/// after it finished: no due time twice, none missed. Both instances took
/// part.
fn assert_once_per_due_time(jobs: &BTreeMap<String, Vec<Run>>) {
    assert_eq!(jobs.len(), roster_app::jobs::JobName::ALL.len(), "{jobs:#?}");
    let mut instances = BTreeSet::new();
    for (job, runs) in jobs {
        let mut runs: Vec<&Run> = runs.iter().collect();
        runs.sort_by_key(|run| run.due_at);
        for pair in runs.windows(2) {
            assert!(pair[0].due_at != pair[1].due_at, "{job}: one due time run twice: {pair:#?}");
            // The next due time is the finish plus the interval, as stored:
            // to the microsecond.
            let next = (pair[0].finished_at + EVERY).as_microsecond();
            assert_eq!(
                pair[1].due_at.as_microsecond(),
                next,
                "{job}: a due time missed: {pair:#?}"
            );
        }
        // Waiting until a run started `RUNS` intervals after the start
        // gives at least `RUNS - 2` runs: the instances take a moment to
        // start, and a run that delivers webhooks takes longer than one.
        assert!(runs.len() as i64 >= RUNS - 2, "{job}: {runs:#?}");
        instances.extend(runs.iter().map(|run| run.instance.as_str()));
    }
    assert_eq!(instances.len(), 2, "both instances ran jobs: {instances:?}");
}

/// Two receivers, each a webhook of the site registered through the CLI
/// before the load, with the `delivered_seq` each starts after and its
/// secret.
async fn webhooks(db: &TestDatabase) -> Vec<(Receiver, i64, String)> {
    let mut hooks = Vec::new();
    for _ in 0..2 {
        let receiver = Receiver::start().await;
        let args = ["--webhook-allow-private", "webhook", "create", "--site", "acme", "--url"];
        let created = run_json(db, &[&args[..], &[receiver.url.as_str()]].concat());
        let start = created["delivered_seq"].as_i64().unwrap();
        hooks.push((receiver, start, created["secret"].as_str().unwrap().to_owned()));
    }
    hooks
}

/// Every history entry after a webhook's start arrives at it once, in
/// order, signed, though both instances run the delivery job.
async fn each_event_delivered_once_per_webhook(
    hooks: &[(Receiver, i64, String)],
    events: &[Value],
) {
    let last = events.last().and_then(|event| event["seq"].as_i64()).expect("entries");
    for (receiver, start, secret) in hooks {
        let deadline = Instant::now() + DEADLINE;
        let mut seqs: Vec<i64> = Vec::new();
        while seqs.last() != Some(&last) {
            assert!(Instant::now() < deadline, "delivered so far: {seqs:?}");
            for post in receiver.take() {
                assert!(post.signed_with(secret), "{post:?}");
                seqs.extend(post.seqs());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let expected: Vec<i64> = ((start + 1)..=last).collect();
        assert_eq!(seqs, expected, "each entry once, in order");
    }
}

async fn two_instances_share_one_database(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    let site = provision(&db);
    let hooks = webhooks(&db).await;
    let since = Timestamp::now();
    let (a, b) = (start(&db, "200ms"), start(&db, "150ms"));
    let servers = [a.address.as_str(), b.address.as_str()];

    let answers = Arc::new(Answers::default());
    let clients = (0..CLIENTS).map(|c| {
        let addresses =
            if c % 2 == 0 { vec![&a.address, &b.address] } else { vec![&b.address, &a.address] };
        let addresses = addresses.into_iter().cloned().collect();
        tokio::spawn(run_client(c, OPS, addresses, site.token.clone(), answers.clone()))
    });
    let clients: Vec<_> = clients.collect();
    races(servers, &site.token).await;
    let mut traces: Vec<Trace> = Vec::new();
    for client in clients {
        traces.push(client.await.expect("a client"));
    }
    let users = scim_list(servers[1], &site.token, "Users").await;
    let groups = scim_list(servers[0], &site.token, "Groups").await;
    for (c, trace) in traces.iter().enumerate() {
        assert!(trace.unanswered.is_none() && trace.answered.len() == OPS, "{trace:#?}");
        for (op, reply) in &trace.answered {
            assert!(reply.status.is_success(), "{op:?}: {reply:?}");
        }
        check_client(c, trace, &users, &groups);
    }
    let events = history(servers[0], &site.key).await;
    assert_history_matches(&events, &users, &groups);
    each_event_delivered_once_per_webhook(&hooks, &events).await;

    until_jobs_ran(&db, since).await;
    let mut jobs = BTreeMap::new();
    for server in [a, b] {
        let stopped = server.stop();
        assert!(stopped.success(), "{:#?}", stopped.log);
        runs(&stopped.log, &mut jobs);
    }
    assert_once_per_due_time(&jobs);
    // Many webhook runs later, on both instances: no entry came again.
    for (receiver, _, _) in &hooks {
        let again: Vec<i64> = receiver.take().iter().flat_map(|post| post.seqs()).collect();
        assert!(again.is_empty(), "delivered twice: {again:?}");
    }
}

mod two_instances_share_one_database {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::two_instances_share_one_database(crate::helpers::Backend::Postgres).await
    }
}
