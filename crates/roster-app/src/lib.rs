//! The use cases of roster, in areas that each own a folder, their input
//! types and their error enum, over one shared [`Context`]:
//!
//! - [`admin`]: what administrators do through the admin API, the CLI and
//!   the console (sites, users, groups, providers, credentials, keys).
//! - [`scim`]: what an identity provider's SCIM client does (SPEC §2).
//! - [`sso`]: SAML sign-in, just-in-time provisioning and sessions
//!   (SPEC §5).
//! - [`jobs`]: the scheduled jobs, each a `run_once(ctx, now)` (SPEC §8).
//!
//! Directory sync (`sync`) and logs (`logs`) join as areas of their own;
//! `ARCHITECTURE.md` shows where. Each use case runs in one store transaction that commits only
//! when the whole operation succeeded, and asks the store only for the
//! capabilities its area names.
//!
//! This crate never speaks HTTP (no axum here) and never writes SQL (that
//! is `roster-store`). It checks who may do what, validates input into
//! domain types, applies the pure rules of `roster-domain` and
//! `roster-scim`, and returns typed results that the HTTP layer and the CLI
//! map exhaustively.

mod access;
pub mod admin;
mod alert_mail;
mod alerts;
mod clock;
mod context;
mod credential_cache;
mod error;
mod events;
mod fetch_rules;
mod history;
pub mod idp_metadata;
mod ids;
pub mod jobs;
mod mailer;
mod metadata_client;
pub mod metrics;
mod notices;
pub mod passwords;
mod provisioning;
mod redact;
mod saml_providers;
pub mod scheduler;
pub mod scim;
pub mod scim_log;
pub mod secrets;
pub mod setup_guide;
mod smtp_mailer;
mod sp_keys;
pub mod sso;
pub mod sync;
mod webhook_sender;
pub mod webhooks;

use std::sync::Arc;

use roster_domain::history::Interface;

pub use access::{AdminRole, Principal, SetupGrant, SignedIn};
pub use alerts::{AlertOutcome, Delivery};
pub use clock::{Clock, SystemClock};
pub use context::{AlertDays, AppConfig, Context, MetadataClient, THRESHOLD_DAYS};
pub use error::InternalError;
pub use mailer::{MailError, Mailer, OutgoingMail};
pub use metadata_client::{
    HttpMetadataClient, MAX_METADATA_BYTES, MetadataClientConfig, MetadataFetchError,
    MetadataTimeouts,
};
pub use redact::{CapturedBody, KEPT_HEADERS};
pub use scheduler::{JobRun, Scheduler, SchedulerError, instance_name};
pub use smtp_mailer::{SmtpConfig, SmtpConfigError, SmtpMailer, SmtpSecurity};
pub use webhook_sender::{
    DELIVERY_TIMEOUT, HttpWebhookSender, SendError, WebhookRequest, WebhookSender, check_webhook_ca,
};

/// The application: the shared context, and an entry point per area.
#[derive(Clone)]
pub struct App {
    ctx: Arc<Context>,
    /// How administrators reach this `App`, as the history log records it.
    admin_interface: Interface,
}

impl App {
    pub fn new(ctx: Context) -> Self {
        Self { ctx: Arc::new(ctx), admin_interface: Interface::AdminApi }
    }

    /// The same application, with administrators' changes recorded as
    /// made through `interface` (the CLI, the console) rather than the
    /// admin API.
    pub fn via(&self, interface: Interface) -> Self {
        Self { ctx: self.ctx.clone(), admin_interface: interface }
    }

    /// Sites, users, groups, providers, credentials and keys, as
    /// administrators manage them.
    pub fn admin(&self) -> admin::Admin<'_> {
        admin::Admin::new(&self.ctx, self.admin_interface)
    }

    /// The SCIM service provider, as identity providers' clients use it.
    pub fn scim(&self) -> scim::Scim<'_> {
        scim::Scim::new(&self.ctx)
    }

    /// SAML sign-in and the sessions of signed-in people.
    pub fn sso(&self) -> sso::Sso<'_> {
        sso::Sso::new(&self.ctx)
    }

    /// The scheduled jobs, run once on demand.
    pub fn jobs(&self) -> jobs::Jobs<'_> {
        jobs::Jobs::new(&self.ctx)
    }

    pub fn sync(&self) -> sync::Sync<'_> {
        sync::Sync::new(&self.ctx)
    }

    /// The SCIM request log's recorder: the HTTP layer hands it every
    /// SCIM exchange, and `serve` flushes it at shutdown.
    pub fn webhooks(&self) -> webhooks::Webhooks<'_> {
        webhooks::Webhooks::new(&self.ctx)
    }

    pub fn scim_log(&self) -> &scim_log::ScimLog {
        &self.ctx.scim_log
    }

    /// A provider's set-up guide: the admin area finds the provider the
    /// principal may see, and fills in the SAML URLs the sign-in area serves.
    pub async fn setup_guide(
        &self,
        who: &Principal,
        site: &str,
        provider: &str,
    ) -> Result<setup_guide::SetupGuide, admin::AdminError> {
        // `urls` fails only without a public URL, which the admin area
        // reports after its look-ups (so an unknown provider is still 404).
        let saml = self.sso().urls().ok().map(|sp| setup_guide::SamlUrls {
            provider_acs: sp.acs_for(provider),
            slo: sp.logout_for(provider),
            entity_id: sp.entity_id,
            acs: sp.acs,
        });
        self.admin().setup_guide(who, site, provider, saml).await
    }

    /// The settings the application was started with.
    pub fn config(&self) -> &AppConfig {
        &self.ctx.config
    }

    /// Whether the database answers.
    pub async fn ready(&self) -> Result<(), InternalError> {
        Ok(self.ctx.store.ping().await?)
    }
}
