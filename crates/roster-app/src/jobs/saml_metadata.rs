//! The SAML metadata refresh (SPEC §5, §8): every provider trusted by a
//! metadata URL whose refresh is due, or that was never fetched, is
//! fetched again. Every signing certificate of the new document is trusted
//! from then on, so an IdP's key rotation needs no administrator. A failed
//! fetch keeps the last good document (sign-in keeps working) and records
//! the failure on the provider, where the admin API shows it; the first
//! failure after a success is mailed to the site's administrators.

use jiff::Timestamp;
use roster_domain::SamlTrust;
use roster_store::{DueMetadata, IdpMetadataRepo, ProviderRepo, Transaction};
use serde::Serialize;

use super::{JobError, Jobs};
use crate::idp_metadata::{self, fetch_checked};
use crate::{Context, notices};

/// The most providers one run fetches; the rest are due at the next run.
const BATCH: u64 = 500;

/// What one run did.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct SamlMetadataReport {
    /// Providers that were due.
    pub checked: usize,
    pub refreshed: usize,
    pub failed: usize,
    /// One entry per provider that was due, in the order they were done.
    pub providers: Vec<MetadataRefresh>,
}

/// What happened to one provider's metadata.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct MetadataRefresh {
    pub site: String,
    pub provider: String,
    pub provider_id: String,
    pub url: String,
    pub outcome: RefreshOutcome,
    /// Why the fetch failed (`failed` only).
    pub error: Option<String>,
    /// When the provider is due again (not for `skipped`).
    pub refresh_due_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshOutcome {
    /// A new good document is stored.
    Refreshed,
    /// The fetch or the document failed; the last good one is kept.
    Failed,
    /// The provider changed (or went) while its URL was fetched, and its
    /// own save fetched what it needed.
    Skipped,
}

/// Refreshes every provider's metadata that is due at `now`.
pub async fn run_once(ctx: &Context, now: Timestamp) -> Result<SamlMetadataReport, JobError> {
    Jobs::new(ctx).refresh_saml_metadata(now).await
}

impl Jobs<'_> {
    async fn refresh_saml_metadata(&self, now: Timestamp) -> Result<SamlMetadataReport, JobError> {
        let due = {
            let mut tx = self.read().await?;
            tx.idp_metadata_due(now, BATCH).await?
        };
        let mut report = SamlMetadataReport {
            checked: due.len(),
            refreshed: 0,
            failed: 0,
            providers: Vec::new(),
        };
        for provider in due {
            // The network first, with no transaction open: a slow IdP
            // holds up no writer.
            let fetched = fetch_checked(self.metadata_client(), &provider.url).await;
            let done = self.store_result(&provider, fetched, now).await?;
            match done.outcome {
                RefreshOutcome::Refreshed => report.refreshed += 1,
                RefreshOutcome::Failed => report.failed += 1,
                RefreshOutcome::Skipped => {}
            }
            report.providers.push(done);
        }
        Ok(report)
    }

    /// Stores one fetch's result, if the provider still trusts that URL.
    async fn store_result(
        &self,
        due: &DueMetadata,
        fetched: Result<idp_metadata::GoodMetadata, idp_metadata::MetadataProblem>,
        now: Timestamp,
    ) -> Result<MetadataRefresh, JobError> {
        let mut done = MetadataRefresh {
            site: due.site_slug.clone(),
            provider: due.provider_name.clone(),
            provider_id: due.provider_id.as_str().to_owned(),
            url: due.url.as_str().to_owned(),
            outcome: RefreshOutcome::Skipped,
            error: None,
            refresh_due_at: None,
        };
        let mut tx = self.write().await?;
        let provider = tx.provider_by_id(&due.site_id, &due.provider_id).await?;
        let same_url = provider.is_some_and(
            |provider| matches!(provider.saml, SamlTrust::MetadataUrl { ref url } if *url == due.url),
        );
        if !same_url {
            return Ok(done);
        }
        let previous = tx.idp_metadata(&due.site_id, &due.provider_id).await?;
        // An administrator's save may have fetched it meanwhile.
        if previous
            .as_ref()
            .is_some_and(|record| record.url == due.url && record.refresh_due_at > now)
        {
            return Ok(done);
        }
        let record = match fetched {
            Ok(good) => {
                done.outcome = RefreshOutcome::Refreshed;
                idp_metadata::fetched(&due.site_id, &due.provider_id, &due.url, good, now)
            }
            Err(problem) => {
                tracing::warn!(
                    site = %due.site_slug, provider = %due.provider_name, url = %due.url.as_str(),
                    error = %problem, "SAML metadata refresh failed; the last good metadata stays"
                );
                done.outcome = RefreshOutcome::Failed;
                done.error = Some(problem.to_string());
                idp_metadata::failed(
                    previous,
                    &due.site_id,
                    &due.provider_id,
                    &due.url,
                    &problem,
                    now,
                )
            }
        };
        done.refresh_due_at = Some(record.refresh_due_at);
        tx.put_idp_metadata(&record).await?;
        tx.commit().await?;
        if let Some(error) = &done.error {
            let subject = notices::Subject {
                site: &due.site_id,
                provider: &due.provider_id,
                provider_name: &due.provider_name,
            };
            let last_good = record.fetched_at;
            notices::saml_metadata_failing(self.ctx, subject, &due.url, error, last_good, now)
                .await;
        }
        Ok(done)
    }
}
