//! `roster sync`: run a provider's LDAP / Active Directory sync now, with
//! its progress on a terminal, and list its past runs.

use anyhow::Context;
use clap::Subcommand;
use roster_app::App;
use roster_app::sync::SyncPhase;
use tokio::sync::watch;

use crate::{output, progress};

const OPERATOR: roster_app::Principal = roster_app::Principal::Operator;

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Sync one provider's directory now and print the outcome (exits 1 when the sync
    /// failed; the failure is recorded like any run). On a terminal, standard error
    /// shows the elapsed time and the phase meanwhile.
    Run {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The provider's name.
        #[arg(long)]
        provider: String,
        /// Read every entry, not only those changed since the last sync.
        #[arg(long)]
        full: bool,
    },
    /// A provider's last runs, newest first (`--json`: each with its report).
    Runs {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The provider's name.
        #[arg(long)]
        provider: String,
    },
}

pub async fn run(app: &App, command: &SyncCommand, json: bool) -> anyhow::Result<()> {
    match command {
        SyncCommand::Run { site, provider, full } => {
            let (sender, receiver) = watch::channel(SyncPhase::Starting);
            let shown = progress::wanted(json).then(|| tokio::spawn(progress::show(receiver)));
            let sync = match shown {
                Some(_) => app.sync().with_progress(sender),
                None => app.sync(),
            };
            let outcome = sync.run(&OPERATOR, site, provider, *full).await;
            // Dropping the sender ends the display, which erases its line
            // before the report is printed.
            drop(sync);
            if let Some(shown) = shown {
                shown.await.context("the progress display failed")?;
            }
            let report = outcome?;
            output::one(&report, json)?;
            match &report.failure {
                Some(failure) => anyhow::bail!("the sync failed: {failure}"),
                None => Ok(()),
            }
        }
        SyncCommand::Runs { site, provider } => {
            let runs = app.sync().runs(&OPERATOR, site, provider).await?;
            let total = runs.len();
            output::list(
                &serde_json::json!({ "items": runs, "total": total }),
                &["started_at", "finished_at", "succeeded", "id"],
                json,
            )
        }
    }
}
