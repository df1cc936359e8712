//! Turns the parsed command line into the explicit configuration the
//! program runs with (STYLE rule 9: no globals, no `Default`).

use std::net::IpAddr;
use std::sync::Arc;

use anyhow::{Context, bail};
use roster_app::{SmtpConfig, SmtpMailer, SmtpSecurity};
use roster_domain::Secret;
use roster_store::StoreConfig;
use secrecy::ExposeSecret;

use crate::cli::{DatabaseArgs, MailArgs, MetadataArgs, SmtpSecurityArg};

/// The SQLite file inside the data directory.
const SQLITE_FILE: &str = "roster.db";

/// Where the data lives: PostgreSQL when a URL is given, else SQLite.
pub fn store_config(args: &DatabaseArgs, max_connections: u32) -> anyhow::Result<StoreConfig> {
    match &args.database_url {
        Some(url) => {
            let url = url.expose_secret();
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                bail!(
                    "--database-url must be a postgres:// URL; for SQLite, leave it unset and use --data-dir"
                );
            }
            Ok(StoreConfig::Postgres { url: Secret::new(url), max_connections })
        }
        None => Ok(StoreConfig::Sqlite { path: args.data_dir.join(SQLITE_FILE) }),
    }
}

/// The variable that may hold the SMTP password, for deployments that
/// pass secrets in the environment. It has no flag on purpose: a password
/// on the command line is visible to every local user (`ps`).
const SMTP_PASSWORD_VAR: &str = "ROSTER_SMTP_PASSWORD";

/// The mailer the settings ask for; `None` when no SMTP host is set (mail
/// off: alerts are recorded as not sent).
pub fn mailer(args: &MailArgs) -> anyhow::Result<Option<Arc<SmtpMailer>>> {
    let Some(config) = smtp_config(args, std::env::var(SMTP_PASSWORD_VAR).ok())? else {
        return Ok(None);
    };
    let mailer = SmtpMailer::new(config).context("cannot set up mail")?;
    Ok(Some(Arc::new(mailer)))
}

fn smtp_config(
    args: &MailArgs,
    password_var: Option<String>,
) -> anyhow::Result<Option<SmtpConfig>> {
    let Some(host) = args.smtp_host.clone().filter(|host| !host.is_empty()) else {
        return Ok(None);
    };
    let security = match args.smtp_security {
        SmtpSecurityArg::Starttls => SmtpSecurity::StartTls,
        SmtpSecurityArg::Tls => SmtpSecurity::Tls,
        SmtpSecurityArg::Plain => SmtpSecurity::Plain,
    };
    let Some(from) = args.smtp_from.clone() else {
        bail!("--smtp-from is required with --smtp-host: the sender of the alerts");
    };
    let password = match (&args.smtp_password_file, password_var) {
        (Some(path), _) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read --smtp-password-file {}", path.display()))?
                .trim_end_matches(['\r', '\n'])
                .to_owned(),
        ),
        (None, password) => password,
    };
    let credentials = match (args.smtp_username.clone(), password) {
        (Some(username), Some(password)) => Some((username, Secret::new(password))),
        (None, None) => None,
        (Some(_), None) => {
            bail!("--smtp-username needs a password: --smtp-password-file or {SMTP_PASSWORD_VAR}")
        }
        (None, Some(_)) => bail!("an SMTP password needs --smtp-username"),
    };
    // A password in clear crosses only this machine.
    if security == SmtpSecurity::Plain && credentials.is_some() && !is_loopback(&host) {
        bail!(
            "--smtp-security plain would send the SMTP password in clear to {host}; use starttls \
             or tls (plain with a login is only for a server on this machine)"
        );
    }
    let ca_pem = match &args.smtp_ca_file {
        Some(path) => Some(
            std::fs::read(path)
                .with_context(|| format!("cannot read --smtp-ca-file {}", path.display()))?,
        ),
        None => None,
    };
    let port = args.smtp_port.unwrap_or_else(|| security.default_port());
    Ok(Some(SmtpConfig { host, port, security, credentials, from, ca_pem }))
}

/// The certificates of `--webhook-ca-file`, read and checked: a file
/// that cannot be read or holds no usable certificate stops the command.
pub fn webhook_ca(args: &MetadataArgs) -> anyhow::Result<Option<Vec<u8>>> {
    let Some(path) = &args.webhook_ca_file else { return Ok(None) };
    let pem = std::fs::read(path)
        .with_context(|| format!("cannot read --webhook-ca-file {}", path.display()))?;
    let count = roster_app::check_webhook_ca(&pem)
        .with_context(|| format!("--webhook-ca-file {} cannot be used", path.display()))?;
    tracing::debug!(count, "webhook receivers' CA certificates trusted besides the system's");
    Ok(Some(pem))
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(host: Option<&str>) -> MailArgs {
        MailArgs {
            smtp_host: host.map(str::to_owned),
            smtp_port: None,
            smtp_security: SmtpSecurityArg::Starttls,
            smtp_username: None,
            smtp_password_file: None,
            smtp_from: Some("roster@example.com".into()),
            smtp_ca_file: None,
            token_expiry_alert_days: roster_app::AlertDays::standard(),
        }
    }

    #[test]
    fn no_host_is_mail_off_and_the_port_follows_the_security() {
        assert!(smtp_config(&args(None), None).unwrap().is_none());
        let config = smtp_config(&args(Some("mail.example.com")), None).unwrap().unwrap();
        assert_eq!((config.port, config.security), (587, SmtpSecurity::StartTls));
        let mut tls = args(Some("mail.example.com"));
        tls.smtp_security = SmtpSecurityArg::Tls;
        assert_eq!(smtp_config(&tls, None).unwrap().unwrap().port, 465);
        tls.smtp_port = Some(2465);
        assert_eq!(smtp_config(&tls, None).unwrap().unwrap().port, 2465);
    }

    #[test]
    fn settings_that_cannot_work_are_refused() {
        let mut no_from = args(Some("mail.example.com"));
        no_from.smtp_from = None;
        assert!(smtp_config(&no_from, None).unwrap_err().to_string().contains("--smtp-from"));
        let mut no_password = args(Some("mail.example.com"));
        no_password.smtp_username = Some("roster".into());
        assert!(smtp_config(&no_password, None).is_err());
        let config = smtp_config(&no_password, Some("s3cret".into())).unwrap().unwrap();
        assert_eq!(config.credentials.unwrap().1.expose(), "s3cret");
        no_password.smtp_security = SmtpSecurityArg::Plain;
        let err = smtp_config(&no_password, Some("s3cret".into())).unwrap_err();
        assert!(err.to_string().contains("in clear"), "{err}");
        no_password.smtp_host = Some("127.0.0.1".into());
        assert_eq!(smtp_config(&no_password, Some("p".into())).unwrap().unwrap().port, 25);
    }
}
