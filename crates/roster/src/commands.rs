//! The CLI's subcommands. They call the same `roster-app` use cases as the
//! admin API, directly on the database, as an operator: whoever can run
//! this binary against the data can read the data anyway.

use std::sync::Arc;

use anyhow::Context;
use roster_app::admin::{LifecycleRuleInput, PageRequest, SpKeyRotation};
use roster_app::jobs::{
    JobName, LogRetentionReport, RefreshOutcome, SamlMetadataReport, TokenExpiryReport,
};
use roster_app::{
    AlertOutcome, App, AppConfig, Context as AppContext, Delivery, HttpMetadataClient,
    MetadataClientConfig, Principal, Scheduler, SystemClock, instance_name,
};

use crate::cli::{
    Cli, Command, Job, JobsCommand, LifecycleRuleCommand, MailArgs, MetadataArgs, PageArgs,
    SpKeyCommand,
};
use crate::config::{mailer, store_config};
use crate::output;
use crate::provider_command::ProviderCommand;

/// PostgreSQL connections a one-shot command needs.
const CLI_CONNECTIONS: u32 = 2;

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let open = || open(&cli, None);
    match &cli.command {
        Command::Serve(args) => crate::serve::run(&cli, args).await,
        Command::Site(args) => {
            crate::site_command::site(&open().await?, &args.command, args.json).await
        }
        Command::AdminKey(args) => {
            crate::site_command::admin_key(&open().await?, &args.command, args.json).await
        }
        Command::User(args) => {
            crate::user_command::run(&open().await?, &args.command, args.json).await
        }
        Command::Group(args) => {
            crate::group_command::run(&open().await?, &args.command, args.json).await
        }
        Command::Provider(args) => {
            // Only the guide needs the public URL: it is in what it prints.
            let public_url = match &args.command {
                ProviderCommand::Guide(guide) => guide.public_url.clone(),
                _ => None,
            };
            let app = self::open(&cli, public_url).await?;
            crate::provider_command::run(&app, &args.command, args.json).await
        }
        Command::Jobs(args) => jobs(&cli, &args.command, args.json).await,
        Command::SpKey(args) => sp_key(&open().await?, &args.command, args.json).await,
        Command::Sync(args) => {
            crate::sync_command::run(&open().await?, &args.command, args.json).await
        }
        Command::Logs(args) => {
            crate::logs_command::run(&open().await?, &args.command, args.json).await
        }
        Command::Webhook(args) => {
            crate::webhook_command::run(&open().await?, &args.command, args.json).await
        }
        Command::SetupLink(args) => {
            let app = self::open(&cli, args.command.public_url()).await?;
            crate::setup_link_command::run(&app, &args.command, args.json).await
        }
        Command::LifecycleRule(args) => {
            lifecycle_rule(&open().await?, &args.command, args.json).await
        }
    }
}

/// The SAML metadata client the settings ask for.
pub fn metadata_client(args: &MetadataArgs) -> anyhow::Result<Arc<HttpMetadataClient>> {
    let config = MetadataClientConfig { allow_private: args.saml_metadata_allow_private };
    Ok(Arc::new(HttpMetadataClient::new(config).context("cannot set up the SAML metadata client")?))
}

/// The application over the database, for one command. Only the jobs,
/// which mail links to the console, need the public URL.
async fn open(cli: &Cli, public_url: Option<String>) -> anyhow::Result<App> {
    let config = store_config(&cli.database, CLI_CONNECTIONS)?;
    let store = roster_store::connect(&config).await.context("cannot open the database")?;
    let settings = AppConfig {
        public_url,
        scim_log: false,
        webhook_allow_private: cli.metadata.webhook_allow_private,
        webhook_ca_pem: crate::config::webhook_ca(&cli.metadata)?,
        token_expiry_alert_days: cli.mail.token_expiry_alert_days.clone(),
    };
    let app = App::new(context(store, settings, &cli.metadata, &cli.mail)?);
    // Administrators' changes made here are the CLI's in the history log.
    Ok(app.via(roster_domain::history::Interface::Cli))
}

/// The application's context with the outside services the settings ask
/// for (the metadata client, and the mailer when an SMTP host is set).
pub fn context(
    store: Arc<roster_store::Store>,
    settings: AppConfig,
    metadata: &MetadataArgs,
    mail: &MailArgs,
) -> anyhow::Result<AppContext> {
    let client = metadata_client(metadata)?;
    let context = AppContext::new(store, Arc::new(SystemClock), settings, client);
    Ok(match mailer(mail)? {
        Some(mailer) => context.with_mailer(mailer),
        None => context,
    })
}

/// The admin API's page of what `--offset` and `--limit` ask for.
pub fn page(args: &PageArgs) -> PageRequest {
    PageRequest { offset: args.offset, limit: args.limit }
}

const OPERATOR: Principal = Principal::Operator;

async fn sp_key(app: &App, command: &SpKeyCommand, json: bool) -> anyhow::Result<()> {
    let keys = match command {
        SpKeyCommand::List => app.admin().list_sp_keys(&OPERATOR).await?,
        SpKeyCommand::Rotate { purpose, overlap } => {
            let rotation =
                SpKeyRotation { purpose: Some(purpose.clone()), overlap: overlap.clone() };
            app.admin().rotate_sp_keys(&OPERATOR, rotation).await?
        }
    };
    let total = keys.len();
    output::list(
        &serde_json::json!({ "items": keys, "total": total }),
        &["purpose", "generation", "state", "fingerprint_sha256", "activates_at", "retires_at"],
        json,
    )
}

async fn jobs(cli: &Cli, command: &JobsCommand, json: bool) -> anyhow::Result<()> {
    let (job, public_url) = match command {
        JobsCommand::List => {
            let jobs = open(cli, None).await?.jobs().list().await?;
            let total = jobs.len();
            return output::list(
                &serde_json::json!({ "items": jobs, "total": total }),
                &[
                    "name",
                    "next_due_at",
                    "running_on",
                    "last_started_at",
                    "last_outcome",
                    "last_error",
                ],
                json,
            );
        }
        JobsCommand::Run { job, public_url } => (job, public_url),
    };
    let job = match job {
        Job::LdapSync => JobName::LdapSync,
        Job::SamlMetadata => JobName::SamlMetadata,
        Job::TokenExpiry => JobName::TokenExpiry,
        Job::CleanUp => JobName::CleanUp,
        Job::LifecycleRules => JobName::LifecycleRules,
        Job::LogRetention => JobName::LogRetention,
        Job::Webhooks => JobName::Webhooks,
    };
    let app = open(cli, public_url.clone()).await?;
    // Through the scheduler: the run takes the job's lease, so it never
    // runs beside a scheduled run of another instance, and is recorded.
    let run = Scheduler::new(app, instance_name()).run_now(job).await?;
    let Some(summary) = run.summary else {
        anyhow::bail!("the {} job failed: {}", run.job, run.error.unwrap_or_default());
    };
    match job {
        JobName::LdapSync => {
            let total = summary.as_array().map_or(0, Vec::len);
            output::list(
                &serde_json::json!({ "items": summary, "total": total }),
                &["site", "provider", "skipped"],
                json,
            )
        }
        JobName::SamlMetadata if !json => {
            print_metadata_report(&serde_json::from_value::<SamlMetadataReport>(summary)?);
            Ok(())
        }
        JobName::TokenExpiry if !json => {
            print_token_expiry_report(&serde_json::from_value::<TokenExpiryReport>(summary)?);
            Ok(())
        }
        JobName::LogRetention if !json => {
            let report = serde_json::from_value::<LogRetentionReport>(summary)?;
            for purged in &report.purged {
                println!(
                    "{}\t{}\t{} days\tbefore {}\t{} deleted",
                    purged.site, purged.log, purged.retention_days, purged.cutoff, purged.deleted
                );
            }
            eprintln!(
                "{} sites: {} SCIM log entries deleted ({} of no site), {} history entries",
                report.sites,
                report.scim_logs_deleted,
                report.unattributed_deleted,
                report.history_deleted
            );
            Ok(())
        }
        JobName::SamlMetadata
        | JobName::TokenExpiry
        | JobName::LogRetention
        | JobName::Webhooks
        | JobName::CleanUp
        | JobName::LifecycleRules => output::one(&summary, json),
    }
}

/// What became of one mail, in words.
fn outcome_words(delivery: &Delivery) -> String {
    match delivery.outcome {
        AlertOutcome::Sent => format!("sent to {}", delivery.recipients.join(", ")),
        AlertOutcome::Failed => {
            format!("failed: {}", delivery.error.as_deref().unwrap_or("unknown"))
        }
        AlertOutcome::NoRecipient => "not sent: no administrator with an e-mail".to_owned(),
        AlertOutcome::MailOff => "not sent: mail is off (no --smtp-host)".to_owned(),
    }
}

/// One line per alert this run delivered or tried, then the counts on
/// standard error.
fn print_token_expiry_report(report: &TokenExpiryReport) {
    for alert in &report.alerts {
        let outcome = outcome_words(&alert.delivery);
        println!(
            "{}\t{}\t{} days before {}\t{outcome}",
            alert.site, alert.provider, alert.days_before, alert.expires_at
        );
    }
    for notice in &report.notices_retried {
        println!("retried\t{}\t{}", notice.subject, outcome_words(notice));
    }
    eprintln!(
        "SCIM token expiry: {} credentials expiring within 30 days, {} alerts this run, {} \
         notices retried",
        report.checked,
        report.alerts.len(),
        report.notices_retried.len()
    );
}

/// One line per provider that was due, then the counts on standard error.
fn print_metadata_report(report: &SamlMetadataReport) {
    for done in &report.providers {
        let detail = match done.outcome {
            RefreshOutcome::Refreshed => {
                done.refresh_due_at.map(|at| format!("next refresh {at}")).unwrap_or_default()
            }
            RefreshOutcome::Failed => done.error.clone().unwrap_or_default(),
            RefreshOutcome::Skipped => "changed meanwhile; left to its own save".to_owned(),
        };
        let outcome = match done.outcome {
            RefreshOutcome::Refreshed => "refreshed",
            RefreshOutcome::Failed => "failed",
            RefreshOutcome::Skipped => "skipped",
        };
        println!("{}\t{}\t{outcome}\t{detail}", done.site, done.provider);
    }
    eprintln!(
        "SAML metadata: {} due, {} refreshed, {} failed",
        report.checked, report.refreshed, report.failed
    );
}

async fn lifecycle_rule(
    app: &App,
    command: &LifecycleRuleCommand,
    json: bool,
) -> anyhow::Result<()> {
    match command {
        LifecycleRuleCommand::Create { site, action, inactive_days, provider, auth_method } => {
            let provider_id = match provider {
                Some(name) => Some(app.admin().find_provider(&OPERATOR, site, name).await?.id),
                None => None,
            };
            let input = LifecycleRuleInput {
                action: action.clone(),
                inactive_days: *inactive_days,
                provider_id,
                auth_method: auth_method.clone(),
            };
            output::one(&app.admin().create_lifecycle_rule(&OPERATOR, site, input).await?, json)
        }
        LifecycleRuleCommand::List { site } => {
            let rules = app.admin().list_lifecycle_rules(&OPERATOR, site).await?;
            let total = rules.len();
            output::list(
                &serde_json::json!({ "items": rules, "total": total }),
                &["id", "action", "inactive_days", "provider_id", "auth_method"],
                json,
            )
        }
        LifecycleRuleCommand::Delete { site, id } => {
            app.admin().delete_lifecycle_rule(&OPERATOR, site, id).await?;
            output::done("deleted", &format!("Lifecycle rule {id} deleted."), json)
        }
    }
}
