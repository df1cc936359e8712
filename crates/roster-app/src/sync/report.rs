//! What a sync did, as `roster sync run` prints it and the admin API
//! lists it.

use serde::Serialize;
use utoipa::ToSchema;

/// One sync's outcome.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, ToSchema)]
pub struct SyncReport {
    /// Whether every entry was read (else only those changed since the
    /// last sync).
    pub full: bool,
    /// The directory host that answered.
    pub served_by: Option<String>,
    pub users_created: u32,
    pub users_updated: u32,
    pub users_deprovisioned: u32,
    pub users_unchanged: u32,
    pub groups_created: u32,
    pub groups_updated: u32,
    pub groups_removed: u32,
    pub memberships_added: u32,
    pub memberships_removed: u32,
    /// Entries skipped, each with its DN and why (a username taken by a
    /// user the provider does not manage, an unusable name).
    pub errors: Vec<EntryError>,
    pub duration_ms: u64,
    /// Why the sync failed as a whole (nothing was changed); `None` when
    /// it succeeded.
    pub failure: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct EntryError {
    pub dn: String,
    pub message: String,
}

/// The most entry errors kept in one report.
pub(crate) const MAX_ENTRY_ERRORS: usize = 1000;

impl SyncReport {
    pub(crate) fn entry_error(&mut self, dn: &str, message: impl Into<String>) {
        if self.errors.len() < MAX_ENTRY_ERRORS {
            self.errors.push(EntryError { dn: dn.to_owned(), message: message.into() });
        }
    }
}
