//! What set-up links need from storage: the links of each site, found by
//! id for administrators and by the hash of their secret when opened.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{SetupLink, SiteId};

use crate::StoreError;

#[async_trait]
pub trait SetupLinkRepo {
    async fn insert_setup_link(&mut self, link: &SetupLink) -> Result<(), StoreError>;
    /// A site's links, newest first, revoked and expired ones included.
    async fn setup_links(&mut self, site: &SiteId) -> Result<Vec<SetupLink>, StoreError>;
    async fn setup_link(
        &mut self,
        site: &SiteId,
        id: &str,
    ) -> Result<Option<SetupLink>, StoreError>;
    /// The link whose secret hashes to `hash`, in any site and state.
    async fn setup_link_by_hash(&mut self, hash: &str) -> Result<Option<SetupLink>, StoreError>;
    /// Marks the link revoked at `at` unless it already is; returns
    /// whether it exists.
    async fn revoke_setup_link(
        &mut self,
        site: &SiteId,
        id: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Records that the link was opened at `at`.
    async fn touch_setup_link(
        &mut self,
        site: &SiteId,
        id: &str,
        at: Timestamp,
    ) -> Result<(), StoreError>;
}
