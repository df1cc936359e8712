//! `roster provider`: a site's SSO providers and all their settings (SAML
//! trust and sign-in, SCIM credential, LDAP, provisioning options), each
//! setting command an `update_provider` of the admin API's shape.

use anyhow::Context;
use clap::{Args, Subcommand};
use roster_app::App;
use roster_app::admin::{
    AttributesInput, LdapInput, ProviderInput, ProviderPatch, ProvisioningInput, SamlInput,
    ScimCredentialInput, SignInInput,
};

use crate::cli::PageArgs;
use crate::commands::page;
use crate::output;

const OPERATOR: roster_app::Principal = roster_app::Principal::Operator;

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
    /// Rename a provider (its sign-in button shows the name).
    Rename {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The provider's name.
        #[arg(long)]
        provider: String,
        /// The new name, unique in the site.
        #[arg(long)]
        name: String,
    },
    /// Delete a provider; refused while users sign in through it.
    Delete {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The provider's name.
        #[arg(long)]
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
    /// Set a provider's LDAP / Active Directory provisioning (prints the provider),
    /// remove it with --remove, or with --test bind to the directory and count its
    /// users and groups.
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
    /// Remove the provider's LDAP settings: its directory provisions no more.
    #[arg(long, conflicts_with_all = ["create", "test", "host", "backup_host", "port", "security", "ca_cert", "bind_username", "bind_password_file", "base_dn", "server_type", "username_attribute", "domain", "interval", "user_filter", "group_filter", "failure_threshold", "enabled"])]
    pub remove: bool,
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

pub async fn run(app: &App, command: &ProviderCommand, json: bool) -> anyhow::Result<()> {
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
        ProviderCommand::Rename { site, provider, name } => {
            let id = app.admin().find_provider(&OPERATOR, site, provider).await?.id;
            let patch = ProviderPatch { name: Some(name.clone()), ..ProviderPatch::default() };
            output::one(&app.admin().update_provider(&OPERATOR, site, &id, patch).await?, json)
        }
        ProviderCommand::Delete { site, provider } => {
            let id = app.admin().find_provider(&OPERATOR, site, provider).await?.id;
            app.admin().delete_provider(&OPERATOR, site, &id).await?;
            output::done("deleted", &format!("Provider {provider} deleted."), json)
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
        ProviderCommand::Ldap(args) if args.remove => {
            let id = app.admin().find_provider(&OPERATOR, &args.site, &args.provider).await?.id;
            let patch = ProviderPatch { ldap: Some(None), ..ProviderPatch::default() };
            output::one(
                &app.admin().update_provider(&OPERATOR, &args.site, &id, patch).await?,
                json,
            )
        }
        ProviderCommand::Ldap(args) if args.create => {
            require_bind_account(args)?;
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
            let found = app.admin().find_provider(&OPERATOR, &args.site, &args.provider).await?;
            if found.ldap.is_none() {
                require_bind_account(args)?;
            }
            let id = found.id;
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

/// New LDAP settings name the account the sync binds as: an anonymous
/// bind reads nothing on Active Directory, and on OpenLDAP at most what
/// anyone may read, so a sync would quietly see an empty directory.
fn require_bind_account(args: &LdapArgs) -> anyhow::Result<()> {
    let missing: Vec<&str> = [
        (args.bind_username.as_deref().is_none_or(str::is_empty), "--bind-username"),
        (args.bind_password_file.is_none(), "--bind-password-file"),
    ]
    .into_iter()
    .filter_map(|(missing, flag)| missing.then_some(flag))
    .collect();
    if missing.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "new LDAP settings need the account the sync binds as: give {} (the bind password \
         only ever comes from a file)",
        missing.join(" and ")
    )
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
