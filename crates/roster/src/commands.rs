//! The CLI's subcommands. They call the same `roster-app` use cases as the
//! admin API, directly on the database, as an operator: whoever can run
//! this binary against the data can read the data anyway.

use std::sync::Arc;

use anyhow::Context;
use roster_app::admin::{
    AdminKeyScope, AttributesInput, GroupInput, HistoryQuery, LdapInput, LifecycleRuleInput,
    PageRequest, ProviderInput, ProviderPatch, ProvisioningInput, SamlInput, ScimCredentialInput,
    ScimLogQuery, SignInInput, SiteInput, SitePatch, SpKeyRotation, UserInput, UserSearch,
};
use roster_app::jobs::{
    JobName, LogRetentionReport, RefreshOutcome, SamlMetadataReport, TokenExpiryReport,
};
use roster_app::{
    AlertOutcome, App, AppConfig, Context as AppContext, Delivery, HttpMetadataClient,
    MetadataClientConfig, Principal, Scheduler, SystemClock, instance_name,
};

use crate::cli::{
    AdminKeyCommand, Cli, Command, GroupCommand, Job, JobsCommand, LdapArgs, LifecycleRuleCommand,
    LogsCommand, MailArgs, MetadataArgs, PageArgs, ProviderCommand, SamlArgs, ScimLogArgs,
    SiteCommand, SpKeyCommand, SyncCommand, UserCommand, UserCreateArgs, UserSearchArgs,
};
use crate::config::{mailer, store_config};
use crate::output;

/// PostgreSQL connections a one-shot command needs.
const CLI_CONNECTIONS: u32 = 2;

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let open = || open(&cli, None);
    match &cli.command {
        Command::Serve(args) => crate::serve::run(&cli, args).await,
        Command::Site(args) => site(&open().await?, &args.command, args.json).await,
        Command::AdminKey(args) => admin_key(&open().await?, &args.command, args.json).await,
        Command::User(args) => user(&open().await?, &args.command, args.json).await,
        Command::Group(args) => group(&open().await?, &args.command, args.json).await,
        Command::Provider(args) => {
            // Only the guide needs the public URL: it is in what it prints.
            let public_url = match &args.command {
                ProviderCommand::Guide(guide) => guide.public_url.clone(),
                _ => None,
            };
            provider(&self::open(&cli, public_url).await?, &args.command, args.json).await
        }
        Command::Jobs(args) => jobs(&cli, &args.command, args.json).await,
        Command::SpKey(args) => sp_key(&open().await?, &args.command, args.json).await,
        Command::Sync(args) => sync(&open().await?, &args.command, args.json).await,
        Command::Logs(args) => logs(&open().await?, &args.command, args.json).await,
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

fn page(args: &PageArgs) -> PageRequest {
    PageRequest { offset: args.offset, limit: args.limit }
}

const OPERATOR: Principal = Principal::Operator;

async fn site(app: &App, command: &SiteCommand, json: bool) -> anyhow::Result<()> {
    match command {
        SiteCommand::Create { slug, name, no_manual_users, no_manual_groups } => {
            let input = SiteInput {
                slug: slug.clone(),
                name: name.clone(),
                allow_manual_users: Some(!no_manual_users),
                allow_manual_groups: Some(!no_manual_groups),
                two_factor: None,
                application_url: None,
                scim_log_retention_days: None,
                history_retention_days: None,
            };
            output::one(&app.admin().create_site(&OPERATOR, input).await?, json)
        }
        SiteCommand::List(args) => output::list(
            &app.admin().list_sites(&OPERATOR, page(args)).await?,
            &["slug", "name", "id"],
            json,
        ),
        SiteCommand::Show { site } => {
            output::one(&app.admin().get_site(&OPERATOR, site).await?, json)
        }
        SiteCommand::Update { site, scim_log_retention_days, history_retention_days } => {
            let patch = SitePatch {
                scim_log_retention_days: *scim_log_retention_days,
                history_retention_days: *history_retention_days,
                ..SitePatch::default()
            };
            output::one(&app.admin().update_site(&OPERATOR, site, patch).await?, json)
        }
    }
}

async fn admin_key(app: &App, command: &AdminKeyCommand, json: bool) -> anyhow::Result<()> {
    match command {
        AdminKeyCommand::Create { site, operator: _, name } => {
            let scope = match site {
                Some(slug) => AdminKeyScope::Site(slug.clone()),
                None => AdminKeyScope::Operator,
            };
            let created = app.admin().create_admin_key(&OPERATOR, scope, name.as_deref()).await?;
            if json {
                return output::one(&created, true);
            }
            eprintln!("Admin key {} created. It is shown only now; keep it safe:", created.key.id);
            println!("{}", created.secret.expose());
            Ok(())
        }
        AdminKeyCommand::List { site, page: args } => {
            let keys = app.admin().list_admin_keys(&OPERATOR, site.as_deref(), page(args)).await?;
            output::list(&keys, &["id", "prefix", "name", "site_id", "revoked_at"], json)
        }
        AdminKeyCommand::Revoke { id } => {
            app.admin().revoke_admin_key(&OPERATOR, id).await?;
            if json {
                println!("{{\"revoked\": true}}");
            } else {
                eprintln!("Admin key {id} revoked.");
            }
            Ok(())
        }
    }
}

async fn user(app: &App, command: &UserCommand, json: bool) -> anyhow::Result<()> {
    match command {
        UserCommand::Create(args) => {
            let input = user_input(app, args).await?;
            output::one(&app.admin().create_user(&OPERATOR, &args.site, input).await?, json)
        }
        UserCommand::List { site, search, page: args } => output::list(
            &app.admin()
                .search_users(&OPERATOR, site, &user_search(app, site, search, args).await?)
                .await?,
            &["id", "username", "email", "enabled", "auth_method"],
            json,
        ),
        UserCommand::Show { site, user } => {
            output::one(&app.admin().find_user(&OPERATOR, site, user).await?, json)
        }
        UserCommand::TwoFactor { site, user, reset } => {
            let id = app.admin().find_user(&OPERATOR, site, user).await?.id;
            let view = if *reset {
                app.admin().reset_two_factor(&OPERATOR, site, &id).await?
            } else {
                app.admin().two_factor(&OPERATOR, site, &id).await?
            };
            output::one(&view, json)
        }
    }
}

/// The CLI names a provider as everywhere else, by name; the search takes
/// its id.
async fn user_search(
    app: &App,
    site: &str,
    args: &UserSearchArgs,
    page_args: &PageArgs,
) -> anyhow::Result<UserSearch> {
    let provider = match &args.provider {
        Some(name) => Some(app.admin().find_provider(&OPERATOR, site, name).await?.id),
        None => None,
    };
    Ok(UserSearch {
        q: args.search.clone(),
        provider,
        source: args.source.clone(),
        state: args.state.clone(),
        admin: args.admin.clone(),
        ..page(page_args).into()
    })
}

async fn user_input(app: &App, args: &UserCreateArgs) -> anyhow::Result<UserInput> {
    let sso_provider_id = match &args.sso_provider {
        Some(name) => Some(app.admin().find_provider(&OPERATOR, &args.site, name).await?.id),
        None => None,
    };
    Ok(UserInput {
        username: args.username.clone(),
        email: args.email.clone(),
        full_name: args.full_name.clone(),
        first_name: args.first_name.clone(),
        last_name: args.last_name.clone(),
        company: args.company.clone(),
        time_zone: args.time_zone.clone(),
        enabled: Some(!args.disabled),
        auth_method: Some(if sso_provider_id.is_some() { "sso" } else { "password" }.to_owned()),
        sso_provider_id,
        site_admin: Some(args.site_admin),
        readonly_site_admin: Some(args.readonly_site_admin),
        ..UserInput::default()
    })
}

async fn group(app: &App, command: &GroupCommand, json: bool) -> anyhow::Result<()> {
    match command {
        GroupCommand::Create { site, name } => {
            let input = GroupInput { name: name.clone() };
            output::one(&app.admin().create_group(&OPERATOR, site, input).await?, json)
        }
        GroupCommand::List { site, page: args } => output::list(
            &app.admin().list_groups(&OPERATOR, site, page(args)).await?,
            &["id", "name", "managed_by_provider_id"],
            json,
        ),
        GroupCommand::Show { site, group } => {
            output::one(&app.admin().find_group(&OPERATOR, site, group).await?, json)
        }
    }
}

/// `--set OPTION=VALUE` and `--unset OPTION` as the admin API's
/// `provisioning` object, so that both validate the same way.
fn provisioning_input(set: &[String], unset: &[String]) -> anyhow::Result<ProvisioningInput> {
    let mut object = serde_json::Map::new();
    for pair in set {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--set {pair:?}: expected OPTION=VALUE"))?;
        let value = match value {
            "true" => serde_json::Value::Bool(true),
            "false" => serde_json::Value::Bool(false),
            text => serde_json::Value::String(text.to_owned()),
        };
        object.insert(key.trim().to_owned(), value);
    }
    for key in unset {
        object.insert(key.trim().to_owned(), serde_json::Value::Null);
    }
    if object.is_empty() {
        anyhow::bail!("nothing to change: give --set OPTION=VALUE or --unset OPTION");
    }
    serde_json::from_value(serde_json::Value::Object(object))
        .map_err(|err| anyhow::anyhow!("provisioning options: {err}"))
}

async fn provider(app: &App, command: &ProviderCommand, json: bool) -> anyhow::Result<()> {
    match command {
        ProviderCommand::Create { site, kind, name } => {
            if kind == "ldap" {
                // Its settings are part of it; `provider create` has no flags for them.
                anyhow::bail!(
                    "a provider of kind ldap is created with its directory settings: roster \
                     provider ldap --create --site {site} --provider {name:?} --host HOST \
                     --base-dn DN --bind-username DN --bind-password-file FILE [...]"
                );
            }
            let input = ProviderInput {
                kind: kind.clone(),
                name: name.clone(),
                saml: None,
                sign_in: None,
                ldap: None,
                provisioning: None,
            };
            output::one(&app.admin().create_provider(&OPERATOR, site, input).await?, json)
        }
        ProviderCommand::List { site, page: args } => output::list(
            &app.admin().list_providers(&OPERATOR, site, page(args)).await?,
            &["id", "kind", "name"],
            json,
        ),
        ProviderCommand::Show { site, provider } => {
            output::one(&app.admin().find_provider(&OPERATOR, site, provider).await?, json)
        }
        ProviderCommand::Options { site, provider, set, unset } => {
            let id = app.admin().find_provider(&OPERATOR, site, provider).await?.id;
            let patch = ProviderPatch {
                provisioning: Some(provisioning_input(set, unset)?),
                ..ProviderPatch::default()
            };
            output::one(&app.admin().update_provider(&OPERATOR, site, &id, patch).await?, json)
        }
        ProviderCommand::Saml(args) => {
            let id = app.admin().find_provider(&OPERATOR, &args.site, &args.provider).await?.id;
            let patch = saml_patch(args)?;
            output::one(
                &app.admin().update_provider(&OPERATOR, &args.site, &id, patch).await?,
                json,
            )
        }
        ProviderCommand::Ldap(args) if args.test => output::one(
            &app.sync().test_connection(&OPERATOR, &args.site, &args.provider).await?,
            json,
        ),
        ProviderCommand::Ldap(args) if args.create => {
            let input = ProviderInput {
                kind: "ldap".to_owned(),
                name: args.provider.clone(),
                saml: None,
                sign_in: None,
                ldap: Some(ldap_input(args)?),
                provisioning: None,
            };
            output::one(&app.admin().create_provider(&OPERATOR, &args.site, input).await?, json)
        }
        ProviderCommand::Ldap(args) => {
            let id = app.admin().find_provider(&OPERATOR, &args.site, &args.provider).await?.id;
            let patch =
                ProviderPatch { ldap: Some(Some(ldap_input(args)?)), ..ProviderPatch::default() };
            output::one(
                &app.admin().update_provider(&OPERATOR, &args.site, &id, patch).await?,
                json,
            )
        }
        ProviderCommand::Guide(args) => crate::guide_command::print(app, args, json).await,
        ProviderCommand::Scim { site, provider, auth, expires, reset, overlap } => {
            let id = app.admin().find_provider(&OPERATOR, site, provider).await?.id;
            let input = ScimCredentialInput {
                auth: auth.clone(),
                expires: expires.clone(),
                reset: *reset,
                overlap: overlap.clone(),
            };
            let changed = app.admin().set_scim_credential(&OPERATOR, site, &id, input).await?;
            if json {
                return output::one(&changed, true);
            }
            let scim = &changed.provider.scim;
            eprintln!(
                "SCIM authentication of {}: {}{}",
                changed.provider.name,
                scim.auth,
                scim.expires_at.map(|at| format!(", expires {at}")).unwrap_or_default()
            );
            if let Some(token) = &changed.token {
                eprintln!("New token (shown only now):");
                println!("{}", token.expose());
            }
            if let (Some(username), Some(password)) = (&changed.username, &changed.password) {
                eprintln!("New Basic credentials (shown only now): username, then password:");
                println!("{username}");
                println!("{}", password.expose());
            }
            Ok(())
        }
    }
}

/// The admin API's change for `roster provider saml`.
fn saml_patch(args: &SamlArgs) -> anyhow::Result<ProviderPatch> {
    let metadata_xml = match &args.metadata_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        ),
        None => None,
    };
    let trust = if args.metadata_url.is_some() {
        Some("metadata_url")
    } else if metadata_xml.is_some() {
        Some("metadata_xml")
    } else if args.fingerprint.is_some() {
        Some("fingerprint")
    } else {
        None
    };
    let saml = trust.map(|trust| SamlInput {
        trust: trust.to_owned(),
        metadata_url: args.metadata_url.clone(),
        metadata_xml,
        fingerprint: args.fingerprint.clone(),
        sso_url: args.sso_url.clone(),
        slo_url: args.slo_url.clone(),
    });
    let on = |value: &str| value == "on";
    let sign_in = SignInInput {
        idp_initiated: args.idp_initiated.as_deref().map(|value| match value {
            "default" => None,
            other => Some(on(other)),
        }),
        name_id: args.name_id.clone(),
        allow_sha1: args.allow_sha1.as_deref().map(on),
        sign_requests: args.sign_requests.as_deref().map(|value| match value {
            "metadata" => None,
            other => Some(on(other)),
        }),
        attributes: None,
    };
    // An empty name returns the field to the presets.
    let attribute = |value: &Option<String>| {
        value.as_ref().map(|name| if name.is_empty() { None } else { Some(name.clone()) })
    };
    let attributes = AttributesInput {
        email: attribute(&args.email_attribute),
        first_name: attribute(&args.first_name_attribute),
        last_name: attribute(&args.last_name_attribute),
        groups: attribute(&args.groups_attribute),
    };
    let names_attributes = attributes.email.is_some()
        || attributes.first_name.is_some()
        || attributes.last_name.is_some()
        || attributes.groups.is_some();
    let sign_in = SignInInput { attributes: names_attributes.then_some(attributes), ..sign_in };
    if saml.is_none()
        && sign_in.idp_initiated.is_none()
        && sign_in.name_id.is_none()
        && sign_in.allow_sha1.is_none()
        && sign_in.sign_requests.is_none()
        && sign_in.attributes.is_none()
    {
        anyhow::bail!(
            "nothing to change: give a trust (--metadata-url, --metadata-file or --fingerprint \
             with --sso-url) or a sign-in setting (--idp-initiated, --name-id, --allow-sha1, \
             --sign-requests, --email-attribute, --first-name-attribute, \
             --last-name-attribute, --groups-attribute)"
        );
    }
    Ok(ProviderPatch { saml, sign_in: Some(sign_in), ..ProviderPatch::default() })
}

/// The LDAP settings the flags name; an empty value clears a clearable one.
fn ldap_input(args: &LdapArgs) -> anyhow::Result<LdapInput> {
    let read = |path: &std::path::PathBuf| {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
    };
    let clearable = |value: &Option<String>| {
        value.as_ref().map(|value| if value.is_empty() { None } else { Some(value.clone()) })
    };
    let password = match &args.bind_password_file {
        // A trailing newline is the file's, not the password's.
        Some(path) => Some(Some(roster_domain::Secret::new(
            read(path)?.trim_end_matches(['\r', '\n']).to_owned(),
        ))),
        None => None,
    };
    let input = LdapInput {
        enabled: args.enabled.as_deref().map(|value| value == "on"),
        host: args.host.clone(),
        backup_host: clearable(&args.backup_host),
        server_type: args.server_type.clone(),
        port: args.port,
        security: args.security.clone(),
        secure: None,
        ca_certificate: args.ca_cert.as_ref().map(read).transpose()?.map(Some),
        username_attribute: args.username_attribute.clone(),
        user_filter: clearable(&args.user_filter),
        group_filter: clearable(&args.group_filter),
        interval: args.interval.clone(),
        failure_threshold: args.failure_threshold,
        bind_username: clearable(&args.bind_username),
        bind_password: password,
        base_dn: args.base_dn.clone(),
        domain: clearable(&args.domain),
    };
    Ok(input)
}

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

async fn sync(app: &App, command: &SyncCommand, json: bool) -> anyhow::Result<()> {
    match command {
        SyncCommand::Run { site, provider, full } => {
            let report = app.sync().run(&OPERATOR, site, provider, *full).await?;
            output::one(&report, json)?;
            match &report.failure {
                Some(failure) => anyhow::bail!("the sync failed: {failure}"),
                None => Ok(()),
            }
        }
    }
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

async fn scim_logs(app: &App, args: &ScimLogArgs, json: bool) -> anyhow::Result<()> {
    if let Some(id) = &args.id {
        let entry = app.admin().scim_log(&OPERATOR, &args.site, id).await?;
        // The bodies are documents: the entry prints as JSON either way.
        println!("{}", serde_json::to_string_pretty(&entry)?);
        return Ok(());
    }
    let query = ScimLogQuery {
        provider: args.provider.clone(),
        status: args.status.clone(),
        method: args.method.clone(),
        path: args.path.clone(),
        since: args.since.clone(),
        until: args.until.clone(),
        cursor: args.cursor.clone(),
        limit: args.limit.map(|limit| limit.to_string()),
    };
    let page = app.admin().scim_logs(&OPERATOR, &args.site, query).await?;
    if json {
        return output::one(&page, true);
    }
    let rows: Vec<Vec<String>> = page
        .items
        .iter()
        .map(|entry| {
            vec![
                entry.at.to_string(),
                entry.method.clone(),
                entry.status.to_string(),
                format!("{:.1}", entry.duration_ms),
                entry.provider.clone().or_else(|| entry.provider_id.clone()).unwrap_or("-".into()),
                entry.scim_type.clone().or_else(|| entry.refusal.clone()).unwrap_or("-".into()),
                entry.path.clone(),
                entry.id.clone(),
            ]
        })
        .collect();
    output::table(&["TIME", "METHOD", "STATUS", "MS", "PROVIDER", "ERROR", "PATH", "ID"], &rows);
    match &page.next_cursor {
        Some(cursor) => eprintln!("({} shown; older: --cursor {cursor})", rows.len()),
        None => eprintln!("({} shown)", rows.len()),
    }
    Ok(())
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

async fn logs(app: &App, command: &LogsCommand, json: bool) -> anyhow::Result<()> {
    match command {
        LogsCommand::Scim(args) => scim_logs(app, args, json).await,
        LogsCommand::History {
            site,
            interface,
            action,
            actor,
            target,
            since,
            until,
            cursor,
            limit,
        } => {
            let query = HistoryQuery {
                interface: interface.clone(),
                action: action.clone(),
                actor: actor.clone(),
                target: target.clone(),
                since: since.clone(),
                until: until.clone(),
                cursor: cursor.clone(),
                limit: *limit,
            };
            let page = app.admin().history(&OPERATOR, site, &query).await?;
            if json {
                return output::one(&page, true);
            }
            for entry in &page.items {
                let actor = entry.actor.name.as_deref().or(entry.actor.id.as_deref());
                let target =
                    entry.target.as_ref().and_then(|t| t.name.as_deref().or(t.id.as_deref()));
                let changed: Vec<String> = entry
                    .changes
                    .as_array()
                    .map(|changes| {
                        changes
                            .iter()
                            .filter_map(|c| c["field"].as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                let who = match actor {
                    Some(actor) => format!("{}:{actor}", entry.actor.kind),
                    None => entry.actor.kind.clone(),
                };
                let reason = entry.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
                println!(
                    "{}\t{}\t{}\t{who}\t{}\t{}\t{}{reason}",
                    entry.seq,
                    entry.at,
                    entry.interface,
                    entry.action,
                    target.unwrap_or("-"),
                    changed.join(","),
                );
            }
            if let Some(cursor) = &page.next_cursor {
                eprintln!("more: --cursor {cursor}");
            }
            Ok(())
        }
    }
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
            Ok(())
        }
    }
}
