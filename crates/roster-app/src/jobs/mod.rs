//! The scheduled jobs of SPEC §8, each a function that runs once:
//! `run_once(ctx, now)` returns what it did. `roster jobs run <job>` calls
//! one now; the scheduler of `roster serve` (a later issue) is a loop
//! around them. A job does its slow outside work (fetches) outside write
//! transactions and then commits each result in a short one of its own, so
//! one failing item never undoes another's.
//!
//! May use: the store capabilities of `JobsTx`, the clock, the context's
//! outside services, and the shared `idp_metadata` module. Never another
//! area.

mod error;
pub mod log_retention;
pub mod saml_metadata;

pub use error::JobError;
pub use log_retention::{LogRetentionReport, SitePurge};
pub use saml_metadata::{MetadataRefresh, RefreshOutcome, SamlMetadataReport};

use roster_store::{IdpMetadataRepo, ProviderRepo, ScimLogRepo, SiteRepo, Transaction};

use crate::Context;

/// The store capabilities the jobs use.
pub(crate) trait JobsTx:
    Transaction + SiteRepo + ProviderRepo + IdpMetadataRepo + ScimLogRepo
{
}

impl<T> JobsTx for T where T: Transaction + SiteRepo + ProviderRepo + IdpMetadataRepo + ScimLogRepo {}

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
