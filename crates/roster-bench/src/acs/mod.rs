//! `roster-bench acs`: verified SAML sign-ins per second through roster's
//! assertion consumer service. It signs IdP-initiated responses as an
//! identity provider (`idp`), posts them to the provider's ACS as browsers
//! do, checks that each signed its person in (`client`), and reports
//! sign-ins per second and latency per phase (`phases`, `report`).
//!
//! Responses are signed before the run and posted once each: an assertion
//! is single-use (roster keeps a replay cache), so the measure includes
//! the cache's write, as every real sign-in does.

mod client;
mod idp;
mod phases;
mod report;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use jiff::SignedDuration;

use self::idp::{KeyPair, Target};
use self::phases::Config;

#[derive(Debug, Args)]
pub struct AcsArgs {
    /// Where to post the responses, also their Destination and Recipient:
    /// for roster, PUBLIC_URL/saml/consume/PROVIDER_ID (IdP-initiated
    /// sign-in is taken at a provider's own ACS).
    #[arg(long)]
    acs_url: String,
    /// The SP's entity id, the Audience: for roster, PUBLIC_URL/saml/metadata.
    #[arg(long)]
    sp_entity_id: String,
    /// The IdP's entity id, the Issuer (as in the metadata roster trusts).
    #[arg(long, default_value = "https://idp.bench.example/metadata")]
    idp_entity_id: String,
    /// The IdP's RSA private key (PEM, PKCS#8 or PKCS#1).
    #[arg(long)]
    idp_key: PathBuf,
    /// The IdP's certificate (PEM), sent in each signature's KeyInfo.
    #[arg(long)]
    idp_cert: PathBuf,
    /// People; each signs in once first, which creates them just in time.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    users: u32,
    /// Sign-ins of known people after that, round robin over them.
    #[arg(long, default_value_t = 10_000)]
    sign_ins: u32,
    /// Sign-ins in flight at once.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1024))]
    concurrency: u32,
    /// How long each assertion is valid from its signing: long enough for
    /// the whole run, since every response is signed before it starts.
    #[arg(long, default_value_t = 900, value_parser = clap::value_parser!(u32).range(60..))]
    validity_secs: u32,
    /// Threads signing responses before the run (default: one per core).
    #[arg(long)]
    sign_threads: Option<u32>,
    /// Process id of the server, to report its resident memory (Linux /proc).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Write the first response's XML here (to check it with another
    /// verifier, such as `xmlsec1 --verify`).
    #[arg(long)]
    sample_out: Option<PathBuf>,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json_out: Option<PathBuf>,
    /// A name for the server under test, shown in the report.
    #[arg(long, default_value = "roster")]
    label: String,
    /// Seconds to wait for any one answer before giving up.
    #[arg(long, default_value_t = 60)]
    timeout_secs: u64,
}

fn read(path: &PathBuf, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading the {what} {}", path.display()))
}

pub async fn run(args: AcsArgs) -> Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let config = Config {
        label: args.label,
        target: Target {
            idp_entity_id: args.idp_entity_id,
            sp_entity_id: args.sp_entity_id,
            acs_url: args.acs_url,
        },
        keys: KeyPair {
            key_pem: read(&args.idp_key, "IdP key")?,
            cert_pem: read(&args.idp_cert, "IdP certificate")?,
        },
        users: usize::try_from(args.users).context("--users")?,
        sign_ins: usize::try_from(args.sign_ins).context("--sign-ins")?,
        concurrency: usize::try_from(args.concurrency).context("--concurrency")?,
        validity: SignedDuration::from_secs(i64::from(args.validity_secs)),
        sign_threads: match args.sign_threads {
            Some(n) => usize::try_from(n).context("--sign-threads")?.max(1),
            None => cores,
        },
        server_pid: args.server_pid,
        timeout: Duration::from_secs(args.timeout_secs),
        sample_out: args.sample_out,
    };
    let report = phases::run(&config).await?;
    crate::report::emit(&report, &report::render_text(&report), args.json, args.json_out.as_deref())
}
