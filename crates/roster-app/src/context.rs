//! What every area shares: the store, the clock and the configuration.
//!
//! The outside services of later areas join here, each behind a small
//! trait so that tests give real local peers: an HTTP client for SAML
//! metadata (`sso`), a directory connector (`sync`) and a mailer (the alerts of `jobs`
//! and `sync`, through the shared `alerts` module).
//! An area reaches them only through the context, never as globals.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use roster_domain::HttpUrl;
use roster_store::Store;

use crate::Clock;
use crate::credential_cache::CredentialCache;
use crate::mailer::Mailer;
use crate::metadata_client::MetadataFetchError;
use crate::passwords::Passwords;
use crate::scim_log::ScimLog;
use crate::sp_keys::SpKeyCache;
use crate::webhook_sender::{HttpWebhookSender, SendError, WebhookRequest, WebhookSender};

/// Fetches SAML metadata documents from identity providers' URLs. The
/// real one is [`crate::HttpMetadataClient`]; whatever implements it
/// enforces the fetch rules (schemes, addresses, timeouts, size).
#[async_trait::async_trait]
pub trait MetadataClient: Send + Sync {
    /// The document at `url`, as text.
    async fn fetch(&self, url: &HttpUrl) -> Result<String, MetadataFetchError>;
}

/// Days before expiry at which administrators are told, furthest first,
/// unless the operator chose others.
pub const THRESHOLD_DAYS: [i64; 3] = [30, 7, 1];

/// The days before expiry at which administrators are told: distinct,
/// from 1 to 365, at most 10, furthest first
/// (`--token-expiry-alert-days`, by default 30,7,1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertDays(Vec<i64>);

impl AlertDays {
    /// The most thresholds one may configure.
    const MOST: usize = 10;

    /// 30, 7 and 1 days.
    pub fn standard() -> Self {
        Self(THRESHOLD_DAYS.to_vec())
    }

    /// Comma-separated whole days, such as `30,7,1` or `14, 3`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut days = Vec::new();
        for part in raw.split(',') {
            let part = part.trim();
            let day =
                part.parse::<i64>().ok().filter(|day| (1..=365).contains(day)).ok_or_else(
                    || format!("{part:?} is not a whole number of days from 1 to 365"),
                )?;
            if days.contains(&day) {
                return Err(format!("{day} is given twice"));
            }
            days.push(day);
        }
        if days.len() > Self::MOST {
            return Err(format!("at most {} thresholds (got {})", Self::MOST, days.len()));
        }
        days.sort_unstable_by(|a, b| b.cmp(a));
        Ok(Self(days))
    }

    pub fn days(&self) -> &[i64] {
        &self.0
    }
}

impl std::fmt::Display for AlertDays {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let days: Vec<String> = self.0.iter().map(i64::to_string).collect();
        f.write_str(&days.join(","))
    }
}

/// The application's settings, from the command line and the environment
/// (per-site settings live in the database).
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The URL clients reach roster at, for the absolute URLs of SCIM
    /// resources (`meta.location`, `$ref`). Without it, they are built from
    /// the request's `Host`.
    pub public_url: Option<String>,
    /// Whether SCIM requests are recorded in the SCIM request log
    /// (`--scim-log`; on unless switched off).
    pub scim_log: bool,
    /// Whether webhooks may be delivered to loopback, private and other
    /// non-public addresses, and over plain `http://`
    /// (`--webhook-allow-private`; off unless switched on).
    pub webhook_allow_private: bool,
    /// PEM certificates of CAs trusted for webhook receivers besides the
    /// system's roots (`--webhook-ca-file`; checked at start-up by
    /// [`crate::check_webhook_ca`]).
    pub webhook_ca_pem: Option<Vec<u8>>,
    /// The days before a SCIM credential's expiry at which its site's
    /// administrators are mailed (`--token-expiry-alert-days`).
    pub token_expiry_alert_days: AlertDays,
}

/// The dependencies of every use case.
pub struct Context {
    pub(crate) store: Arc<Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: AppConfig,
    pub(crate) metadata: Arc<dyn MetadataClient>,
    /// The SAML SP's parsed key pairs, reused for a minute.
    pub(crate) sp_keys: SpKeyCache,
    /// Argon2 hashing and checking, off the async workers and bounded.
    pub(crate) passwords: Passwords,
    /// Connects to the directories LDAP provisioning reads.
    pub(crate) directory: Arc<dyn roster_ldap::Connector>,
    /// Sends the alerts to sites' administrators; `None`: mail is off
    /// (no SMTP host configured), and alerts are recorded as not sent.
    pub(crate) mailer: Option<Arc<dyn Mailer>>,
    /// Whether "mail is off" was logged: once per process is enough.
    pub(crate) mail_off_noted: AtomicBool,
    /// Records SCIM requests in the background.
    pub(crate) scim_log: ScimLog,
    /// The providers SCIM credentials named recently.
    pub(crate) scim_credentials: CredentialCache,
    /// The SAML providers sign-ins went through recently.
    pub(crate) saml_providers: crate::saml_providers::ProviderCache,
    /// The database's secret for SCIM paging cursors, once read.
    pub(crate) cursor_secret: tokio::sync::OnceCell<String>,
    /// Posts webhook deliveries.
    pub(crate) webhooks: Arc<dyn WebhookSender>,
}

impl Context {
    pub fn new(
        store: Arc<Store>,
        clock: Arc<dyn Clock>,
        config: AppConfig,
        metadata: Arc<dyn MetadataClient>,
    ) -> Self {
        let scim_log = ScimLog::new(store.clone(), clock.clone(), config.scim_log);
        let webhooks: Arc<dyn WebhookSender> = match HttpWebhookSender::new(
            config.webhook_allow_private,
            config.webhook_ca_pem.as_deref(),
        ) {
            Ok(sender) => Arc::new(sender),
            // Only a TLS set-up the machine cannot do fails here; every
            // delivery then fails with that reason, visible to the
            // administrators, and the rest of roster runs.
            Err(err) => Arc::new(Unavailable(err)),
        };
        Self {
            webhooks,
            store,
            clock,
            scim_log,
            scim_credentials: CredentialCache::default(),
            saml_providers: crate::saml_providers::ProviderCache::default(),
            cursor_secret: tokio::sync::OnceCell::new(),
            config,
            metadata,
            sp_keys: SpKeyCache::default(),
            passwords: Passwords::for_this_machine(),
            directory: Arc::new(roster_ldap::LdapConnector::new()),
            mailer: None,
            mail_off_noted: AtomicBool::new(false),
        }
    }

    /// The context with webhooks posted through `sender`.
    #[must_use]
    pub fn with_webhook_sender(mut self, sender: Arc<dyn WebhookSender>) -> Self {
        self.webhooks = sender;
        self
    }

    /// The context with mail on, through `mailer`.
    #[must_use]
    pub fn with_mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = Some(mailer);
        self
    }
}

/// The sender when the real one could not be set up: says why on every
/// delivery.
struct Unavailable(SendError);

#[async_trait::async_trait]
impl WebhookSender for Unavailable {
    async fn post(
        &self,
        _url: &roster_domain::WebhookUrl,
        _request: WebhookRequest,
    ) -> Result<u16, SendError> {
        Err(self.0.clone())
    }
}
