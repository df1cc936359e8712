//! The SCIM area (SPEC §2): authentication of a provider's SCIM client,
//! and users and groups as that client sees them, with the provider's
//! options applied (SPEC §4).
//!
//! The protocol itself (schemas, filters, PATCH, paging, projection) is the
//! pure `roster-scim`; storage is `roster-store`; this module joins them in
//! one transaction per request and answers with a [`ScimFailure`] when it
//! refuses.
//!
//! May use: the store capabilities of `ScimTx`, the clock, the
//! configuration, and the shared `provisioning` and `secrets` modules.
//! Never another area.

mod auth;
mod bulk;
mod call;
mod dialect;
mod error;
mod groups;
pub mod mapping;
mod password_sync;
mod profile;
mod resource;
mod search;
mod storable;
mod users;

pub use auth::ScimCredential;
pub use call::{ScimAnswer, ScimCall, limits};
pub use error::{AuthRefusal, ScimFailure};
pub use resource::ScimResource;
pub use roster_store::ScimScope;

use crate::Context;
use roster_scim::ScimError;
use roster_scim::schema::ResourceType;
use roster_store::{
    GroupRepo, HistoryRepo, PolicyRepo, ProviderRepo, ScimGroupRepo, ScimUserRepo, SiteRepo,
    Transaction, UserRepo,
};

/// The store capabilities the SCIM area uses.
pub(crate) trait ScimTx:
    Transaction
    + SiteRepo
    + UserRepo
    + GroupRepo
    + ProviderRepo
    + PolicyRepo
    + ScimUserRepo
    + ScimGroupRepo
    + HistoryRepo
{
}

impl<T> ScimTx for T where
    T: Transaction
        + SiteRepo
        + UserRepo
        + GroupRepo
        + ProviderRepo
        + PolicyRepo
        + ScimUserRepo
        + ScimGroupRepo
        + HistoryRepo
{
}

/// The SCIM use cases; `App::scim` hands one out.
pub struct Scim<'a> {
    ctx: &'a Context,
}

impl<'a> Scim<'a> {
    pub(crate) fn new(ctx: &'a Context) -> Self {
        Self { ctx }
    }

    /// A read-only transaction, seen through the SCIM capabilities only.
    async fn read(&self) -> Result<impl ScimTx + use<>, ScimFailure> {
        Ok(self.ctx.store.read().await?)
    }

    /// A reader without a snapshot (`Store::read_latest`), for a use case
    /// that reads with one statement.
    async fn read_latest(&self) -> Result<impl ScimTx + use<>, ScimFailure> {
        Ok(self.ctx.store.read_latest().await?)
    }

    /// A writing transaction, seen through the SCIM capabilities only.
    async fn write(&self) -> Result<impl ScimTx + use<>, ScimFailure> {
        Ok(self.ctx.store.write().await?)
    }

    /// The store's provider generation, under which the credential cache
    /// keeps what it reads.
    fn provider_generation(&self) -> u64 {
        self.ctx.store.provider_generation()
    }

    fn now(&self) -> jiff::Timestamp {
        self.ctx.clock.now()
    }

    /// The key of the paging cursors' tags: from the database's cursor
    /// secret, which the first instance to page creates (so every instance
    /// on the database takes the others' cursors); read once per process.
    async fn cursor_key(&self) -> Result<call::CursorKey, ScimFailure> {
        let secret = self
            .ctx
            .cursor_secret
            .get_or_try_init(|| async {
                let candidate = crate::secrets::generate("");
                self.ctx.store.server_secret(call::CURSOR_SECRET, &candidate).await
            })
            .await?;
        Ok(call::CursorKey::from_secret(secret))
    }

    fn dialect(&self) -> roster_store::Dialect {
        self.ctx.store.dialect()
    }
}

/// A resource the client asked for by id that it cannot see.
fn not_found(rt: &ResourceType, id: &str) -> ScimError {
    ScimError::not_found(format!("no {} with id {id:?}", rt.name))
}
