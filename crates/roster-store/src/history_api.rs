//! What the history log needs from storage (SPEC §7): entries appended in
//! the change's own transaction and numbered per site without gaps, a
//! search newest first, and the events feed oldest first.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::SiteId;

use crate::StoreError;

/// An entry to append; the store numbers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHistory {
    pub at: Timestamp,
    pub interface: String,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub target_name: Option<String>,
    pub action: String,
    pub reason: Option<String>,
    /// The changed fields, as a JSON array.
    pub changes: String,
}

/// A stored entry: its number in the site and what was appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRecord {
    pub seq: i64,
    pub entry: NewHistory,
}

/// What a search keeps; every field narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    pub interface: Option<String>,
    pub action: Option<String>,
    pub actor_id: Option<String>,
    pub target_id: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Only entries numbered below this (the next page, newest first).
    pub before_seq: Option<i64>,
}

#[async_trait]
pub trait HistoryRepo {
    /// Numbers the entries after the site's last and inserts them. Call it
    /// last before the commit: on PostgreSQL it holds the site's counter
    /// until then, which is what keeps the numbers in commit order.
    async fn append_history(
        &mut self,
        site: &SiteId,
        entries: &[NewHistory],
    ) -> Result<(), StoreError>;
    /// Entries matching the filter, newest first, at most `limit`.
    async fn search_history(
        &mut self,
        site: &SiteId,
        filter: &HistoryFilter,
        limit: u32,
    ) -> Result<Vec<HistoryRecord>, StoreError>;
    /// The number of the site's last entry; 0 before the first.
    async fn last_history_seq(&mut self, site: &SiteId) -> Result<i64, StoreError>;
    /// Deletes at most `limit` of the site's entries from before `before`,
    /// but none that an enabled webhook of the site has yet to deliver;
    /// returns how many (the caller repeats until fewer come back).
    async fn purge_history(
        &mut self,
        site: &SiteId,
        before: Timestamp,
        limit: u64,
    ) -> Result<u64, StoreError>;
    /// Entries numbered after `after`, oldest first, at most `limit`.
    async fn history_after(
        &mut self,
        site: &SiteId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<HistoryRecord>, StoreError>;
}
