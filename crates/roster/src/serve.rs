//! `roster serve`: logging, the database, the HTTP server and graceful
//! shutdown on SIGTERM or Ctrl-C.

use std::sync::Arc;

use anyhow::Context;
use roster_app::{App, AppConfig, Context as AppContext, SystemClock};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

use crate::cli::{DatabaseArgs, LogFormat, MetadataArgs, ServeArgs, Switch};
use crate::commands::metadata_client;
use crate::config::store_config;

pub async fn run(
    database: &DatabaseArgs,
    metadata: &MetadataArgs,
    args: &ServeArgs,
) -> anyhow::Result<()> {
    init_logging(args.log_format);
    let config = store_config(database, args.database_max_connections)?;
    let store = roster_store::connect(&config).await.context("cannot open the database")?;
    tracing::info!(dialect = ?store.dialect(), "database ready");
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    tracing::info!(address = %listener.local_addr()?, "roster is listening");
    let settings =
        AppConfig { public_url: args.public_url.clone(), scim_log: args.scim_log == Switch::On };
    if !settings.scim_log {
        tracing::info!(
            "the SCIM request log is off (--scim-log off): SCIM requests are not recorded"
        );
    }
    if metadata.saml_metadata_allow_private {
        tracing::warn!("SAML metadata URLs may reach private and loopback addresses");
    }
    let client = metadata_client(metadata)?;
    let app = App::new(AppContext::new(store.clone(), Arc::new(SystemClock), settings, client));
    // The SAML SP's key pairs exist from the first start on, so that its
    // metadata is complete before any identity provider reads it.
    app.sso().prepare_keys().await.context("cannot prepare the SAML service provider's keys")?;
    let syncs = tokio::spawn(run_due_syncs(app.clone()));
    roster_http::serve(listener, app.clone(), shutdown_signal())
        .await
        .context("the HTTP server failed")?;
    syncs.abort();
    // The requests are done; what they left on the log's queue is written
    // before the database closes.
    app.scim_log().flush().await;
    store.close().await;
    tracing::info!("roster stopped");
    Ok(())
}

/// How often `roster serve` looks for LDAP syncs that are due (until the
/// job scheduler runs every job).
const SYNC_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs the due LDAP syncs, every minute, for as long as the server runs.
/// A sync's own failure is recorded with it; a failure to run any is
/// logged and tried again at the next check.
async fn run_due_syncs(app: App) {
    let mut ticks = tokio::time::interval(SYNC_CHECK_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match app.sync().run_due().await {
            Ok(outcomes) => {
                for outcome in outcomes.iter().filter(|outcome| outcome.skipped.is_some()) {
                    tracing::info!(provider = %outcome.provider, skipped = ?outcome.skipped, "an LDAP sync was skipped");
                }
            }
            Err(err) => tracing::error!(error = %err, "the due LDAP syncs could not run"),
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    // Colours only for a person at a terminal, never in files or journals.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour);
    // A second initialisation (only possible in tests) keeps the first.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Completes at the first SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
