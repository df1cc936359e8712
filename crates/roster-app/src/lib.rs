//! The use cases of roster: each public method of [`App`] is one operation
//! of the admin API and the CLI, run in one store transaction that commits
//! only when the whole operation succeeded.
//!
//! This crate never speaks HTTP (no axum here) and never writes SQL (that is
//! `roster-store`). It checks who may do what, validates input into domain
//! types, applies the pure rules of `roster-domain` and renders results as
//! the JSON views that both the API and the CLI print.

mod access;
mod admin_keys;
mod clock;
mod error;
mod groups;
mod input;
pub mod passwords;
mod providers;
mod provisioning;
pub mod scim;
mod scim_credentials;
pub mod secrets;
mod sites;
mod users;
pub mod views;

use std::sync::Arc;

use roster_store::Store;

pub use access::Principal;
pub use admin_keys::{AdminKeyScope, CreatedAdminKey};
pub use clock::{Clock, SystemClock};
pub use error::AppError;
pub use groups::{GroupInput, GroupPatch, MemberInput, MemberPatch};
pub use input::PageRequest;
pub use passwords::PasswordInput;
pub use providers::{LdapInput, ProviderInput, ProviderPatch, ProvisioningInput, SamlInput};
pub use roster_store::Page;
pub use scim_credentials::{ScimCredentialInput, ScimCredentialView};
pub use sites::{SiteInput, SitePatch};
pub use users::{UserInput, UserPatch};

/// Everything a use case needs: the store and the clock.
#[derive(Clone)]
pub struct App {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    public_url: Option<Arc<str>>,
}

impl App {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock, public_url: None }
    }

    /// The URL clients reach roster at, for the absolute URLs of SCIM
    /// resources (`meta.location`, `$ref`). Without it, they are built from
    /// the request's `Host`.
    pub fn with_public_url(mut self, url: Option<String>) -> Self {
        self.public_url = url.map(Arc::from);
        self
    }

    pub fn public_url(&self) -> Option<&str> {
        self.public_url.as_deref()
    }

    /// Whether the database answers.
    pub async fn ready(&self) -> Result<(), AppError> {
        Ok(self.store.ping().await?)
    }
}
