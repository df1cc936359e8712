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
    Site(Manage<SiteCommand>),
    /// Manage admin API keys.
    #[command(name = "admin-key")]
    AdminKey(Manage<AdminKeyCommand>),
    /// Manage users of a site.
    User(Manage<UserCommand>),
    /// Manage groups of a site.
    Group(Manage<GroupCommand>),
    /// Manage SSO providers of a site.
    Provider(Manage<ProviderCommand>),
    /// See and rotate the SAML service provider's key pairs.
    #[command(name = "sp-key")]
    SpKey(Manage<SpKeyCommand>),
    /// See the scheduled jobs and run one now.
    Jobs(Manage<JobsCommand>),
    /// Run LDAP / Active Directory syncs.
    Sync(Manage<SyncCommand>),
    /// Search the logs.
    Logs(Manage<LogsCommand>),
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
pub enum LogsCommand {
    /// The history log: one entry per change and per sign-in, newest first.
    History {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// scim, saml, ldap, admin_api, cli, web or lifecycle_rule.
        #[arg(long)]
        interface: Option<String>,
        /// created, updated, disabled, enabled, deleted, released, member_added,
        /// member_removed, role_granted, role_revoked, signed_in, sign_in_refused,
        /// credential_created, credential_reset, opened or revoked.
        #[arg(long)]
        action: Option<String>,
        /// A user's or provider's id: what it did.
        #[arg(long)]
        actor: Option<String>,
        /// A user's or group's id: what happened to it.
        #[arg(long)]
        target: Option<String>,
        /// Entries at or after this RFC 3339 time.
        #[arg(long)]
        since: Option<String>,
        /// Entries before this RFC 3339 time.
        #[arg(long)]
        until: Option<String>,
        /// Older entries: the cursor the previous page printed.
        #[arg(long)]
        cursor: Option<String>,
        /// Entries per page (100 by default, at most 1000).
        #[arg(long)]
        limit: Option<u32>,
    },
    /// A site's SCIM request log, newest first (`--json`: the admin API's page).
    Scim(ScimLogArgs),
}

#[derive(Debug, Args)]
pub struct ScimLogArgs {
    /// The site's slug.
    #[arg(long)]
    pub site: String,
    /// Only this provider's requests (its name or id).
    #[arg(long)]
    pub provider: Option<String>,
    /// Only this status (409) or status class (4xx).
    #[arg(long)]
    pub status: Option<String>,
    /// Only this HTTP method.
    #[arg(long)]
    pub method: Option<String>,
    /// Only paths that start with this (/Users, /Groups/<id>, ...).
    #[arg(long)]
    pub path: Option<String>,
    /// From this RFC 3339 time on (2026-12-05T12:00:00Z).
    #[arg(long)]
    pub since: Option<String>,
    /// Before this RFC 3339 time.
    #[arg(long)]
    pub until: Option<String>,
    /// Show at most this many entries (default 50, at most 500).
    #[arg(long)]
    pub limit: Option<u64>,
    /// Continue after the page that printed this cursor.
    #[arg(long)]
    pub cursor: Option<String>,
    /// Show one entry, with its redacted request and response, instead.
    #[arg(long, conflicts_with_all = ["provider", "status", "method", "path", "since", "until", "limit", "cursor"])]
    pub id: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Sync one provider's directory now and print the outcome (exits 1 when the sync
    /// failed; the failure is recorded like any run).
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
    /// Largest number of PostgreSQL connections (SQLite uses one writer and four readers).
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
pub enum SiteCommand {
    /// Create a site.
    Create {
        /// Unique, URL-safe name: lower-case letters, digits and '-'.
        #[arg(long)]
        slug: String,
        /// Display name (defaults to the slug).
        #[arg(long)]
        name: Option<String>,
        /// Forbid administrators to manage users outside SSO provisioning.
        #[arg(long)]
        no_manual_users: bool,
        /// Forbid administrators to manage groups outside SSO provisioning.
        #[arg(long)]
        no_manual_groups: bool,
    },
    /// List sites.
    List(PageArgs),
    /// Show one site.
    Show {
        /// The site's slug.
        #[arg(long)]
        site: String,
    },
    /// Change a site's settings.
    Update {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// Days the site's SCIM request log is kept (1 to 3650; 90 at first).
        #[arg(long)]
        scim_log_retention_days: Option<i64>,
        /// Days the site's history log is kept (1 to 3650; 365 at first).
        #[arg(long)]
        history_retention_days: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminKeyCommand {
    /// Create an admin key and print it (it is shown only this once).
    Create {
        /// The slug of the site the key manages.
        #[arg(long, required_unless_present = "operator", conflicts_with = "operator")]
        site: Option<String>,
        /// An operator key, which manages every site.
        #[arg(long)]
        operator: bool,
        /// A label to recognise the key by.
        #[arg(long)]
        name: Option<String>,
    },
    /// List admin keys (of one site with --site).
    List {
        /// Only the keys of this site (its slug).
        #[arg(long)]
        site: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Revoke an admin key at once.
    Revoke {
        /// The key's id, as `admin-key list` shows it.
        #[arg(long)]
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Create(UserCreateArgs),
    /// List the users of a site, or those the search flags find.
    List {
        /// The site's slug.
        #[arg(long)]
        site: String,
        #[command(flatten)]
        search: UserSearchArgs,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Show a user by username.
    Show {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The user's username, in any letter case.
        // `--username` was this flag's name before; scripts keep working.
        #[arg(long, alias = "username")]
        user: String,
    },
    /// Show whether a user signs in with a second factor and has an authenticator
    /// app set up; --reset removes it, so that the next sign-in sets up a new one.
    #[command(name = "two-factor")]
    TwoFactor {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The user's username, in any letter case.
        #[arg(long)]
        user: String,
        /// Remove the user's authenticator (lost or replaced phone).
        #[arg(long)]
        reset: bool,
    },
}

/// The filters of `user list`; each given narrows the list.
#[derive(Debug, Args)]
pub struct UserSearchArgs {
    /// Text found, in any letter case, in the username, e-mail or a name.
    #[arg(long)]
    pub search: Option<String>,
    /// Users who sign in through this provider (by name) or were provisioned by it.
    #[arg(long)]
    pub provider: Option<String>,
    /// How users were provisioned: manual, scim, jit or ldap.
    #[arg(long)]
    pub source: Option<String>,
    /// enabled, disabled or released.
    #[arg(long)]
    pub state: Option<String>,
    /// Users with this role: site_admin or readonly_site_admin.
    #[arg(long)]
    pub admin: Option<String>,
}

#[derive(Debug, Args)]
pub struct UserCreateArgs {
    /// The site's slug.
    #[arg(long)]
    pub site: String,
    /// The new user's username, unique in the site regardless of letter case.
    #[arg(long)]
    pub username: String,
    /// The user's e-mail address.
    #[arg(long)]
    pub email: Option<String>,
    /// The user's full name.
    #[arg(long)]
    pub full_name: Option<String>,
    /// The user's first name.
    #[arg(long)]
    pub first_name: Option<String>,
    /// The user's last name.
    #[arg(long)]
    pub last_name: Option<String>,
    /// The user's company.
    #[arg(long)]
    pub company: Option<String>,
    /// IANA time zone, for example Europe/Paris.
    #[arg(long)]
    pub time_zone: Option<String>,
    /// Make the user an administrator of the site.
    #[arg(long)]
    pub site_admin: bool,
    /// Make the user a read-only administrator of the site.
    #[arg(long)]
    pub readonly_site_admin: bool,
    /// Create the user disabled.
    #[arg(long)]
    pub disabled: bool,
    /// Sign in through this SSO provider (its name) instead of a password.
    #[arg(long)]
    pub sso_provider: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Create a local group.
    Create {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The new group's name, unique in the site regardless of letter case.
        #[arg(long)]
        name: String,
    },
    /// List the groups of a site.
    List {
        /// The site's slug.
        #[arg(long)]
        site: String,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Show a group by name.
    Show {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The group's name, in any letter case.
        // `--name` was this flag's name before; scripts keep working.
        #[arg(long, alias = "name")]
        group: String,
    },
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

#[derive(Debug, Subcommand)]
pub enum ProviderCommand {
    /// Create an SSO provider.
    Create {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// okta, entra_id, jumpcloud, onelogin, duo, ldap, saml or oidc.
        #[arg(long)]
        kind: String,
        /// The new provider's name, unique in the site; shown on the sign-in button.
        #[arg(long)]
        name: String,
    },
    /// List the SSO providers of a site.
    List {
        /// The site's slug.
        #[arg(long)]
        site: String,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Show an SSO provider by name.
    Show {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The provider's name.
        // `--name` was this flag's name before; scripts keep working.
        #[arg(long, alias = "name")]
        provider: String,
    },
    /// Set a provider's provisioning options (see the README's table) and
    /// print the provider.
    Options {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The provider's name.
        #[arg(long)]
        provider: String,
        /// OPTION=VALUE, repeatable: `true`/`false` for switches, text for
        /// the rest (an empty value clears a group list).
        #[arg(long = "set", value_name = "OPTION=VALUE")]
        set: Vec<String>,
        /// Clear an optional value (provision_company, default_time_zone).
        #[arg(long = "unset", value_name = "OPTION")]
        unset: Vec<String>,
    },
    /// Set a provider's SCIM authentication; print a new secret if one is made.
    ///
    /// A new secret is made, and printed only this once, when --auth token or
    /// basic changes the provider's mode (from off, or from the other of the
    /// two) and when --reset is given. Otherwise no secret is printed: --auth
    /// off, or the provider's current mode again (such as --auth token
    /// --expires DATE on a provider that already uses a token), only changes
    /// the settings. A token goes to standard output on one line; Basic
    /// credentials as two lines, the username then the password; with --json,
    /// as the fields `token`, or `username` and `password`.
    Scim {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The provider's name.
        #[arg(long)]
        provider: String,
        /// token (a bearer token), basic (a username and password) or off (no SCIM).
        #[arg(long)]
        auth: String,
        /// The secret stops working at the start of this day (UTC), YYYY-MM-DD;
        /// a new token otherwise expires one year after it is made.
        #[arg(long)]
        expires: Option<String>,
        /// Replace the secret with a new one.
        #[arg(long)]
        reset: bool,
        /// With --reset: how long the old secret keeps working (30m, 24h, 7d).
        #[arg(long)]
        overlap: Option<String>,
    },
    /// Set how a provider's IdP is trusted for SAML sign-in (one of
    /// --metadata-url, --metadata-file or --fingerprint with --sso-url) and
    /// how people sign in through it; prints the provider.
    Saml(Box<SamlArgs>),
    /// Set a provider's LDAP / Active Directory provisioning (prints the provider), or
    /// with --test bind to the directory and count its users and groups.
    Ldap(Box<LdapArgs>),
    /// Print how to connect the provider's identity provider, with the values
    /// to paste into it filled in (the same guide as the admin API's).
    Guide(crate::guide_command::GuideArgs),
}

/// `roster provider ldap`.
#[derive(Debug, Args)]
pub struct LdapArgs {
    /// The site's slug.
    #[arg(long)]
    pub site: String,
    /// The provider's name.
    #[arg(long)]
    pub provider: String,
    /// Create the provider, of kind ldap (the directory signs nobody in: it only
    /// provisions), with these settings; --host, --base-dn, --bind-username and
    /// --bind-password-file are then needed.
    #[arg(long, conflicts_with = "test", requires_all = ["host", "base_dn"])]
    pub create: bool,
    /// Bind to the directory with the stored settings and count the users and groups a
    /// sync would read; changes nothing.
    #[arg(long, conflicts_with_all = ["host", "backup_host", "port", "security", "ca_cert", "bind_username", "bind_password_file", "base_dn", "server_type", "username_attribute", "domain", "interval", "user_filter", "group_filter", "failure_threshold", "enabled"])]
    pub test: bool,
    /// The directory's host name.
    #[arg(long)]
    pub host: Option<String>,
    /// A second host, used when the first cannot be reached ("" removes it).
    #[arg(long)]
    pub backup_host: Option<String>,
    /// The port (636 for ldaps, 389 otherwise by default).
    #[arg(long)]
    pub port: Option<u16>,
    /// ldaps, starttls or plain (plain sends the bind password in clear).
    #[arg(long, value_parser = ["ldaps", "starttls", "plain"])]
    pub security: Option<String>,
    /// A PEM file of the CA that issued the directory's certificate.
    #[arg(long)]
    pub ca_cert: Option<std::path::PathBuf>,
    /// The DN (or user@domain on Active Directory) the sync binds as.
    #[arg(long)]
    pub bind_username: Option<String>,
    /// A file holding the bind password (never given on the command line, where
    /// other users of the machine could read it).
    #[arg(long)]
    pub bind_password_file: Option<std::path::PathBuf>,
    /// Where users and groups are searched.
    #[arg(long)]
    pub base_dn: Option<String>,
    /// openldap or active_directory.
    #[arg(long, value_parser = ["openldap", "active_directory"])]
    pub server_type: Option<String>,
    /// uid, sAMAccountName, userPrincipalName or mail.
    #[arg(long)]
    pub username_attribute: Option<String>,
    /// Appended to usernames without one (jdoe becomes jdoe@DOMAIN; "" removes it).
    #[arg(long)]
    pub domain: Option<String>,
    /// Between scheduled syncs: 15m to 7d (1h by default).
    #[arg(long)]
    pub interval: Option<String>,
    /// An LDAP filter narrowing the users read ("" removes it).
    #[arg(long)]
    pub user_filter: Option<String>,
    /// An LDAP filter narrowing the groups read ("" removes it).
    #[arg(long)]
    pub group_filter: Option<String>,
    /// Consecutive failed syncs before provisioning switches itself off (5 by default).
    #[arg(long)]
    pub failure_threshold: Option<u32>,
    /// Switch LDAP provisioning on or off (on again after it switched itself off).
    #[arg(long, value_parser = ["on", "off"])]
    pub enabled: Option<String>,
}

/// `roster provider saml`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("trust").args(["metadata_url", "metadata_file", "fingerprint"])))]
pub struct SamlArgs {
    /// The site's slug.
    #[arg(long)]
    pub site: String,
    /// The provider's name.
    #[arg(long)]
    pub provider: String,
    /// The IdP's metadata URL (fetched and refreshed by roster).
    #[arg(long)]
    pub metadata_url: Option<String>,
    /// A file holding the IdP's metadata XML.
    #[arg(long)]
    pub metadata_file: Option<std::path::PathBuf>,
    /// The SHA-256 fingerprint of the IdP's signing certificate, as
    /// `openssl x509 -noout -sha256 -fingerprint` prints it.
    #[arg(long, requires = "sso_url")]
    pub fingerprint: Option<String>,
    /// With --fingerprint: the IdP's single sign-on URL.
    #[arg(long, requires = "fingerprint")]
    pub sso_url: Option<String>,
    /// With --fingerprint: the IdP's single logout URL.
    #[arg(long, requires = "fingerprint")]
    pub slo_url: Option<String>,
    /// Accept sign-ins the IdP starts (on, off, or default for the kind's).
    #[arg(long, value_parser = ["on", "off", "default"])]
    pub idp_initiated: Option<String>,
    /// What the IdP's NameID names: username or email.
    #[arg(long)]
    pub name_id: Option<String>,
    /// Accept RSA-SHA1 signatures (on or off; off by default).
    #[arg(long, value_parser = ["on", "off"])]
    pub allow_sha1: Option<String>,
    /// Sign AuthnRequests: on, off, or metadata (the default: when the IdP's metadata
    /// asks for signed requests).
    #[arg(long, value_parser = ["on", "off", "metadata"])]
    pub sign_requests: Option<String>,
    /// The SAML attribute holding the e-mail, instead of the presets ("" returns to them).
    #[arg(long)]
    pub email_attribute: Option<String>,
    /// The SAML attribute holding the first name ("" returns to the presets).
    #[arg(long)]
    pub first_name_attribute: Option<String>,
    /// The SAML attribute holding the last name ("" returns to the presets).
    #[arg(long)]
    pub last_name_attribute: Option<String>,
    /// The SAML attribute holding the groups ("" returns to the presets).
    #[arg(long)]
    pub groups_attribute: Option<String>,
}
