//! The sign-in benchmark's report: how long signing the responses took
//! (outside every measure), then per phase sign-ins per second, latency
//! percentiles and the CPU time each sign-in cost the server and the load
//! generator, as a text table and as JSON.

use std::fmt::Write as _;

use serde::Serialize;

use crate::report::{Measure, measure_columns};

/// Making the responses before the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signing {
    pub responses: usize,
    pub seconds: f64,
    pub threads: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseReport {
    pub number: u8,
    /// A stable key for scripts: `first_sign_in` or `sign_in`.
    pub key: &'static str,
    pub name: &'static str,
    pub measure: Measure,
    /// Milliseconds of the server's CPU (all its threads, user and system)
    /// per sign-in, when its pid is known: unlike sign-ins per second, it
    /// holds when other work shares the machine.
    pub server_cpu_ms: Option<f64>,
    /// The same for this load generator (signing is not in the phases).
    pub client_cpu_ms: f64,
}

/// Resident memory of the server, in MiB.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerMemory {
    pub start_rss_mib: f64,
    pub end_rss_mib: f64,
    /// The peak resident set of the process's life (VmHWM).
    pub peak_rss_mib: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub label: String,
    pub acs_url: String,
    pub users: usize,
    pub sign_ins: usize,
    pub concurrency: usize,
    pub signing: Signing,
    pub phases: Vec<PhaseReport>,
    /// Both phases: their sign-ins, the sum of their seconds, percentiles
    /// over all their latencies.
    pub total: Measure,
    pub server_memory: Option<ServerMemory>,
}

const NAME_WIDTH: usize = 34;

/// The report as a text table.
pub fn render_text(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "roster-bench acs: {}, {}, {} users, {} sign-ins, concurrency {}",
        report.label, report.acs_url, report.users, report.sign_ins, report.concurrency
    );
    let s = &report.signing;
    let _ = writeln!(
        out,
        "signed {} responses in {:.3} s on {} threads (before the run, not measured)",
        s.responses, s.seconds, s.threads
    );
    let _ = writeln!(
        out,
        "{:>2} {:<NAME_WIDTH$} {:>9} {:>9} {:>10} {:>8} {:>8} {:>11} {:>11}",
        "#",
        "phase",
        "sign-ins",
        "seconds",
        "sign-ins/s",
        "p50 ms",
        "p99 ms",
        "server CPU",
        "client CPU"
    );
    for phase in &report.phases {
        let _ = write!(out, "{:>2} {:<NAME_WIDTH$} ", phase.number, phase.name);
        measure_columns(&mut out, &phase.measure);
        let server = phase.server_cpu_ms.map_or("-".to_owned(), |ms| format!("{ms:.3} ms"));
        let _ = writeln!(out, " {server:>11} {:>8.3} ms", phase.client_cpu_ms);
    }
    let _ = write!(out, "{:>2} {:<NAME_WIDTH$} ", "", "total");
    measure_columns(&mut out, &report.total);
    out.push('\n');
    if let Some(m) = &report.server_memory {
        let _ = writeln!(
            out,
            "server RSS: {:.1} MiB at start, {:.1} MiB at the end, peak {:.1} MiB",
            m.start_rss_mib, m.end_rss_mib, m.peak_rss_mib
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report {
        let m = crate::report::measure;
        Report {
            label: "roster".into(),
            acs_url: "http://127.0.0.1:8080/saml/consume/p1".into(),
            users: 100,
            sign_ins: 1000,
            concurrency: 16,
            signing: Signing { responses: 1100, seconds: 2.5, threads: 2 },
            phases: vec![
                PhaseReport {
                    number: 1,
                    key: "first_sign_in",
                    name: "first sign-in (JIT)",
                    measure: m(100, 0.25, 2.0, 8.5),
                    server_cpu_ms: Some(1.25),
                    client_cpu_ms: 0.5,
                },
                PhaseReport {
                    number: 2,
                    key: "sign_in",
                    name: "sign-in",
                    measure: m(1000, 2.0, 1.5, 6.25),
                    server_cpu_ms: None,
                    client_cpu_ms: 0.375,
                },
            ],
            total: m(1100, 2.25, 1.5, 7.0),
            server_memory: Some(ServerMemory {
                start_rss_mib: 12.0,
                end_rss_mib: 20.5,
                peak_rss_mib: 21.25,
            }),
        }
    }

    #[test]
    fn text_table() {
        let expected = "\
roster-bench acs: roster, http://127.0.0.1:8080/saml/consume/p1, 100 users, 1000 sign-ins, concurrency 16
signed 1100 responses in 2.500 s on 2 threads (before the run, not measured)
 # phase                               sign-ins   seconds sign-ins/s   p50 ms   p99 ms  server CPU  client CPU
 1 first sign-in (JIT)                      100     0.250      400.0    2.000    8.500    1.250 ms    0.500 ms
 2 sign-in                                 1000     2.000      500.0    1.500    6.250           -    0.375 ms
   total                                   1100     2.250      488.9    1.500    7.000
server RSS: 12.0 MiB at start, 20.5 MiB at the end, peak 21.2 MiB
";
        assert_eq!(render_text(&sample()), expected);
    }

    #[test]
    fn json_shape() {
        let json = serde_json::to_value(sample()).unwrap();
        assert_eq!(json["phases"][1]["key"], "sign_in");
        assert_eq!(json["phases"][1]["measure"]["requests_per_second"], 500.0);
        assert_eq!(json["phases"][0]["server_cpu_ms"], 1.25);
        assert_eq!(json["phases"][1]["server_cpu_ms"], serde_json::Value::Null);
        assert_eq!(json["signing"]["responses"], 1100);
        assert_eq!(json["total"]["p99_ms"], 7.0);
        assert_eq!(json["server_memory"]["peak_rss_mib"], 21.25);
    }
}
