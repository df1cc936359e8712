//! A randomized stream of SCIM requests against the server (issue 16 §4),
//! on both databases: a few hundred creates, reads, PUTs, PATCHes with
//! random operations and paths, filters, searches, bulk requests and
//! deletes, valid and malformed (odd content types, broken JSON, huge,
//! NUL and non-ASCII values, bad ids, wrong methods, stale preconditions),
//! from two providers of different kinds, sometimes several at once.
//!
//! Whatever arrives, the server must answer: never a 5xx, never a dropped
//! connection, always JSON (the SCIM error schema, with the status, for a
//! 4xx). The generator ([`scim_stream_gen`](crate::scim_stream_gen)) is
//! seeded; the seed is printed and named in every failure, and
//! `ROSTER_STREAM_SEED=<n>` replays another stream (requests sent at once
//! may interleave differently on a replay); `ROSTER_STREAM_VERBOSE=1`
//! prints every answer.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{Backend, spawn_app};
use crate::scim_stream_gen::{Generator, Request};

/// The stream's seed unless `ROSTER_STREAM_SEED` gives another.
const SEED: u64 = 0x5EED_5C13;

/// How many requests one stream sends.
const REQUESTS: usize = 600;

/// What one request got back, or how it failed.
struct Outcome {
    status: StatusCode,
    content_type: Option<String>,
    body: Vec<u8>,
}

async fn send(client: &reqwest::Client, base: &str, request: &Request) -> Result<Outcome, String> {
    let method = Method::from_bytes(request.method.as_bytes()).map_err(|e| e.to_string())?;
    let mut builder = client.request(method, format!("{base}{}", request.path));
    if let Some(token) = &request.token {
        builder = builder.bearer_auth(token);
    }
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    if let Some(content_type) = &request.content_type {
        builder = builder.header("content-type", content_type.as_str());
    }
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    let response = builder.send().await.map_err(|e| format!("no response: {e:?}"))?;
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    let body = response.bytes().await.map_err(|e| format!("body cut short: {e:?}"))?.to_vec();
    Ok(Outcome { status, content_type, body })
}

/// Why an answer breaks the rules, if it does.
fn judge(outcome: &Outcome) -> Option<String> {
    let status = outcome.status;
    if status.is_server_error() {
        return Some(format!("{status}"));
    }
    if status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        return (!outcome.body.is_empty()).then(|| format!("{status} with a body"));
    }
    if !(status.is_success() || status.is_client_error()) {
        return Some(format!("unexpected {status}"));
    }
    let body: Value = match serde_json::from_slice(&outcome.body) {
        Ok(body) => body,
        Err(e) => return Some(format!("{status} without JSON ({e})")),
    };
    if outcome.content_type.as_deref() != Some("application/scim+json") {
        return Some(format!("{status} as {:?}", outcome.content_type));
    }
    if status.is_client_error() {
        let schema = body["schemas"].as_array().and_then(|s| s.first()).and_then(Value::as_str);
        if schema != Some("urn:ietf:params:scim:api:messages:2.0:Error") {
            return Some(format!("{status} without the SCIM error schema"));
        }
        if body["status"].as_str() != Some(status.as_str()) {
            return Some(format!("{status} whose body says {}", body["status"]));
        }
        if body["detail"].as_str().is_none_or(str::is_empty) {
            return Some(format!("{status} without a detail"));
        }
    } else if !body.is_object() {
        return Some(format!("{status} whose body is not an object"));
    }
    None
}

/// The start of a text, for messages.
fn short(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut cut: String = text.chars().take(400).collect();
    if cut.len() < text.len() {
        cut.push_str(&format!("... ({} bytes)", bytes.len()));
    }
    cut
}

/// Learns the ids (and versions) the generator may aim at next.
fn learn(generator: &mut Generator, request: &Request, outcome: &Outcome) {
    if !outcome.status.is_success() {
        return;
    }
    let Ok(body) = serde_json::from_slice::<Value>(&outcome.body) else { return };
    let mut resources = vec![&body];
    if let Some(listed) = body["Resources"].as_array() {
        resources.extend(listed);
    }
    for resource in resources {
        let (Some(id), Some(kind)) = (
            resource["id"].as_str(),
            resource.pointer("/meta/resourceType").and_then(Value::as_str),
        ) else {
            continue;
        };
        let version = resource.pointer("/meta/version").and_then(Value::as_str);
        generator.saw(request.token.as_deref().unwrap_or_default(), kind, id, version);
    }
    if request.method == "DELETE" && outcome.status == StatusCode::NO_CONTENT {
        generator.forget(&request.path);
    }
}

async fn request_stream_never_fails_the_server(backend: Backend) {
    let seed =
        std::env::var("ROSTER_STREAM_SEED").ok().and_then(|text| text.parse().ok()).unwrap_or(SEED);
    println!("ROSTER_STREAM_SEED={seed}");
    let verbose = std::env::var_os("ROSTER_STREAM_VERBOSE").is_some();
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let okta = app.scim_provider("acme", "okta", "Okta").await;
    let entra = app.scim_provider("acme", "entra_id", "Entra").await;
    let base = format!("{}/api/scim", app.address);
    let mut generator = Generator::new(seed, [okta.token.clone(), entra.token.clone()]);
    let client =
        reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
    let started = Instant::now();
    let mut failures = Vec::new();
    // Per kind of request, how many got each status.
    let mut statuses: BTreeMap<&str, BTreeMap<u16, usize>> = BTreeMap::new();
    let mut sent = 0;
    while sent < REQUESTS {
        let batch = generator.batch();
        let mut tasks = tokio::task::JoinSet::new();
        for (index, request) in batch.into_iter().enumerate() {
            let (client, base) = (client.clone(), base.clone());
            tasks.spawn(async move {
                let outcome = send(&client, &base, &request).await;
                (index, request, outcome)
            });
        }
        let mut answers = tasks.join_all().await;
        answers.sort_by_key(|(index, _, _)| *index);
        for (_, request, outcome) in answers {
            sent += 1;
            let verdict = match &outcome {
                Err(why) => Some(why.clone()),
                Ok(outcome) => judge(outcome),
            };
            if verbose && let Ok(outcome) = &outcome {
                println!(
                    "#{sent} {} -> {}: {}",
                    request.label,
                    outcome.status,
                    short(&outcome.body)
                );
            }
            if let Some(why) = verdict {
                let got = outcome.as_ref().map_or(String::new(), |o| short(&o.body));
                failures.push(format!(
                    "#{sent} {}: {why}\n    request: {}\n    response: {got}",
                    request.label,
                    request.describe()
                ));
            } else if let Ok(outcome) = &outcome {
                let seen = statuses.entry(request.label).or_default();
                *seen.entry(outcome.status.as_u16()).or_default() += 1;
                learn(&mut generator, &request, outcome);
            }
        }
    }
    // The server still answers after the stream.
    let alive = send(&client, &base, &generator.service_provider_config()).await;
    assert!(alive.is_ok_and(|o| o.status == StatusCode::OK), "the server stopped answering");
    let elapsed = started.elapsed();
    println!("{sent} requests in {elapsed:?}");
    for (label, seen) in &statuses {
        println!("  {label}: {seen:?}");
    }
    assert!(
        failures.is_empty(),
        "ROSTER_STREAM_SEED={seed}: {} of {sent} requests broke the rules:\n{}",
        failures.len(),
        failures.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
}

crate::on_both_databases!(request_stream_never_fails_the_server);
