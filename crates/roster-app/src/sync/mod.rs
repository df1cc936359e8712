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

/// The sync use cases; `App::sync` hands one out.
pub struct Sync<'a> {
    ctx: &'a Context,
}

impl<'a> Sync<'a> {
    pub(crate) fn new(ctx: &'a Context) -> Self {
        Self { ctx }
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
