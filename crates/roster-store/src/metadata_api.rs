//! What roster fetched from SAML metadata URLs (SPEC §5): the last good
//! document of each provider trusted by a metadata URL, when it is due
//! again, and the last failed fetch.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{HttpUrl, ProviderId, SiteId};

use crate::StoreError;

/// The fetch state of one provider's metadata URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpMetadataRecord {
    pub site_id: SiteId,
    pub provider_id: ProviderId,
    /// The URL this state came from; a record for another URL than the
    /// provider's is stale.
    pub url: HttpUrl,
    /// The last good document; `None` until a fetch succeeded.
    pub xml: Option<String>,
    pub fetched_at: Option<Timestamp>,
    pub refresh_due_at: Timestamp,
    /// The last failed fetch, cleared by a success.
    pub error: Option<String>,
    pub error_at: Option<Timestamp>,
}

/// A provider whose metadata the refresh job fetches now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueMetadata {
    pub site_id: SiteId,
    pub site_slug: String,
    pub provider_id: ProviderId,
    pub provider_name: String,
    pub url: HttpUrl,
}

#[async_trait]
pub trait IdpMetadataRepo {
    async fn idp_metadata(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
    ) -> Result<Option<IdpMetadataRecord>, StoreError>;
    /// Writes the record whole, replacing the provider's previous one.
    async fn put_idp_metadata(&mut self, record: &IdpMetadataRecord) -> Result<(), StoreError>;
    /// Forgets a provider's metadata (its trust is no longer a URL).
    async fn delete_idp_metadata(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
    ) -> Result<bool, StoreError>;
    /// Providers of every site whose trust is a metadata URL and whose
    /// metadata is due at `now`: never fetched, fetched from another URL,
    /// or due. The longest overdue first, at most `limit`. Deliberately
    /// not scoped to a site: the refresh job serves every site.
    async fn idp_metadata_due(
        &mut self,
        now: Timestamp,
        limit: u64,
    ) -> Result<Vec<DueMetadata>, StoreError>;
}
