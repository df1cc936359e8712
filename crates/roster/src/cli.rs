//! The command line, declared with clap. Every flag that configures the
//! server also reads a `ROSTER_...` environment variable; the README's
//! configuration table lists them (a test checks it against `--help`).
//!
//! Flag names: a flag that selects an existing thing is named after its
//! kind and takes the thing's everyday identifier (`--site` a slug,
//! `--provider` and `--group` a name, `--user` a username); a flag that
//! names a new thing says which identifier it sets (`--slug`, `--name`,
//! `--username`). Every flag carries a help line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use roster_app::AlertDays;
use secrecy::SecretString;

#[derive(Debug, Parser)]
#[command(
    name = "roster",
    version,
    about = "Identity provisioning: SCIM 2.0, SAML single sign-on and LDAP sync"
)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub metadata: MetadataArgs,
    #[command(flatten)]
    pub mail: MailArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// Directory of the embedded SQLite database (created if missing).
    #[arg(long, env = "ROSTER_DATA_DIR", default_value = "./roster-data", global = true)]
    pub data_dir: PathBuf,
    /// A postgres:// URL; when set, PostgreSQL is used instead of SQLite.
    #[arg(long, env = "ROSTER_DATABASE_URL", global = true, value_parser = parse_secret, hide_env_values = true)]
    pub database_url: Option<SecretString>,
}

/// Where roster's outbound requests may go: SAML metadata fetches (the
/// server's refresh, and the commands that save a provider or run the
/// refresh) and webhook deliveries.
#[derive(Debug, Args)]
pub struct MetadataArgs {
    /// Let SAML metadata URLs reach loopback, private, link-local and other
    /// non-public addresses (an IdP inside your network); refused by default.
    #[arg(long, env = "ROSTER_SAML_METADATA_ALLOW_PRIVATE", global = true)]
    pub saml_metadata_allow_private: bool,
    /// Let webhooks be delivered to loopback, private, link-local and other
    /// non-public addresses, and over plain http:// (a receiver inside your
    /// network); refused by default.
    #[arg(long, env = "ROSTER_WEBHOOK_ALLOW_PRIVATE", global = true)]
    pub webhook_allow_private: bool,
    /// PEM certificates of a CA trusted for webhook receivers besides the
    /// system's (receivers whose certificates your own CA signs).
    #[arg(long, env = "ROSTER_WEBHOOK_CA_FILE", global = true)]
    pub webhook_ca_file: Option<PathBuf>,
}

/// The SMTP server the alerts to sites' administrators go through: used by
/// the server's jobs and by `roster jobs run`. Without a host, mail is off.
#[derive(Debug, Args)]
pub struct MailArgs {
    /// SMTP server for the alerts to sites' administrators (token expiry, LDAP
    /// switch-off, metadata failures); without it, mail is off and alerts are only recorded.
    #[arg(long, env = "ROSTER_SMTP_HOST", global = true)]
    pub smtp_host: Option<String>,
    /// SMTP port; by default 587 for starttls, 465 for tls, 25 for plain.
    #[arg(long, env = "ROSTER_SMTP_PORT", global = true)]
    pub smtp_port: Option<u16>,
    /// How the SMTP connection is protected: starttls (required, not opportunistic),
    /// tls (from the first byte) or plain (no encryption).
    #[arg(long, env = "ROSTER_SMTP_SECURITY", value_enum, default_value_t = SmtpSecurityArg::Starttls, global = true)]
    pub smtp_security: SmtpSecurityArg,
    /// Username to log in to the SMTP server with (with a password).
    #[arg(long, env = "ROSTER_SMTP_USERNAME", global = true)]
    pub smtp_username: Option<String>,
    /// File holding the SMTP password (or set ROSTER_SMTP_PASSWORD; never on the command line).
    #[arg(long, env = "ROSTER_SMTP_PASSWORD_FILE", global = true)]
    pub smtp_password_file: Option<PathBuf>,
    /// Sender of the alerts, such as 'roster <roster@example.com>'; required with --smtp-host.
    #[arg(long, env = "ROSTER_SMTP_FROM", global = true)]
    pub smtp_from: Option<String>,
    /// PEM file of a CA to trust for the SMTP server's certificate, besides the system's.
    #[arg(long, env = "ROSTER_SMTP_CA_FILE", global = true)]
    pub smtp_ca_file: Option<PathBuf>,
    /// Days before a SCIM credential expires at which its site's administrators
    /// are mailed: comma-separated, each from 1 to 365, at most 10.
    #[arg(long, env = "ROSTER_TOKEN_EXPIRY_ALERT_DAYS", default_value = "30,7,1", value_parser = AlertDays::parse, global = true)]
    pub token_expiry_alert_days: AlertDays,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SmtpSecurityArg {
    Starttls,
    Tls,
    Plain,
}

fn parse_secret(raw: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(raw.to_owned()))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server.
    Serve(ServeArgs),
    /// Manage sites.
    Site(Manage<crate::site_command::SiteCommand>),
    /// Manage admin API keys.
    #[command(name = "admin-key")]
    AdminKey(Manage<crate::site_command::AdminKeyCommand>),
    /// Manage users of a site.
    User(Manage<crate::user_command::UserCommand>),
    /// Manage groups of a site.
    Group(Manage<crate::group_command::GroupCommand>),
    /// Manage SSO providers of a site.
    Provider(Manage<crate::provider_command::ProviderCommand>),
    /// See and rotate the SAML service provider's key pairs.
    #[command(name = "sp-key")]
    SpKey(Manage<SpKeyCommand>),
    /// See the scheduled jobs and run one now.
    Jobs(Manage<JobsCommand>),
    /// Run LDAP / Active Directory syncs.
    Sync(Manage<crate::sync_command::SyncCommand>),
    /// Search the logs.
    Logs(Manage<crate::logs_command::LogsCommand>),
    /// Disable or delete users who have not signed in for a while.
    #[command(name = "lifecycle-rule")]
    LifecycleRule(Manage<LifecycleRuleCommand>),
    /// Signed POSTs of a site's history entries to the application.
    Webhook(Manage<crate::webhook_command::WebhookCommand>),
    /// Links that let a customer set up one SSO provider, and nothing else.
    #[command(name = "setup-link")]
    SetupLink(Manage<crate::setup_link_command::SetupLinkCommand>),
}

#[derive(Debug, Subcommand)]
pub enum LifecycleRuleCommand {
    /// Add a rule; the lifecycle-rules job applies it every hour.
    Create {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// disable or delete.
        #[arg(long)]
        action: String,
        /// Users who have not signed in for this many days (counted from their
        /// creation when they never did), 1 to 3650.
        #[arg(long)]
        inactive_days: u32,
        /// Only users who sign in through this provider (its name).
        #[arg(long)]
        provider: Option<String>,
        /// Only users who sign in this way: password or sso.
        #[arg(long)]
        auth_method: Option<String>,
    },
    /// List a site's rules.
    List {
        /// The site's slug.
        #[arg(long)]
        site: String,
    },
    /// Remove a rule.
    Delete {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The rule's id.
        #[arg(long)]
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SpKeyCommand {
    /// List the key pairs, newest first, with their certificates' fingerprints.
    List,
    /// Make new key pairs: published at once, the new signing key signs after the
    /// overlap, when the old keys retire.
    Rotate {
        /// Which key pairs: signing, encryption or both.
        #[arg(long, default_value = "both")]
        purpose: String,
        /// How long the old keys stay usable while identity providers take up the new
        /// certificates: 0, 90m, 24h or 7d (the default), at most 90d.
        #[arg(long)]
        overlap: Option<String>,
    },
}

// `--json` lives here, global to the management subcommands, rather than on
// `Cli`: `serve` prints no data, so its help must not offer the flag.
#[derive(Debug, Args)]
pub struct Manage<C: Subcommand> {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: C,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port the HTTP server listens on.
    #[arg(long, env = "ROSTER_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The URL clients reach roster at (for example https://id.example.com), used in
    /// the absolute URLs of SCIM resources; by default taken from each request's Host.
    #[arg(long, env = "ROSTER_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Log format on standard error.
    #[arg(long, env = "ROSTER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Largest number of PostgreSQL connections (SQLite uses one writer and a reader per core, at least two).
    #[arg(long, env = "ROSTER_DATABASE_MAX_CONNECTIONS", default_value_t = 16)]
    pub database_max_connections: u32,
    /// Record every SCIM request and response (secrets redacted) in the SCIM request
    /// log, searchable with `roster logs scim`; off saves the writes.
    #[arg(long, env = "ROSTER_SCIM_LOG", value_enum, default_value_t = Switch::On)]
    pub scim_log: Switch,
    /// A second address serving GET /metrics without authentication, for a Prometheus
    /// scraper on a private network; off by default (the main listener's /metrics
    /// needs an operator key).
    #[arg(long, env = "ROSTER_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    #[command(flatten)]
    pub test_knobs: crate::test_knobs::TestKnobs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// `--offset` and `--limit` of list commands.
#[derive(Debug, Args)]
pub struct PageArgs {
    /// Skip this many items first (default 0).
    #[arg(long)]
    pub offset: Option<u64>,
    /// Show at most this many items (default 50, at most 500).
    #[arg(long)]
    pub limit: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Show each job: how often it runs, when it is due, the instance running it now,
    /// and how its last run went.
    List,
    /// Run one job now, due or not (unless another instance is running it), record
    /// the run, and print its report.
    Run {
        #[arg(value_enum)]
        job: Job,
        /// The URL clients reach roster at, for the console links in the mails.
        #[arg(long, env = "ROSTER_PUBLIC_URL")]
        public_url: Option<String>,
    },
}

/// The jobs `roster jobs run` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Job {
    /// Fetch the SAML metadata of every provider trusted by a metadata URL
    /// whose refresh is due (or that was never fetched).
    SamlMetadata,
    /// Sync every provider whose LDAP sync interval has passed.
    LdapSync,
    /// Mail sites' administrators about SCIM credentials that expire within 30,
    /// 7 or 1 days (each alert once).
    TokenExpiry,
    /// Delete expired sign-in requests, replay-cache entries, sessions, hand-off
    /// tickets, pending sign-ins and throttling counters, and old LDAP sync runs
    /// and webhook delivery attempts.
    CleanUp,
    /// Apply the sites' user lifecycle rules.
    LifecycleRules,
    /// Delete the SCIM request log and history entries older than their site's
    /// retention.
    LogRetention,
    /// Deliver the history entries waiting for the sites' webhooks.
    Webhooks,
}
