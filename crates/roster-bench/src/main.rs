//! `roster-bench`: a SCIM 2.0 load generator. It replays what identity
//! providers send to a SCIM server (create, read, find, replace and suspend
//! users; create groups, add and remove members; page; delete), checks
//! every answer, and reports requests/s, p50 and p99 per phase, and the
//! server's memory.
//!
//! It is a black-box client of any SCIM server and depends on no roster
//! crate. It runs on `--threads` threads, by default as many as requests
//! in flight up to the cores there are, so that at high concurrency the
//! client is not the limit; `--threads 1` (a current-thread runtime)
//! leaves the other cores of a small machine to the server under test.
//!
//! `roster-bench acs` is the sign-in benchmark (`acs`): signed SAML
//! responses posted to roster's assertion consumer service.

mod acs;
mod client;
mod cpu;
mod paging;
mod phases;
mod procfs;
mod report;
mod runner;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use secrecy::SecretString;
use tokio::runtime::{Builder, Runtime};

use crate::acs::AcsArgs;
use crate::client::Scim;
use crate::phases::Config;

/// A token kept out of `Debug` output.
fn secret(raw: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(raw.to_owned()))
}

/// The SCIM benchmark takes its flags directly, as it always has; `acs`
/// names the sign-in benchmark.
#[derive(Debug, Parser)]
#[command(
    name = "roster-bench",
    version,
    about = "Load generator for SCIM 2.0 servers, and for roster's SAML sign-ins (acs)",
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
struct Cli {
    #[command(subcommand)]
    mode: Option<Mode>,
    #[command(flatten)]
    scim: Option<Args>,
}

#[derive(Debug, Subcommand)]
enum Mode {
    /// Verified SAML sign-ins per second through roster's assertion
    /// consumer service.
    Acs(AcsArgs),
}

#[derive(Debug, clap::Args)]
struct Args {
    /// The SCIM base URL, for example http://127.0.0.1:8080/api/scim.
    #[arg(long)]
    base_url: String,
    /// Bearer token sent in the Authorization header.
    #[arg(long, env = "ROSTER_BENCH_TOKEN", hide_env_values = true, value_parser = secret)]
    token: Option<SecretString>,
    /// Users to create.
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1..))]
    users: u32,
    /// Groups to create; each gets up to 500 members.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    groups: u32,
    /// Requests in flight at once within each phase.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1024))]
    concurrency: u32,
    /// Threads running the requests (default: the concurrency, at most one
    /// per core); 1 leaves the other cores of a small machine to the server.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads: Option<u32>,
    /// Process id of the server, to report its resident memory and CPU
    /// time (Linux /proc).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json_out: Option<PathBuf>,
    /// A name for the server under test, shown in the report.
    #[arg(long, default_value = "server")]
    label: String,
    /// Seconds to wait for any one answer before giving up.
    #[arg(long, default_value_t = 60)]
    timeout_secs: u64,
}

fn main() -> ExitCode {
    let outcome = match Cli::parse() {
        // The sign-in benchmark stays on one thread: its costly work, the
        // signing, is done before the run on `--sign-threads` threads, and
        // what is left per sign-in is posting a form already made, whose
        // CPU per sign-in the report shows next to the server's.
        Cli { mode: Some(Mode::Acs(args)), .. } => {
            runtime(1).and_then(|runtime| runtime.block_on(acs::run(args)))
        }
        Cli { mode: None, scim: Some(args) } => {
            let threads = args.client_threads();
            runtime(threads).and_then(|runtime| runtime.block_on(run(args, threads)))
        }
        // clap requires the SCIM flags when no mode is named.
        Cli { mode: None, scim: None } => Err(anyhow::anyhow!("--base-url is required")),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // The chain without a backtrace: the message names the phase,
            // the request and the response, which is what there is to see.
            eprintln!("roster-bench: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  {}", cause.to_string().replace('\n', "\n  "));
            }
            ExitCode::FAILURE
        }
    }
}

impl Args {
    /// `--threads`, or the concurrency up to one thread per core: more
    /// threads than requests in flight would only wait.
    fn client_threads(&self) -> usize {
        // clap bounds both flags to 1024, which fits any usize.
        let count = |flag: u32| usize::try_from(flag).unwrap_or(1024);
        match self.threads {
            Some(threads) => count(threads),
            None => {
                let cores = std::thread::available_parallelism().map_or(1, usize::from);
                count(self.concurrency).min(cores)
            }
        }
    }
}

/// The runtime the benchmark runs on. One thread is a current-thread
/// runtime: every task on the thread that called `main`, as before there
/// was a choice; more is Tokio's work-stealing runtime.
fn runtime(threads: usize) -> Result<Runtime> {
    let mut builder = if threads <= 1 {
        Builder::new_current_thread()
    } else {
        let mut builder = Builder::new_multi_thread();
        builder.worker_threads(threads);
        builder
    };
    builder.enable_all().build().context("starting the Tokio runtime")
}

async fn run(args: Args, client_threads: usize) -> Result<()> {
    let config = Config {
        label: args.label,
        base_url: args.base_url,
        users: usize::try_from(args.users).context("--users")?,
        groups: usize::try_from(args.groups).context("--groups")?,
        concurrency: usize::try_from(args.concurrency).context("--concurrency")?,
        client_threads,
        server_pid: args.server_pid,
    };
    let scim = Scim::new(
        &config.base_url,
        args.token,
        config.concurrency,
        Duration::from_secs(args.timeout_secs),
    )?;
    let report = phases::run(&config, scim).await?;
    report::emit(&report, &report::render_text(&report), args.json, args.json_out.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scim_flags_still_work_alone() {
        let cli =
            Cli::try_parse_from(["roster-bench", "--base-url", "http://h/scim", "--users", "5"])
                .unwrap();
        assert!(cli.mode.is_none());
        let scim = cli.scim.unwrap();
        assert_eq!((scim.base_url.as_str(), scim.users), ("http://h/scim", 5));
        assert!(Cli::try_parse_from(["roster-bench"]).is_err(), "--base-url is required");
    }

    fn scim_args(flags: &[&str]) -> Args {
        let cli = ["roster-bench", "--base-url", "http://h/scim"].iter().chain(flags);
        Cli::try_parse_from(cli).unwrap().scim.unwrap()
    }

    #[test]
    fn threads_default_to_the_concurrency_up_to_the_cores() {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        assert_eq!(scim_args(&[]).client_threads(), 1, "concurrency 1 needs one thread");
        let wide = scim_args(&["--concurrency", "1024"]).client_threads();
        assert_eq!(wide, cores);
        // Asked for, it is what was asked, even beyond the cores.
        let asked = scim_args(&["--concurrency", "64", "--threads", "1"]);
        assert_eq!(asked.client_threads(), 1);
        let asked = scim_args(&["--concurrency", "2", "--threads", "8"]);
        assert_eq!(asked.client_threads(), 8);
        assert!(
            Cli::try_parse_from(["roster-bench", "--base-url", "u", "--threads", "0"]).is_err()
        );
    }

    #[test]
    fn one_thread_is_the_current_thread() {
        let here = std::thread::current().id();
        let on = runtime(1).unwrap().block_on(async { std::thread::current().id() });
        assert_eq!(on, here);
        let spawned = runtime(2)
            .unwrap()
            .block_on(async { tokio::spawn(async { std::thread::current().id() }).await.unwrap() });
        assert_ne!(spawned, here);
    }

    #[test]
    fn acs_names_the_sign_in_benchmark() {
        let acs = [
            "roster-bench",
            "acs",
            "--acs-url",
            "http://h/saml/consume/p",
            "--sp-entity-id",
            "http://h/saml/metadata",
            "--idp-key",
            "idp.key",
            "--idp-cert",
            "idp.crt",
        ];
        let cli = Cli::try_parse_from(acs).unwrap();
        assert!(matches!(cli.mode, Some(Mode::Acs(_))));
        assert!(cli.scim.is_none());
        let mixed = ["roster-bench", "--base-url", "http://h/scim"]
            .into_iter()
            .chain(acs[1..].iter().copied());
        assert!(Cli::try_parse_from(mixed).is_err(), "one benchmark at a time");
    }
}
