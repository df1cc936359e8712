//! Latency statistics and the report: a text table for people, JSON for
//! scripts (`scripts/bench.sh` compares two servers from the JSON).
//!
//! Percentiles use the nearest-rank method: the p-th percentile of n sorted
//! samples is the sample of rank ceil(p/100 * n), so it is always a latency
//! that was measured, never an interpolation.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::cpu::{CpuSpent, percent_of_a_core};
use crate::paging::PagingMethod;

/// The nearest-rank `p`-th percentile (0 < p <= 100) of sorted samples.
pub fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = (p / 100.0 * n as f64).ceil() as usize;
    sorted.get(rank.clamp(1, n) - 1).copied()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Throughput and latency of a set of timed requests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measure {
    pub requests: usize,
    /// Wall-clock seconds from the first request sent to the last answer read.
    pub seconds: f64,
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Measure {
    /// The measure of `latencies` (sorted here) taken over `wall` time.
    pub fn new(latencies: &mut [Duration], wall: Duration) -> Self {
        latencies.sort_unstable();
        let seconds = wall.as_secs_f64();
        let requests = latencies.len();
        Measure {
            requests,
            seconds,
            requests_per_second: if seconds > 0.0 { requests as f64 / seconds } else { 0.0 },
            p50_ms: percentile(latencies, 50.0).map_or(0.0, ms),
            p99_ms: percentile(latencies, 99.0).map_or(0.0, ms),
        }
    }
}

/// The CPU time this load generator and the server used over a phase (or
/// over all of them), and each as a percentage of one core over the wall
/// time: 180 is 1.8 cores busy on average.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CpuUse {
    pub client_seconds: f64,
    pub client_percent: f64,
    /// `None` without `--server-pid`.
    pub server_seconds: Option<f64>,
    pub server_percent: Option<f64>,
}

impl CpuUse {
    pub fn new(spent: CpuSpent, wall: Duration) -> Self {
        CpuUse {
            client_seconds: spent.client.as_secs_f64(),
            client_percent: percent_of_a_core(spent.client, wall),
            server_seconds: spent.server.map(|cpu| cpu.as_secs_f64()),
            server_percent: spent.server.map(|cpu| percent_of_a_core(cpu, wall)),
        }
    }
}

/// How a phase ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "note")]
pub enum Status {
    Ok,
    /// The server answered that it does not implement what the phase sends.
    Unsupported(String),
    /// A phase this one needs did not complete.
    Skipped(String),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseReport {
    pub number: u8,
    /// A stable key for scripts, such as `add_members`.
    pub key: &'static str,
    pub name: &'static str,
    #[serde(flatten)]
    pub status: Status,
    /// Present when the phase completed.
    pub measure: Option<Measure>,
    /// Present when the phase completed.
    pub cpu: Option<CpuUse>,
}

/// Resident memory of the server, in MiB.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerMemory {
    /// Before the first request.
    pub start_rss_mib: f64,
    /// After the paging phase, with every user and group stored.
    pub loaded_rss_mib: f64,
    /// After everything was deleted.
    pub end_rss_mib: f64,
    /// The peak resident set of the process's life (VmHWM).
    pub peak_rss_mib: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub label: String,
    pub base_url: String,
    pub users: usize,
    pub groups: usize,
    pub concurrency: usize,
    /// Threads of the load generator's runtime.
    pub client_threads: usize,
    pub phases: Vec<PhaseReport>,
    /// All completed phases together: their requests, the sum of their
    /// seconds, and percentiles over all their latencies.
    pub total: Measure,
    /// The CPU of all completed phases over the sum of their seconds.
    pub total_cpu: CpuUse,
    /// p99 of the phase adding 50 members per PATCH.
    pub group_patch_p99_ms: Option<f64>,
    /// Wall-clock time of the walk through all users, 100 per page.
    pub paging_seconds: Option<f64>,
    /// How that walk paged: the server's cursors when it offers them.
    pub paging_method: Option<PagingMethod>,
    pub server_memory: Option<ServerMemory>,
}

const NAME_WIDTH: usize = 34;

pub(crate) fn measure_columns(out: &mut String, m: &Measure) {
    let _ = write!(
        out,
        "{:>9} {:>9.3} {:>10.1} {:>8.3} {:>8.3}",
        m.requests, m.seconds, m.requests_per_second, m.p50_ms, m.p99_ms
    );
}

/// The client's and the server's CPU columns; `-` for the server's when
/// its pid is not known.
fn cpu_columns(out: &mut String, cpu: &CpuUse) {
    let percent = |p: Option<f64>| p.map_or("-".to_owned(), |p| format!("{p:.0}%"));
    let (client, server) = (percent(Some(cpu.client_percent)), percent(cpu.server_percent));
    let _ = write!(out, " {client:>10} {server:>10}");
}

/// Prints a report, as its `text` table or as JSON, and also writes the
/// JSON to `json_out` when asked.
pub fn emit(
    report: &impl Serialize,
    text: &str,
    json: bool,
    json_out: Option<&Path>,
) -> Result<()> {
    let rendered = serde_json::to_string_pretty(report).context("serialising the report")?;
    if let Some(path) = json_out {
        std::fs::write(path, format!("{rendered}\n"))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if json {
        println!("{rendered}");
    } else {
        print!("{text}");
    }
    Ok(())
}

/// The report as a text table.
pub fn render_text(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "roster-bench: {}, {}, {} users, {} groups, concurrency {}, {} client threads",
        report.label,
        report.base_url,
        report.users,
        report.groups,
        report.concurrency,
        report.client_threads
    );
    let _ = writeln!(
        out,
        "{:>2} {:<NAME_WIDTH$} {:>9} {:>9} {:>10} {:>8} {:>8} {:>10} {:>10}",
        "#",
        "phase",
        "requests",
        "seconds",
        "req/s",
        "p50 ms",
        "p99 ms",
        "client CPU",
        "server CPU"
    );
    for phase in &report.phases {
        let _ = write!(out, "{:>2} {:<NAME_WIDTH$} ", phase.number, phase.name);
        match (&phase.status, &phase.measure, &phase.cpu) {
            (Status::Ok, Some(m), Some(cpu)) => {
                measure_columns(&mut out, m);
                cpu_columns(&mut out, cpu);
            }
            (Status::Ok, _, _) => out.push_str("(no measure)"),
            (Status::Unsupported(note), _, _) => {
                let _ = write!(out, "unsupported: {note}");
            }
            (Status::Skipped(note), _, _) => {
                let _ = write!(out, "skipped: {note}");
            }
        }
        out.push('\n');
    }
    let _ = write!(out, "{:>2} {:<NAME_WIDTH$} ", "", "total");
    measure_columns(&mut out, &report.total);
    cpu_columns(&mut out, &report.total_cpu);
    out.push('\n');
    if let Some(p99) = report.group_patch_p99_ms {
        let _ = writeln!(out, "group PATCH +50 members, p99: {p99:.3} ms");
    }
    if let Some(seconds) = report.paging_seconds {
        let method = report.paging_method.map(|m| format!(" ({})", m.parameter()));
        let method = method.unwrap_or_default();
        let _ = writeln!(out, "paging through {} users: {seconds:.3} s{method}", report.users);
    }
    if let Some(m) = &report.server_memory {
        let _ = writeln!(
            out,
            "server RSS: {:.1} MiB at start, {:.1} MiB with {} users, {:.1} MiB at the end, \
             peak {:.1} MiB",
            m.start_rss_mib, m.loaded_rss_mib, report.users, m.end_rss_mib, m.peak_rss_mib
        );
    }
    out
}

/// A measure with the given figures, for tests of reports.
#[cfg(test)]
pub(crate) fn measure(requests: usize, seconds: f64, p50_ms: f64, p99_ms: f64) -> Measure {
    Measure { requests, seconds, requests_per_second: requests as f64 / seconds, p50_ms, p99_ms }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn millis(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|&v| Duration::from_millis(v)).collect()
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let hundred: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&hundred, 50.0), Some(Duration::from_millis(50)));
        assert_eq!(percentile(&hundred, 99.0), Some(Duration::from_millis(99)));
        assert_eq!(percentile(&hundred, 100.0), Some(Duration::from_millis(100)));

        let ten = millis(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        // rank ceil(0.99 * 10) = 10: with fewer than 100 samples p99 is the maximum.
        assert_eq!(percentile(&ten, 99.0), Some(Duration::from_millis(10)));
        assert_eq!(percentile(&ten, 50.0), Some(Duration::from_millis(5)));

        assert_eq!(percentile(&millis(&[7]), 50.0), Some(Duration::from_millis(7)));
        assert_eq!(percentile(&millis(&[7]), 0.0), Some(Duration::from_millis(7)));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn a_measure_sorts_its_samples() {
        let mut samples = millis(&[30, 10, 20, 40]);
        let m = Measure::new(&mut samples, Duration::from_secs(2));
        assert_eq!(
            m,
            Measure {
                requests: 4,
                seconds: 2.0,
                requests_per_second: 2.0,
                p50_ms: 20.0,
                p99_ms: 40.0
            }
        );
        assert_eq!(Measure::new(&mut [], Duration::ZERO).requests_per_second, 0.0);
    }

    fn cpu(client_ms: u64, server_ms: Option<u64>, wall_ms: u64) -> CpuUse {
        let spent = CpuSpent {
            client: Duration::from_millis(client_ms),
            server: server_ms.map(Duration::from_millis),
        };
        CpuUse::new(spent, Duration::from_millis(wall_ms))
    }

    fn sample() -> Report {
        let m = measure;
        Report {
            label: "roster".into(),
            base_url: "http://127.0.0.1:8080/api/scim".into(),
            users: 200,
            groups: 2,
            concurrency: 16,
            client_threads: 4,
            phases: vec![
                PhaseReport {
                    number: 1,
                    key: "create_users",
                    name: "POST /Users",
                    status: Status::Ok,
                    measure: Some(m(200, 0.5, 1.25, 4.5)),
                    cpu: Some(cpu(100, Some(900), 500)),
                },
                PhaseReport {
                    number: 8,
                    key: "remove_members",
                    name: "group PATCH -50 members[value eq]",
                    status: Status::Unsupported("400 invalidPath".into()),
                    measure: None,
                    cpu: None,
                },
                PhaseReport {
                    number: 9,
                    key: "get_groups",
                    name: "GET /Groups/{id}",
                    status: Status::Skipped("needs phase 7".into()),
                    measure: None,
                    cpu: None,
                },
            ],
            total: m(200, 0.5, 1.25, 4.5),
            total_cpu: cpu(100, Some(900), 500),
            group_patch_p99_ms: Some(3.0),
            paging_seconds: Some(0.25),
            paging_method: Some(PagingMethod::Cursor),
            server_memory: Some(ServerMemory {
                start_rss_mib: 10.0,
                loaded_rss_mib: 30.5,
                end_rss_mib: 28.0,
                peak_rss_mib: 31.25,
            }),
        }
    }

    #[test]
    fn text_table() {
        let expected = "\
roster-bench: roster, http://127.0.0.1:8080/api/scim, 200 users, 2 groups, concurrency 16, 4 client threads
 # phase                               requests   seconds      req/s   p50 ms   p99 ms client CPU server CPU
 1 POST /Users                              200     0.500      400.0    1.250    4.500        20%       180%
 8 group PATCH -50 members[value eq]  unsupported: 400 invalidPath
 9 GET /Groups/{id}                   skipped: needs phase 7
   total                                    200     0.500      400.0    1.250    4.500        20%       180%
group PATCH +50 members, p99: 3.000 ms
paging through 200 users: 0.250 s (cursor)
server RSS: 10.0 MiB at start, 30.5 MiB with 200 users, 28.0 MiB at the end, peak 31.2 MiB
";
        assert_eq!(render_text(&sample()), expected);
    }

    #[test]
    fn without_the_server_pid_its_cpu_is_a_dash() {
        let mut report = sample();
        report.phases[0].cpu = Some(cpu(1250, None, 500));
        report.server_memory = None;
        report.paging_method = Some(PagingMethod::StartIndex);
        let text = render_text(&report);
        let row = text.lines().find(|line| line.starts_with(" 1 ")).unwrap();
        assert!(row.ends_with("       250%          -"), "{row}");
        assert!(text.contains("paging through 200 users: 0.250 s (startIndex)\n"), "{text}");
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["phases"][0]["cpu"]["client_percent"], 250.0);
        assert_eq!(json["phases"][0]["cpu"]["server_percent"], serde_json::Value::Null);
        assert_eq!(json["paging_method"], "startIndex");
    }

    #[test]
    fn json_shape() {
        let json = serde_json::to_value(sample()).unwrap();
        assert_eq!(json["phases"][0]["status"], "ok");
        assert!(json["phases"][0].get("note").is_none());
        assert_eq!(json["phases"][0]["measure"]["requests_per_second"], 400.0);
        assert_eq!(json["phases"][1]["status"], "unsupported");
        assert_eq!(json["phases"][1]["note"], "400 invalidPath");
        assert_eq!(json["phases"][1]["measure"], serde_json::Value::Null);
        assert_eq!(json["phases"][2]["status"], "skipped");
        assert_eq!(json["total"]["p99_ms"], 4.5);
        assert_eq!(json["server_memory"]["loaded_rss_mib"], 30.5);
        assert_eq!(json["group_patch_p99_ms"], 3.0);
        assert_eq!(json["client_threads"], 4);
        assert_eq!(json["phases"][0]["cpu"]["client_seconds"], 0.1);
        assert_eq!(json["phases"][0]["cpu"]["server_percent"], 180.0);
        assert_eq!(json["phases"][1]["cpu"], serde_json::Value::Null);
        assert_eq!(json["total_cpu"]["server_seconds"], 0.9);
        assert_eq!(json["paging_method"], "cursor");
    }
}
