//! `roster-bench`: a SCIM 2.0 load generator. It replays what identity
//! providers send to a SCIM server (create, read, find, replace and suspend
//! users; create groups, add and remove members; page; delete), checks
//! every answer, and reports requests/s, p50 and p99 per phase, and the
//! server's memory.
//!
//! It is a black-box client of any SCIM server and depends on no roster
//! crate. It runs on one thread (a current-thread runtime), so on a small
//! machine it leaves the other cores to the server under test.
//!
//! `roster-bench acs` is the sign-in benchmark (`acs`): signed SAML
//! responses posted to roster's assertion consumer service.

mod acs;
mod client;
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
    /// Process id of the server, to report its resident memory (Linux /proc).
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

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let outcome = match Cli::parse() {
        Cli { mode: Some(Mode::Acs(args)), .. } => acs::run(args).await,
        Cli { mode: None, scim: Some(args) } => run(args).await,
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

async fn run(args: Args) -> Result<()> {
    let config = Config {
        label: args.label,
        base_url: args.base_url,
        users: usize::try_from(args.users).context("--users")?,
        groups: usize::try_from(args.groups).context("--groups")?,
        concurrency: usize::try_from(args.concurrency).context("--concurrency")?,
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
