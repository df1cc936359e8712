//! `/metrics` (SPEC §7): SCIM requests by provider kind, method and status
//! with latency histograms, sign-ins by method and outcome, job runs and
//! LDAP syncs; the main listener's `/metrics` only for an operator key, and
//! `roster serve --metrics-listen` serving it without one.
//!
//! Every scrape is parsed as the Prometheus text format ([`parse`] fails
//! the test on any line that is not). The recorder is the process's, so
//! the tests compare a scrape before and after what they do; nextest runs
//! each test in a process of its own, so the differences are exact.

use std::collections::{BTreeMap, HashMap};

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use roster_app::Scheduler;
use roster_app::jobs::JobName;
use roster_ldap::testing::Slapd;
use serde_json::json;

use crate::cli::{run_json, run_ok};
use crate::helpers::{self, Backend, TestApp, assert_error, scim_user, spawn_app};
use crate::password_signin::{sign_in, with_password};
use crate::saml_idp::SamlIdp;
use crate::saml_signin::{answer, post, provider, start};
use crate::serve::{Server, bound_address};

const SCIM_REQUESTS: &str = "roster_scim_requests_total";
const SCIM_DURATION: &str = "roster_scim_request_duration_seconds";
const SIGN_INS: &str = "roster_sign_ins_total";
const REFUSALS: &str = "roster_sign_in_refusals_total";
const SCIM_BUCKETS: [&str; 14] = [
    "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5",
    "10", "+Inf",
];

/// One sample line.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A scrape, parsed.
#[derive(Debug, Default)]
struct Exposition {
    samples: Vec<Sample>,
    types: HashMap<String, String>,
    help: HashMap<String, String>,
}

fn is_name(name: &str, colons: bool) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || (colons && c == ':'))
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (colons && c == ':'))
}

/// Parses the Prometheus text exposition format strictly: `# HELP` and
/// `# TYPE` at most once per family, `# TYPE` before the family's samples, label values quoted with only the three escapes, and
/// each histogram's buckets cumulative up to `+Inf`, which equals its
/// `_count`.
fn parse(text: &str) -> Exposition {
    let mut out = Exposition::default();
    assert!(text.is_empty() || text.ends_with('\n'), "the last line must end: {text:?}");
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap_or((rest, ""));
            assert!(is_name(name, true), "HELP of a bad name: {line}");
            assert!(!help.trim().is_empty(), "an empty HELP: {line}");
            assert!(
                out.help.insert(name.to_owned(), help.to_owned()).is_none(),
                "HELP twice: {line}"
            );
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or_else(|| panic!("no type: {line}"));
            assert!(is_name(name, true), "TYPE of a bad name: {line}");
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "unknown type: {line}"
            );
            assert!(
                out.types.insert(name.to_owned(), kind.to_owned()).is_none(),
                "TYPE twice: {line}"
            );
            continue;
        }
        assert!(!line.starts_with(' '), "a line starting with a space: {line:?}");
        if line.starts_with('#') {
            continue;
        }
        let sample = sample(line);
        assert!(out.family(&sample.name).is_some(), "a sample without a TYPE: {line}");
        out.samples.push(sample);
    }
    out.check_histograms();
    out
}

fn sample(line: &str) -> Sample {
    let end = line.find(['{', ' ']).unwrap_or_else(|| panic!("no value: {line}"));
    let name = &line[..end];
    assert!(is_name(name, true), "a bad metric name: {line}");
    let mut rest = &line[end..];
    let mut labels = BTreeMap::new();
    if let Some(mut inside) = rest.strip_prefix('{') {
        loop {
            if let Some(after) = inside.strip_prefix('}') {
                rest = after;
                break;
            }
            let (label, after) =
                inside.split_once("=\"").unwrap_or_else(|| panic!("a bad label: {line}"));
            assert!(is_name(label, false) && !label.starts_with("__"), "a bad label: {line}");
            let mut value = String::new();
            let mut chars = after.char_indices();
            let close = loop {
                let (at, c) = chars.next().unwrap_or_else(|| panic!("an open quote: {line}"));
                match c {
                    '"' => break at,
                    '\\' => value.push(match chars.next().map(|(_, e)| e) {
                        Some('\\') => '\\',
                        Some('"') => '"',
                        Some('n') => '\n',
                        other => panic!("a bad escape {other:?}: {line}"),
                    }),
                    '\n' => panic!("a raw line feed: {line}"),
                    c => value.push(c),
                }
            };
            assert!(labels.insert(label.to_owned(), value).is_none(), "a label twice: {line}");
            inside = &after[close + 1..];
            if let Some(next) = inside.strip_prefix(',') {
                inside = next;
            } else {
                assert!(inside.starts_with('}'), "labels not separated by commas: {line}");
            }
        }
    }
    let mut fields = rest
        .strip_prefix(' ')
        .unwrap_or_else(|| panic!("no space before the value: {line}"))
        .split(' ');
    let value = fields.next().unwrap_or_default();
    let value: f64 = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        number => number.parse().unwrap_or_else(|_| panic!("a bad value: {line}")),
    };
    if let Some(timestamp) = fields.next() {
        timestamp.parse::<i64>().unwrap_or_else(|_| panic!("a bad timestamp: {line}"));
    }
    assert!(fields.next().is_none(), "more after the value: {line}");
    Sample { name: name.to_owned(), labels, value }
}

impl Exposition {
    /// The family a sample belongs to: its name, or a histogram's or
    /// summary's name before `_bucket`, `_sum` or `_count`.
    fn family<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        if self.types.contains_key(name) {
            return Some(name);
        }
        ["_bucket", "_sum", "_count"].iter().find_map(|suffix| {
            let base = name.strip_suffix(suffix)?;
            matches!(self.types.get(base).map(String::as_str), Some("histogram" | "summary"))
                .then_some(base)
        })
    }

    fn check_histograms(&self) {
        for (family, _) in self.types.iter().filter(|(_, kind)| *kind == "histogram") {
            let mut series: BTreeMap<BTreeMap<String, String>, Vec<(f64, f64)>> = BTreeMap::new();
            for sample in self.samples.iter().filter(|s| s.name == format!("{family}_bucket")) {
                let mut labels = sample.labels.clone();
                let le = labels.remove("le").unwrap_or_else(|| panic!("a bucket without le"));
                let bound = if le == "+Inf" { f64::INFINITY } else { le.parse().unwrap() };
                series.entry(labels).or_default().push((bound, sample.value));
            }
            for (labels, mut buckets) in series {
                buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
                assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "{family} {labels:?}");
                let (last, inf) = *buckets.last().unwrap();
                assert_eq!(last, f64::INFINITY, "{family} {labels:?} has no +Inf bucket");
                let pairs: Vec<(&str, &str)> =
                    labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                assert_eq!(inf, self.value(&format!("{family}_count"), &pairs), "{family}");
                assert!(
                    self.samples
                        .iter()
                        .any(|s| s.name == format!("{family}_sum") && s.labels == labels),
                    "{family} {labels:?} has no _sum"
                );
            }
        }
    }

    /// The sum of the samples named `name` that carry these labels (0
    /// when there are none yet).
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.samples
            .iter()
            .filter(|s| s.name == name)
            .filter(|s| labels.iter().all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(v)))
            .map(|s| s.value)
            .sum()
    }

    /// The `le` bounds of one histogram series, in order.
    fn bounds(&self, name: &str, labels: &[(&str, &str)]) -> Vec<String> {
        let bucket = format!("{name}_bucket");
        self.samples
            .iter()
            .filter(|s| s.name == bucket)
            .filter(|s| labels.iter().all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(v)))
            .map(|s| s.labels["le"].clone())
            .collect()
    }
}

/// `GET /metrics` with the operator key, parsed.
async fn scrape(app: &TestApp) -> Exposition {
    let response = app
        .client
        .get(format!("{}/metrics", app.address))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "text/plain; version=0.0.4; charset=utf-8");
    parse(&response.text().await.unwrap())
}

/// How much a value grew between two scrapes.
fn grew(before: &Exposition, after: &Exposition, name: &str, labels: &[(&str, &str)]) -> f64 {
    after.value(name, labels) - before.value(name, labels)
}

async fn scim_requests_are_counted_by_kind_method_and_status(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "jumpcloud", "JumpCloud").await;
    let before = scrape(&app).await;

    let created = scim.post("/Users", scim_user("ada")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let id = created.body["id"].as_str().unwrap();
    assert_eq!(scim.get(&format!("/Users/{id}")).await.status, StatusCode::OK);
    assert_eq!(scim.get("/Users").await.status, StatusCode::OK);
    assert_eq!(scim.get("/Users/no-such-user").await.status, StatusCode::NOT_FOUND);
    let stranger = app
        .client
        .get(format!("{}/api/scim/Users", app.address))
        .bearer_auth("roster_scim_not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), StatusCode::UNAUTHORIZED);

    let after = scrape(&app).await;
    assert_eq!(after.types[SCIM_REQUESTS], "counter");
    assert_eq!(after.types[SCIM_DURATION], "histogram");
    assert!(after.help[SCIM_REQUESTS].contains("provider kind"), "{:?}", after.help);
    let kind = ("provider_kind", "jumpcloud");
    let requests = |labels: &[(&str, &str)]| grew(&before, &after, SCIM_REQUESTS, labels);
    assert_eq!(requests(&[kind, ("method", "POST"), ("status", "201")]), 1.0);
    assert_eq!(requests(&[kind, ("method", "GET"), ("status", "200")]), 2.0);
    assert_eq!(requests(&[kind, ("method", "GET"), ("status", "404")]), 1.0);
    assert_eq!(requests(&[kind]), 4.0);
    assert_eq!(requests(&[("provider_kind", "none"), ("method", "GET"), ("status", "401")]), 1.0);
    assert_eq!(requests(&[]), 5.0, "the scrapes themselves are not SCIM requests");

    let gets = [kind, ("method", "GET"), ("status_class", "2xx")];
    let count = format!("{SCIM_DURATION}_count");
    assert_eq!(grew(&before, &after, &count, &gets), 2.0);
    assert_eq!(
        grew(&before, &after, &count, &[kind, ("method", "GET"), ("status_class", "4xx")]),
        1.0
    );
    let mut all = gets.to_vec();
    all.push(("le", "+Inf"));
    assert_eq!(grew(&before, &after, &format!("{SCIM_DURATION}_bucket"), &all), 2.0);
    assert_eq!(after.bounds(SCIM_DURATION, &gets), SCIM_BUCKETS);
    assert!(grew(&before, &after, &format!("{SCIM_DURATION}_sum"), &gets) > 0.0);
}

async fn sign_ins_are_counted_by_method_and_outcome(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let okta = provider(&app, &idp, "okta", json!({})).await;
    with_password(&app, json!({ "username": "ada" }), "correct horse battery").await;
    let before = scrape(&app).await;

    // A SAML sign-in creating its user just in time, then its replay.
    let request = start(&app, &idp, &okta).await;
    let acs = request["assertion_consumer_service_url"].as_str().unwrap().to_owned();
    let response = idp.response(&answer(&request, &app, "alice@example.com"));
    let (status, _, page) = post(&acs, &response).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (status, _, page) = post(&acs, &response).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    // A wrong password, then the right one.
    assert_eq!(sign_in(&app, "ada", "wrong horse battery").await.0, StatusCode::FORBIDDEN);
    assert_eq!(sign_in(&app, "ada", "correct horse battery").await.0, StatusCode::OK);

    let after = scrape(&app).await;
    let sign_ins = |method, outcome| {
        grew(&before, &after, SIGN_INS, &[("method", method), ("outcome", outcome)])
    };
    let refusals =
        |method, reason| grew(&before, &after, REFUSALS, &[("method", method), ("reason", reason)]);
    assert_eq!(sign_ins("saml", "signed_in"), 1.0);
    assert_eq!(sign_ins("saml", "refused"), 1.0);
    // The replay answers a request no longer outstanding (answered
    // already): refused once its signature verified, before the replay
    // cache is asked, as a response to no request under way.
    assert_eq!(refusals("saml", "unsolicited"), 1.0);
    assert_eq!(grew(&before, &after, "roster_jit_users_created_total", &[]), 1.0);
    assert_eq!(sign_ins("password", "signed_in"), 1.0);
    assert_eq!(sign_ins("password", "refused"), 1.0);
    assert_eq!(refusals("password", "bad_credentials"), 1.0);
    assert_eq!(grew(&before, &after, SIGN_INS, &[]), 4.0);
    assert_eq!(grew(&before, &after, REFUSALS, &[]), 2.0);
    assert_eq!(after.types[SIGN_INS], "counter");
}

async fn job_runs_and_ldap_syncs_are_counted(backend: Backend) {
    let slapd = Slapd::builder().bulk(6, 3, 1).start();
    let app = spawn_app(backend).await;
    let directory = crate::ldap_sync::provider(&app, &slapd, json!({})).await;
    let before = scrape(&app).await;

    let scheduler = Scheduler::new(app.app.clone(), "metrics-test".to_owned());
    let run = scheduler.run_now(JobName::CleanUp).await.unwrap();
    assert!(run.succeeded, "{run:?}");
    let report = crate::ldap_sync::sync(&app, &directory, true).await;
    assert_eq!(report["failure"], serde_json::Value::Null, "{report}");
    // A directory nobody answers at: a failed sync.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let moved = json!({ "ldap": { "host": closed.to_string() } });
    assert_eq!(app.patch(&directory, moved).await.status, StatusCode::OK);
    let failed = crate::ldap_sync::sync(&app, &directory, false).await;
    assert!(failed["failure"].is_string(), "{failed}");

    let after = scrape(&app).await;
    let job = ("job", "clean-up");
    let runs = grew(&before, &after, "roster_job_runs_total", &[job, ("outcome", "succeeded")]);
    assert_eq!(runs, 1.0);
    assert_eq!(grew(&before, &after, "roster_job_duration_seconds_count", &[job]), 1.0);
    let last = after.value("roster_job_last_success_timestamp_seconds", &[job]);
    let finished = run.finished_at.as_duration().as_secs_f64();
    assert!((last - finished).abs() < 0.001, "{last} against {finished}");
    assert_eq!(after.types["roster_job_last_success_timestamp_seconds"], "gauge");

    let syncs = |outcome, mode| {
        grew(&before, &after, "roster_ldap_syncs_total", &[("outcome", outcome), ("mode", mode)])
    };
    assert_eq!(syncs("succeeded", "full"), 1.0);
    assert_eq!(syncs("failed", "incremental"), 1.0);
    assert_eq!(grew(&before, &after, "roster_ldap_sync_duration_seconds_count", &[]), 2.0);
    let users =
        |change| grew(&before, &after, "roster_ldap_sync_users_total", &[("change", change)]);
    let created = report["users_created"].as_f64().unwrap();
    assert!(created >= 6.0, "{report}");
    assert_eq!(users("created"), created);
    assert_eq!(users("deprovisioned"), 0.0);
    let groups = grew(&before, &after, "roster_ldap_sync_groups_total", &[("change", "created")]);
    assert_eq!(groups, report["groups_created"].as_f64().unwrap());
}

async fn webhook_deliveries_are_counted_by_outcome(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let receiver = crate::webhook_receiver::Receiver::start().await;
    let created = app.post("/api/admin/sites/acme/webhooks", json!({ "url": receiver.url })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let before = scrape(&app).await;
    receiver.answer(&[500]);
    app.user("acme", json!({ "username": "ada" })).await;
    app.app.webhooks().run_due().await.unwrap();
    app.clock.advance(jiff::SignedDuration::from_secs(10));
    app.app.webhooks().run_due().await.unwrap();
    assert_eq!(receiver.take().len(), 2);

    let after = scrape(&app).await;
    let delivered = &[("outcome", "delivered")];
    assert_eq!(grew(&before, &after, "roster_webhook_deliveries_total", delivered), 1.0);
    let failed = &[("outcome", "failed")];
    assert_eq!(grew(&before, &after, "roster_webhook_deliveries_total", failed), 1.0);
    let attempts = grew(&before, &after, "roster_webhook_delivery_duration_seconds_count", &[]);
    assert_eq!(attempts, 2.0);
    assert_eq!(after.types["roster_webhook_deliveries_total"], "counter");
}

async fn the_main_listener_shows_metrics_to_operators_only(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let site_key = app.site_key("acme").await;
    let url = format!("{}/metrics", app.address);
    for key in [None, Some(site_key.as_str()), Some("roster_ak_not-a-key"), Some("")] {
        let mut request = app.client.get(&url);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        let reply = helpers::reply(request.send().await.unwrap()).await;
        assert_error(&reply, StatusCode::UNAUTHORIZED, "unauthorized", None);
        assert!(reply.body["message"].as_str().unwrap().contains("operator key"), "{reply:?}");
    }
    // The operator's scrape parses (`scrape` checks the format).
    scrape(&app).await;
}

/// `roster serve --metrics-listen`: the address it bound is logged, and
/// there `/metrics` needs no key, and nothing else is served; SCIM
/// requests count with the SCIM request log off too.
async fn a_metrics_listener_serves_scrapers_without_a_key(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    run_ok(&db, &["site", "create", "--slug", "acme"]);
    run_ok(&db, &["provider", "create", "--site", "acme", "--kind", "onelogin", "--name", "One"]);
    let credential = run_json(
        &db,
        &["provider", "scim", "--site", "acme", "--provider", "One", "--auth", "token"],
    );
    let token = credential["token"].as_str().unwrap_or_else(|| panic!("{credential}")).to_owned();
    let server =
        Server::start(&db.cli_args, &["--metrics-listen", "127.0.0.1:0", "--scim-log", "off"]);
    let line = server.wait_for_line("roster serves metrics");
    let scraper = format!("http://{}", bound_address(&line).expect("an address"));
    assert_ne!(scraper, server.address);
    let client = reqwest::Client::new();

    let guarded =
        helpers::reply(client.get(format!("{}/metrics", server.address)).send().await.unwrap())
            .await;
    assert_error(&guarded, StatusCode::UNAUTHORIZED, "unauthorized", None);
    let users = client
        .get(format!("{}/api/scim/Users", server.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(users.status(), StatusCode::OK);

    let scraped = client.get(format!("{scraper}/metrics")).send().await.unwrap();
    assert_eq!(scraped.status(), StatusCode::OK);
    assert_eq!(scraped.headers()[CONTENT_TYPE], "text/plain; version=0.0.4; charset=utf-8");
    let exposition = parse(&scraped.text().await.unwrap());
    let labels = [("provider_kind", "onelogin"), ("method", "GET"), ("status", "200")];
    assert_eq!(exposition.value(SCIM_REQUESTS, &labels), 1.0, "{exposition:#?}");
    let elsewhere = client.get(format!("{scraper}/api/admin/sites")).send().await.unwrap();
    assert_eq!(elsewhere.status(), StatusCode::NOT_FOUND);
    let posted = client.post(format!("{scraper}/metrics")).send().await.unwrap();
    assert_eq!(posted.status(), StatusCode::METHOD_NOT_ALLOWED);

    let stopped = server.stop();
    assert!(stopped.success(), "{:#?}", stopped.log);
}

/// The parser refuses what is not the text format, so that a scrape that
/// passes it is one.
#[test]
fn the_format_check_refuses_malformed_text() {
    let good = "# HELP a_total A.\n# TYPE a_total counter\na_total{k=\"v\\\"\"} 1\n";
    assert_eq!(parse(good).value("a_total", &[("k", "v\"")]), 1.0);
    let histogram =
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n";
    assert_eq!(parse(histogram).value("h_count", &[]), 2.0);
    for bad in [
        "a_total 1\n",                                       // no TYPE
        "# TYPE a counter\na{k=v} 1\n",                      // unquoted
        "# TYPE a counter\na{k=\"v\\x\"} 1\n",               // bad escape
        "# TYPE a counter\na 1 2 3\n",                       // extra field
        "# TYPE a counter\na one\n",                         // not a number
        "# TYPE a counter\n# TYPE a gauge\na 1\n",           // TYPE twice
        "# TYPE a counter\na 1\n# HELP a A.\n# HELP a B.\n", // HELP twice
        "# TYPE 1a counter\n",                               // bad name
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n",
        "# TYPE a counter\na 1", // unterminated
    ] {
        let caught = std::panic::catch_unwind(|| parse(bad));
        assert!(caught.is_err(), "accepted: {bad:?}");
    }
}

crate::on_both_databases!(
    scim_requests_are_counted_by_kind_method_and_status,
    sign_ins_are_counted_by_method_and_outcome,
    job_runs_and_ldap_syncs_are_counted,
    the_main_listener_shows_metrics_to_operators_only,
    a_metrics_listener_serves_scrapers_without_a_key,
    webhook_deliveries_are_counted_by_outcome,
);
