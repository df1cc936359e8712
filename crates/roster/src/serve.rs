//! `roster serve`: logging, metrics, the database, the HTTP server (and
//! the metrics listener, when asked for) and graceful shutdown on SIGTERM
//! or Ctrl-C.

use std::net::SocketAddr;

use anyhow::Context;
use roster_app::{App, AppConfig, Scheduler, instance_name};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

use crate::cli::{Cli, LogFormat, ServeArgs, Switch};
use crate::commands::context;
use crate::config::store_config;
use crate::test_knobs::Scheduling;

pub async fn run(cli: &Cli, args: &ServeArgs) -> anyhow::Result<()> {
    init_logging(args.log_format);
    // Before anything is counted: the process's one recorder.
    let metrics = roster_http::Metrics::install();
    let upkeep = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(METRICS_UPKEEP_EVERY);
        loop {
            ticks.tick().await;
            metrics.run_upkeep();
        }
    });
    let scheduling = args.test_knobs.scheduling(JOB_CHECK_EVERY)?;
    let config = store_config(&cli.database, args.database_max_connections)?;
    let store = roster_store::connect(&config).await.context("cannot open the database")?;
    tracing::info!(dialect = ?store.dialect(), "database ready");
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    tracing::info!(address = %listener.local_addr()?, "roster is listening");
    let settings = AppConfig {
        public_url: args.public_url.clone(),
        scim_log: args.scim_log == Switch::On,
        webhook_allow_private: cli.metadata.webhook_allow_private,
        webhook_ca_pem: crate::config::webhook_ca(&cli.metadata)?,
        token_expiry_alert_days: cli.mail.token_expiry_alert_days.clone(),
    };
    if !settings.scim_log {
        tracing::info!(
            "the SCIM request log is off (--scim-log off): SCIM requests are not recorded"
        );
    }
    if cli.metadata.saml_metadata_allow_private {
        tracing::warn!("SAML metadata URLs may reach private and loopback addresses");
    }
    if settings.webhook_allow_private {
        tracing::warn!("webhooks may reach private and loopback addresses and use plain http");
    }
    match &cli.mail.smtp_host {
        Some(host) => tracing::info!(%host, "alerts to administrators are mailed"),
        None => tracing::info!("mail is off (no --smtp-host): alerts are recorded, not sent"),
    }
    let app = App::new(context(store.clone(), settings, &cli.metadata, &cli.mail)?);
    // The SAML SP's key pairs exist from the first start on, so that its
    // metadata is complete before any identity provider reads it.
    app.sso().prepare_keys().await.context("cannot prepare the SAML service provider's keys")?;
    let metrics_listener = match args.metrics_listen {
        Some(address) => Some(MetricsListener::start(address).await?),
        None => None,
    };
    let scheduler = tokio::spawn(run_scheduler(app.clone(), scheduling));
    roster_http::serve(listener, app.clone(), shutdown_signal())
        .await
        .context("the HTTP server failed")?;
    scheduler.abort();
    upkeep.abort();
    if let Some(metrics_listener) = metrics_listener {
        metrics_listener.stop().await;
    }
    // The abort lands at the scheduler's next await; waiting for it keeps
    // a job from reaching for the pool closed below (an error in the log of
    // every stop that came mid-check, found by tests/it/scale_out.rs).
    scheduler.await.ok();
    // The requests are done; what they left on the log's queue is written
    // before the database closes.
    app.scim_log().flush().await;
    store.close().await;
    tracing::info!("roster stopped");
    Ok(())
}

/// The `--metrics-listen` server: `/metrics` without authentication.
struct MetricsListener {
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl MetricsListener {
    /// Binds `address` and logs the bound address (a port of 0 picks one).
    async fn start(address: SocketAddr) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(address)
            .await
            .with_context(|| format!("cannot listen on {address} for metrics"))?;
        tracing::info!(address = %listener.local_addr()?, "roster serves metrics");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(roster_http::serve_metrics(listener, async {
            stopped.await.ok();
        }));
        Ok(Self { stop, server })
    }

    async fn stop(self) {
        self.stop.send(()).ok();
        match self.server.await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::error!(error = %err, "the metrics listener failed"),
            Err(err) => tracing::error!(error = %err, "the metrics listener ended abnormally"),
        }
    }
}

/// How often the histograms' recent samples are folded into their buckets.
const METRICS_UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// How often `roster serve` looks for due jobs. Each job has its own
/// interval; this only bounds how late a due run starts.
const JOB_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs the due jobs for as long as the server runs, under this
/// instance's name in the jobs' leases. A job's own failure is recorded
/// with its run; a failure to run any (the database) is logged and tried
/// again at the next check. Each run is logged (debug: the webhooks job
/// runs every few seconds) with the instance and the due time it ran for,
/// which `tests/it/scale_out.rs` reads.
async fn run_scheduler(app: App, scheduling: Scheduling) {
    let instance = instance_name();
    let mut scheduler = Scheduler::new(app, instance.clone());
    if let Some(every) = scheduling.job_every {
        scheduler = scheduler.with_every(every);
    }
    let mut ticks = tokio::time::interval(scheduling.check_every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match scheduler.run_due().await {
            Ok(runs) => {
                for run in runs {
                    let (job, due_at) = (run.job, run.due_at);
                    let finished_at = run.finished_at;
                    match &run.error {
                        None => {
                            tracing::debug!(job, %instance, %due_at, %finished_at, "a job ran")
                        }
                        Some(error) => {
                            tracing::error!(job, %instance, %due_at, %error, "a job failed")
                        }
                    }
                }
            }
            Err(err) => tracing::error!(error = %err, "the due jobs could not run"),
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
