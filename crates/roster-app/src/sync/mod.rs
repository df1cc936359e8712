//! The LDAP / Active Directory sync area (SPEC §6): the directory is the
//! source of users, groups and memberships, applied through
//! `roster_domain::policy` as SCIM is.
//!
//! A sync reads the directory over one bound connection (`roster-ldap`)
//! before touching the store, then applies everything in one transaction:
//! a sync that fails halfway changes nothing. One sync per provider runs
//! at a time, across instances, under a lease in the database.
//!
//! May use: the store capabilities of `SyncTx`, the clock, the context's
//! directory connector, `Principal`, the shared `notices` module (the
//! switch-off notice). Never another area.
//!
//! A caller that shows progress (the CLI on a terminal) hands in a
//! `watch` sender with [`Sync::with_progress`]: the sync only publishes
//! its [`SyncPhase`], knowing nothing of how or whether it is shown.

mod apply;
mod error;
mod report;
mod run;
mod source;

pub use error::SyncError;
pub use report::{EntryError, SyncReport};
pub use run::{ConnectionTest, DueSync, SyncRunView};

use roster_store::{
    GroupRepo, HistoryRepo, LdapSyncRepo, PolicyRepo, ProviderRepo, SiteRepo, Transaction, UserRepo,
};

use tokio::sync::watch;

use crate::Context;

/// The store capabilities the sync uses.
pub(crate) trait SyncTx:
    Transaction
    + SiteRepo
    + UserRepo
    + GroupRepo
    + ProviderRepo
    + PolicyRepo
    + LdapSyncRepo
    + HistoryRepo
{
}

impl<T> SyncTx for T where
    T: Transaction
        + SiteRepo
        + UserRepo
        + GroupRepo
        + ProviderRepo
        + PolicyRepo
        + LdapSyncRepo
        + HistoryRepo
{
}

/// Where a running sync is, as [`Sync::with_progress`] publishes it. The
/// counts are what the directory returned so far, known cheaply between
/// the steps; nothing is counted for the progress' sake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncPhase {
    /// Taking the provider's lease and reading its state.
    Starting,
    /// Connecting and binding to the directory.
    Connecting,
    /// The paged search of the users.
    ReadingUsers,
    /// The paged search of the groups, after `users` users were read.
    ReadingGroups { users: usize },
    /// Applying what was read, and recording the run, in one transaction.
    Applying { users: usize, groups: usize },
}

/// The sync use cases; `App::sync` hands one out.
pub struct Sync<'a> {
    ctx: &'a Context,
    progress: Option<watch::Sender<SyncPhase>>,
}

impl<'a> Sync<'a> {
    pub(crate) fn new(ctx: &'a Context) -> Self {
        Self { ctx, progress: None }
    }

    /// Publishes each phase of the syncs this runs on `progress`; the
    /// receiver's side is closed when this is dropped.
    #[must_use]
    pub fn with_progress(self, progress: watch::Sender<SyncPhase>) -> Self {
        Self { progress: Some(progress), ..self }
    }

    /// A phase for whoever watches; nobody watching is not an error.
    fn phase(&self, phase: SyncPhase) {
        if let Some(progress) = &self.progress {
            progress.send_replace(phase);
        }
    }

    async fn read(&self) -> Result<impl SyncTx + use<>, SyncError> {
        Ok(self.ctx.store.read().await?)
    }

    async fn write(&self) -> Result<impl SyncTx + use<>, SyncError> {
        Ok(self.ctx.store.write().await?)
    }

    fn now(&self) -> jiff::Timestamp {
        self.ctx.clock.now()
    }
}
