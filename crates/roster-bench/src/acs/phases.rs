//! The run: every response signed first (on every core, before the server
//! is measured), then two phases through the ACS. First each person signs
//! in once, which creates them just in time; then the known people sign in
//! again and again, round robin, as a working day does. Each response is
//! posted once: the ACS refuses an assertion it has seen.

use std::path::PathBuf;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use jiff::{SignedDuration, Timestamp};

use super::client::{Acs, SignIn};
use super::idp::{self, KeyPair, Person, Signer, Target};
use super::report::{PhaseReport, Report, ServerMemory, Signing};
use crate::cpu::CpuMark;
use crate::procfs::{self, Memory};
use crate::report::Measure;
use crate::runner::{End, run_queue};

/// What to run, from the command line.
pub struct Config {
    pub label: String,
    pub target: Target,
    pub keys: KeyPair,
    pub users: usize,
    pub sign_ins: usize,
    pub concurrency: usize,
    pub validity: SignedDuration,
    pub sign_threads: usize,
    pub server_pid: Option<u32>,
    pub timeout: Duration,
    /// Where to write the first response's XML, for a check by another
    /// verifier (`scripts/bench-saml.sh` runs `xmlsec1 --verify` on it).
    pub sample_out: Option<PathBuf>,
}

const FIRST_SIGN_IN: (&str, &str) = ("first_sign_in", "first sign-in (JIT creates user)");
const SIGN_IN: (&str, &str) = ("sign_in", "sign-in of a known user");

/// The `i`-th person: their NameID (an e-mail, Okta's default) is also
/// the username roster gives them.
pub fn person(i: usize) -> Person {
    Person {
        name_id: format!("user{i}@bench.example"),
        first_name: format!("First{i}"),
        last_name: format!("Last{i}"),
        groups: vec!["Everyone".into(), format!("Team {}", i % 10)],
    }
}

/// Who signs in, in order: each of `users` once, then `sign_ins` more
/// round robin over them.
pub fn schedule(users: usize, sign_ins: usize) -> Vec<usize> {
    (0..users).chain((0..sign_ins).map(|k| k % users)).collect()
}

/// Signs one response per entry of `who`, split over `threads` threads.
pub fn sign_all(config: &Config, who: &[usize], now: Timestamp) -> Result<Vec<SignIn>> {
    let threads = config.sign_threads.clamp(1, who.len().max(1));
    let chunk = who.len().div_ceil(threads).max(1);
    thread::scope(|scope| {
        let workers: Vec<_> = who
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || -> Result<Vec<SignIn>> {
                    let signer = Signer::new(&config.keys)?;
                    part.iter()
                        .map(|&i| {
                            let person = person(i);
                            let response =
                                signer.response(&config.target, &person, now, config.validity)?;
                            Ok(SignIn { response, username: person.name_id })
                        })
                        .collect()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(who.len());
        for worker in workers {
            let part = worker.join().map_err(|_| anyhow!("a signing thread panicked"))??;
            all.extend(part);
        }
        Ok(all)
    })
}

fn memory(pid: Option<u32>) -> Result<Option<Memory>> {
    pid.map(procfs::read_memory).transpose()
}

/// Milliseconds of CPU per sign-in.
fn per_sign_in(cpu: Duration, sign_ins: usize) -> f64 {
    cpu.as_secs_f64() * 1000.0 / sign_ins.max(1) as f64
}

/// Posts every sign-in with `concurrency` workers; the first wrong answer
/// stops the phase and the run.
async fn phase(
    config: &Config,
    acs: &Arc<Acs>,
    sign_ins: Vec<SignIn>,
    (key, name): (&'static str, &'static str),
    number: u8,
) -> Result<(PhaseReport, Vec<Duration>)> {
    let client = acs.clone();
    let count = sign_ins.len();
    let before = CpuMark::now(config.server_pid)?;
    let end = run_queue(sign_ins, config.concurrency, move |sign_in: SignIn| {
        let client = client.clone();
        async move { Ok(vec![client.sign_in(&sign_in).await?]) }
    })
    .await
    .map_err(|err| err.context(format!("phase {number}, {name}")))?;
    let spent = CpuMark::now(config.server_pid)?.since(&before);
    let End::Done(mut outcome) = end else {
        bail!("phase {number}, {name}: the ACS answered that it does not implement sign-in");
    };
    let measure = Measure::new(&mut outcome.latencies, outcome.wall);
    let report = PhaseReport {
        number,
        key,
        name,
        measure,
        server_cpu_ms: spent.server.map(|cpu| per_sign_in(cpu, count)),
        client_cpu_ms: per_sign_in(spent.client, count),
    };
    Ok((report, outcome.latencies))
}

pub async fn run(config: &Config) -> Result<Report> {
    let who = schedule(config.users, config.sign_ins);
    let started = Instant::now();
    let mut sign_ins = sign_all(config, &who, Timestamp::now())?;
    let signing = Signing {
        responses: sign_ins.len(),
        seconds: started.elapsed().as_secs_f64(),
        threads: config.sign_threads,
    };
    // A key that does not match its certificate would make every answer a
    // refusal; said here, before the server sees anything.
    if let Some(first) = sign_ins.first() {
        idp::verify(&first.response, &config.keys.cert_pem)?;
        if let Some(path) = &config.sample_out {
            std::fs::write(path, idp::decode(&first.response)?)
                .with_context(|| format!("writing {}", path.display()))?;
        }
    }
    let known = sign_ins.split_off(config.users);
    let acs = Arc::new(Acs::new(&config.target.acs_url, config.concurrency, config.timeout)?);

    let start_memory = memory(config.server_pid)?;
    let (first, mut latencies) = phase(config, &acs, sign_ins, FIRST_SIGN_IN, 1).await?;
    let (again, mut more) = phase(config, &acs, known, SIGN_IN, 2).await?;
    let end_memory = memory(config.server_pid)?;

    latencies.append(&mut more);
    let wall = Duration::from_secs_f64(first.measure.seconds + again.measure.seconds);
    let total = Measure::new(&mut latencies, wall);
    let server_memory = match (start_memory, end_memory) {
        (Some(start), Some(end)) => Some(ServerMemory {
            start_rss_mib: procfs::mib(start.rss_kib),
            end_rss_mib: procfs::mib(end.rss_kib),
            peak_rss_mib: procfs::mib(end.hwm_kib),
        }),
        _ => None,
    };
    Ok(Report {
        label: config.label.clone(),
        acs_url: config.target.acs_url.clone(),
        users: config.users,
        sign_ins: config.sign_ins,
        concurrency: config.concurrency,
        signing,
        phases: vec![first, again],
        total,
        server_memory,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everyone_first_then_round_robin() {
        assert_eq!(schedule(3, 7), vec![0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
        assert_eq!(schedule(2, 0), vec![0, 1]);
    }

    #[test]
    fn cpu_per_sign_in() {
        let cpu = Duration::from_millis(500);
        assert_eq!(per_sign_in(cpu, 250), 2.0);
        assert_eq!(per_sign_in(cpu, 0), 500.0);
    }

    #[test]
    fn people_are_distinct() {
        assert_eq!(person(7).name_id, "user7@bench.example");
        assert_ne!(person(1).name_id, person(11).name_id);
        assert_eq!(person(13).groups, vec!["Everyone".to_owned(), "Team 3".to_owned()]);
    }

    #[test]
    fn signing_keeps_the_order_across_threads() {
        let config = Config {
            label: "test".into(),
            target: Target {
                idp_entity_id: "https://idp.bench.example/metadata".into(),
                sp_entity_id: "http://127.0.0.1:1/saml/metadata".into(),
                acs_url: "http://127.0.0.1:1/saml/consume/p".into(),
            },
            keys: KeyPair {
                key_pem: include_bytes!("../../../roster-saml/tests/data/keys/idp.key").to_vec(),
                cert_pem: include_bytes!("../../../roster-saml/tests/data/keys/idp.crt").to_vec(),
            },
            users: 3,
            sign_ins: 4,
            concurrency: 1,
            validity: SignedDuration::from_mins(5),
            sign_threads: 3,
            server_pid: None,
            timeout: Duration::from_secs(1),
            sample_out: None,
        };
        let who = schedule(3, 4);
        let signed = sign_all(&config, &who, Timestamp::now()).unwrap();
        let names: Vec<String> = signed.iter().map(|s| s.username.clone()).collect();
        let expected = [0, 1, 2, 0, 1, 2, 0].map(|i| format!("user{i}@bench.example"));
        assert_eq!(names, expected);
        for sign_in in &signed {
            idp::verify(&sign_in.response, &config.keys.cert_pem).unwrap();
        }
        let mut responses: Vec<&str> = signed.iter().map(|s| s.response.as_str()).collect();
        responses.sort_unstable();
        responses.dedup();
        assert_eq!(responses.len(), 7, "every response is its own");
    }
}
