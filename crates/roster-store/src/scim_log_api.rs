//! The SCIM request log (SPEC §7): one entry per SCIM request and its
//! answer, written in batches, searched per site newest first with a
//! keyset cursor, and purged by age.
//!
//! The entries are diagnostics, not data a request changes: they are not
//! part of the store's snapshot, and a request's own transaction never
//! writes them.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{ProviderId, SiteId};

use crate::StoreError;

/// What the list shows of one request (everything but the bodies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimLogEntry {
    pub id: String,
    /// The site and provider the credential named; none when it named
    /// none (missing or unknown).
    pub site_id: Option<SiteId>,
    pub provider_id: Option<ProviderId>,
    pub at: Timestamp,
    pub method: String,
    /// The path with its query string.
    pub path: String,
    pub status: u16,
    pub duration_us: i64,
    pub request_id: String,
    pub scim_type: Option<String>,
    /// Why authentication was refused (never shown to the client).
    pub refusal: Option<String>,
}

/// The redacted request and response, as JSON documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimLogBodies {
    pub request: String,
    pub response: String,
}

/// One entry to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewScimLog {
    pub entry: ScimLogEntry,
    pub bodies: ScimLogBodies,
}

/// An entry as read back, with its provider's current name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimLogRow {
    pub entry: ScimLogEntry,
    /// `None` when there is no provider, or it was deleted since.
    pub provider_name: Option<String>,
}

/// Which statuses a search keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Exact(u16),
    /// The hundreds digit: `Class(4)` is 400 to 499.
    Class(u16),
}

/// Where the previous page ended: its last entry's time and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimLogCursor {
    pub at: Timestamp,
    pub id: String,
}

/// A search of one site's entries; every field narrows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimLogFilter {
    pub provider: Option<ProviderId>,
    pub status: Option<StatusFilter>,
    /// Upper-case, as recorded.
    pub method: Option<String>,
    /// Compared with the start of the path, with case.
    pub path_prefix: Option<String>,
    /// Inclusive.
    pub since: Option<Timestamp>,
    /// Exclusive.
    pub until: Option<Timestamp>,
    /// Entries strictly older than this one (newest first).
    pub after: Option<ScimLogCursor>,
    pub limit: u64,
}

#[async_trait]
pub trait ScimLogRepo {
    /// Writes the entries in a few multi-row statements.
    async fn insert_scim_logs(&mut self, logs: &[NewScimLog]) -> Result<(), StoreError>;
    /// The site's entries that match, newest first (time, then id), at
    /// most `filter.limit`.
    async fn search_scim_logs(
        &mut self,
        site: &SiteId,
        filter: &ScimLogFilter,
    ) -> Result<Vec<ScimLogRow>, StoreError>;
    /// One entry of the site, with its bodies.
    async fn scim_log(
        &mut self,
        site: &SiteId,
        id: &str,
    ) -> Result<Option<(ScimLogRow, ScimLogBodies)>, StoreError>;
    /// Deletes at most `limit` of the site's entries older than `before`;
    /// returns how many. Bounded so that one statement holds the (SQLite)
    /// writer briefly; the caller repeats until fewer come back.
    async fn purge_scim_logs(
        &mut self,
        site: &SiteId,
        before: Timestamp,
        limit: u64,
    ) -> Result<u64, StoreError>;
    /// The same for entries of no site or of a site that no longer exists.
    async fn purge_unattributed_scim_logs(
        &mut self,
        before: Timestamp,
        limit: u64,
    ) -> Result<u64, StoreError>;
}
