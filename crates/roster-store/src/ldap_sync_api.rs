//! What the LDAP sync needs from storage (SPEC §6): the links from
//! directory entries to local users and groups, each provider's sync
//! state with its lease, and the record of past runs.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{ProviderId, SiteId};

use crate::StoreError;

/// Whether a link names a user or a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkKind {
    User,
    Group,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Group => "group",
        }
    }
}

/// A directory entry and the local user or group it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdapLink {
    pub kind: LinkKind,
    /// The directory's stable id (objectGUID, entryUUID).
    pub stable_id: String,
    /// The local user's or group's id.
    pub local_id: String,
    /// The entry's DN at the last sync, which group members name.
    pub dn: String,
}

/// How far a provider's syncs have read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LdapSyncState {
    pub user_watermark: Option<String>,
    pub group_watermark: Option<String>,
    pub last_full_at: Option<Timestamp>,
    pub last_run_at: Option<Timestamp>,
}

/// One sync's outcome, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdapSyncRun {
    pub site: SiteId,
    pub id: String,
    pub provider: ProviderId,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    pub full: bool,
    pub succeeded: bool,
    pub served_by: Option<String>,
    /// The counters and per-entry errors, as JSON.
    pub report: String,
}

#[async_trait]
pub trait LdapSyncRepo {
    async fn ldap_links(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
    ) -> Result<Vec<LdapLink>, StoreError>;
    /// Adds the links or moves them to another DN or local record, a few
    /// hundred per statement.
    async fn put_ldap_links(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        links: &[LdapLink],
    ) -> Result<(), StoreError>;
    async fn delete_ldap_link(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        kind: LinkKind,
        stable_id: &str,
    ) -> Result<(), StoreError>;
    async fn ldap_sync_state(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
    ) -> Result<LdapSyncState, StoreError>;
    async fn put_ldap_sync_state(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        state: &LdapSyncState,
    ) -> Result<(), StoreError>;
    /// Takes the provider's sync lease for `owner` until `until`, in one
    /// statement: `false` while another owner holds an unexpired one. An
    /// instance killed mid-sync blocks the provider only until its lease
    /// expires.
    async fn take_ldap_lease(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        owner: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool, StoreError>;
    async fn release_ldap_lease(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        owner: &str,
    ) -> Result<(), StoreError>;
    async fn insert_ldap_sync_run(&mut self, run: &LdapSyncRun) -> Result<(), StoreError>;
    /// The provider's runs, newest first.
    async fn ldap_sync_runs(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        limit: u32,
    ) -> Result<Vec<LdapSyncRun>, StoreError>;
    /// The providers whose LDAP provisioning is on and whose interval has
    /// passed since their last run (or that never ran).
    async fn due_ldap_providers(
        &mut self,
        now: Timestamp,
    ) -> Result<Vec<(SiteId, ProviderId)>, StoreError>;
}
