//! The scheduled jobs of SPEC §8, each a function that runs once:
//! `run_once(ctx, now)` returns what it did. `roster jobs run <job>` calls
//! one now; the scheduler of `roster serve` (a later issue) is a loop
//! around them. A job does its slow outside work (fetches) outside write
//! transactions and then commits each result in a short one of its own, so
//! one failing item never undoes another's.
//!
//! May use: the store capabilities of `JobsTx`, the clock, the context's
//! outside services, and the shared `idp_metadata`, `alerts` and
//! `alert_mail` modules. Never another
//! area.

pub mod clean_up;
mod error;
pub mod lifecycle_rules;
pub mod log_retention;
pub mod saml_metadata;
mod schedule;
pub mod token_expiry;

pub use clean_up::CleanUpReport;
pub use error::JobError;
pub use lifecycle_rules::LifecycleReport;
pub use log_retention::{LogRetentionReport, SitePurge};
pub use saml_metadata::{MetadataRefresh, RefreshOutcome, SamlMetadataReport};
pub use schedule::{JobName, JobOutcome, JobView, LEASE, RENEW_EVERY};
pub use token_expiry::{TokenAlert, TokenExpiryReport};

use roster_store::{
    HistoryRepo, IdpMetadataRepo, JobRepo, LifecycleRepo, MailAlertRepo, ProviderRepo, ScimLogRepo,
    SiteRepo, Transaction, UserRepo, WebhookRepo,
};

use crate::Context;

/// The store capabilities the jobs use.
pub(crate) trait JobsTx:
    Transaction
    + ProviderRepo
    + IdpMetadataRepo
    + JobRepo
    + SiteRepo
    + UserRepo
    + LifecycleRepo
    + HistoryRepo
    + MailAlertRepo
    + ScimLogRepo
    + WebhookRepo
{
}

impl<T> JobsTx for T where
    T: Transaction
        + ProviderRepo
        + IdpMetadataRepo
        + JobRepo
        + SiteRepo
        + UserRepo
        + LifecycleRepo
        + HistoryRepo
        + MailAlertRepo
        + ScimLogRepo
        + WebhookRepo
{
}

/// The jobs, to run once; `App::jobs` hands one out.
pub struct Jobs<'a> {
    ctx: &'a Context,
}

impl<'a> Jobs<'a> {
    pub(crate) fn new(ctx: &'a Context) -> Self {
        Self { ctx }
    }

    /// Refreshes the SAML metadata that is due now (the clock's now).
    pub async fn saml_metadata(&self) -> Result<SamlMetadataReport, JobError> {
        saml_metadata::run_once(self.ctx, self.ctx.clock.now()).await
    }

    /// Applies the user lifecycle rules (the clock's now).
    pub async fn lifecycle_rules(&self) -> Result<LifecycleReport, JobError> {
        lifecycle_rules::run_once(self.ctx, self.ctx.clock.now()).await
    }

    /// Deletes what has expired (the clock's now).
    pub async fn clean_up(&self) -> Result<CleanUpReport, JobError> {
        clean_up::run_once(self.ctx, self.ctx.clock.now()).await
    }

    /// Mails the SCIM token-expiry alerts that are due now (the clock's
    /// now) to the sites' administrators.
    pub async fn token_expiry(&self) -> Result<TokenExpiryReport, JobError> {
        token_expiry::run_once(self.ctx, self.ctx.clock.now()).await
    }

    /// Deletes the SCIM log entries past their site's retention now.
    pub async fn log_retention(&self) -> Result<LogRetentionReport, JobError> {
        log_retention::run_once(self.ctx, self.ctx.clock.now()).await
    }

    async fn read(&self) -> Result<impl JobsTx + use<>, JobError> {
        Ok(self.ctx.store.read().await?)
    }

    async fn write(&self) -> Result<impl JobsTx + use<>, JobError> {
        Ok(self.ctx.store.write().await?)
    }

    fn metadata_client(&self) -> &dyn crate::MetadataClient {
        self.ctx.metadata.as_ref()
    }
}
