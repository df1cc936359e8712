//! [`LdapConnector`]: connect and bind to the primary host, or to the
//! backup host when the primary cannot be reached.
//!
//! "Cannot be reached" is everything before the server judged the
//! credentials: no route, a refused or timed-out connection, a failed TLS
//! handshake or StartTLS, a bind that times out, or a server that answers
//! `busy` or `unavailable`. A refused bind is final: the backup holds the
//! same accounts, and trying the password there too would only add a
//! failed login to its lockout counter.

use async_trait::async_trait;
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings};

use crate::address::Address;
use crate::outcome::{describe, server_unavailable};
use crate::plan::Plan;
use crate::session::LdapSession;
use crate::{Connector, DirectoryConfig, LdapError, Security, Session};

/// The [`Connector`] for real directories, over ldap3.
#[derive(Debug, Clone, Copy, Default)]
pub struct LdapConnector;

impl LdapConnector {
    pub fn new() -> Self {
        LdapConnector
    }
}

/// Why one host did not give a bound connection.
enum Failure {
    /// Try the next host; the reason is for the error message.
    Unreachable(String),
    /// Stop: the server answered and refused.
    Refused(LdapError),
}

#[async_trait]
impl Connector for LdapConnector {
    async fn connect(&self, config: &DirectoryConfig) -> Result<Box<dyn Session>, LdapError> {
        let plan = Plan::new(config)?;
        let primary_failure = match open(&plan.primary, &plan, config).await {
            Ok(ldap) => return Ok(session(ldap, plan.primary.to_string(), plan)),
            Err(Failure::Refused(error)) => return Err(error),
            Err(Failure::Unreachable(why)) => format!("{}: {why}", plan.primary),
        };
        let Some(backup) = plan.backup.clone() else {
            return Err(LdapError::Unreachable(primary_failure));
        };
        match open(&backup, &plan, config).await {
            Ok(ldap) => Ok(session(ldap, backup.to_string(), plan)),
            Err(Failure::Refused(error)) => Err(error),
            Err(Failure::Unreachable(why)) => {
                Err(LdapError::Unreachable(format!("{primary_failure}; backup {backup}: {why}")))
            }
        }
    }
}

fn session(ldap: Ldap, served_by: String, plan: Plan) -> Box<dyn Session> {
    Box::new(LdapSession::new(ldap, served_by, plan))
}

/// A connection to `address`, TLS set up as the settings say, bound as
/// the bind DN.
async fn open(address: &Address, plan: &Plan, config: &DirectoryConfig) -> Result<Ldap, Failure> {
    // ldap3 applies this to the TCP connection, TLS handshake and StartTLS
    // together.
    let mut settings = LdapConnSettings::new().set_conn_timeout(plan.timeout);
    if let Some(tls) = &plan.tls {
        settings = settings.set_config(tls.clone());
    }
    if plan.security == Security::StartTls {
        settings = settings.set_starttls(true);
    }
    let (connection, mut ldap) =
        LdapConnAsync::with_settings(settings, &address.url(plan.security))
            .await
            .map_err(|e| Failure::Unreachable(e.to_string()))?;
    // The connection runs on its own task until the last handle of the
    // session is dropped; an I/O error there reaches the session as the
    // failure of its next operation, so the task's own result adds nothing.
    tokio::spawn(async move {
        let _ended = connection.drive().await;
    });
    let result = ldap
        .with_timeout(plan.timeout)
        .simple_bind(&config.bind_dn, &config.bind_password)
        .await
        .map_err(|e| Failure::Unreachable(format!("bind: {e}")))?;
    match result.rc {
        0 => Ok(ldap),
        rc if server_unavailable(rc) => {
            Err(Failure::Unreachable(format!("bind: {}", describe(&result))))
        }
        _ => Err(Failure::Refused(LdapError::BindRefused(format!(
            "{address} as {}: {}",
            config.bind_dn,
            describe(&result)
        )))),
    }
}
