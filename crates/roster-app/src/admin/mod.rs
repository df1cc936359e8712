//! The admin area: what administrators do through the admin API, the CLI
//! and the console. Sites, users, groups and memberships, SSO providers
//! with their options and SCIM credentials, admin keys and passwords, each
//! obeying who the caller is ([`crate::Principal`]), the site's "allow
//! manual ..." settings and the last-password-admin guard (SPEC §3).
//!
//! May use: the store capabilities of `AdminTx`, the clock, the
//! context's metadata client, and the shared `provisioning`, `passwords`,
//! `secrets` and `idp_metadata` modules. Never another area.

mod error;
mod groups;
mod history;
mod input;
mod keys;
mod lifecycle;
mod lookup;
mod operator_console;
mod passwords;
mod provider_ldap;
mod providers;
mod scim_credentials;
mod scim_logs;
mod setup_guide;
mod setup_links;
mod sites;
mod sp_keys;
mod tickets;
mod two_factor;
mod user_search;
mod users;
pub mod views;
mod webhooks;

use roster_store::{
    AdminKeyRepo, GroupRepo, HistoryRepo, IdpMetadataRepo, LifecycleRepo, OperatorSessionRepo,
    PolicyRepo, ProviderRepo, ScimLogRepo, SecondFactorRepo, SetupLinkRepo, SiteRepo, SpKeyRepo,
    TicketRepo, Transaction, UserRepo, WebhookRepo,
};

pub use error::AdminError;
pub use groups::{GroupInput, GroupPatch, MemberInput, MemberPatch};
pub use history::{EventsPage, EventsQuery, HistoryEntryView, HistoryPage, HistoryQuery, Party};
pub use input::PageRequest;
pub use keys::{AdminKeyScope, CreatedAdminKey};
pub use lifecycle::{LifecycleRuleInput, LifecycleRuleView};
pub use operator_console::OPERATOR_SESSION_LIFETIME;
pub use passwords::PasswordInput;
pub use provider_ldap::LdapInput;
pub use providers::{
    AttributesInput, ProviderInput, ProviderPatch, ProvisioningInput, SamlInput, SignInInput,
};
pub use scim_credentials::{ScimCredentialInput, ScimCredentialView};
pub use scim_logs::{ScimLogDetail, ScimLogPage, ScimLogQuery, ScimLogView};
pub use setup_links::{
    CreatedSetupLink, OpenedSetupLink, SETUP_PATH, SetupLinkInput, SetupLinkView,
};
pub use sites::{SiteInput, SitePatch};
pub use sp_keys::{SpKeyRotation, SpKeyView};
pub use tickets::{SignedInUserView, TicketInput};
pub use two_factor::TwoFactorView;
pub use user_search::UserSearch;
pub use users::{UserInput, UserPatch};
pub use webhooks::{
    DeliveryView, SecretRotation, WebhookInput, WebhookPatch, WebhookView, WebhookWithSecret,
};

use roster_domain::SiteId;
use roster_domain::history::Interface;

use crate::history::{Actor, History};
use crate::{Context, Principal};

/// The store capabilities the admin area uses.
pub(crate) trait AdminTx:
    Transaction
    + SiteRepo
    + UserRepo
    + GroupRepo
    + ProviderRepo
    + AdminKeyRepo
    + PolicyRepo
    + TicketRepo
    + SpKeyRepo
    + IdpMetadataRepo
    + SecondFactorRepo
    + HistoryRepo
    + LifecycleRepo
    + ScimLogRepo
    + WebhookRepo
    + SetupLinkRepo
    + OperatorSessionRepo
{
}

impl<T> AdminTx for T where
    T: Transaction
        + SiteRepo
        + UserRepo
        + GroupRepo
        + ProviderRepo
        + AdminKeyRepo
        + PolicyRepo
        + TicketRepo
        + SpKeyRepo
        + IdpMetadataRepo
        + SecondFactorRepo
        + HistoryRepo
        + LifecycleRepo
        + ScimLogRepo
        + WebhookRepo
        + SetupLinkRepo
        + OperatorSessionRepo
{
}

/// The admin use cases; `App::admin` hands one out.
pub struct Admin<'a> {
    ctx: &'a Context,
    interface: Interface,
}

impl<'a> Admin<'a> {
    pub(crate) fn new(ctx: &'a Context, interface: Interface) -> Self {
        Self { ctx, interface }
    }

    /// The history of a change `who` makes in `site` now.
    fn recorder(&self, who: &Principal, site: &SiteId) -> History {
        History::new(site, self.interface, Actor::of(who), self.now())
    }

    /// A read-only transaction, seen through the admin capabilities only.
    async fn read(&self) -> Result<impl AdminTx + use<>, AdminError> {
        Ok(self.ctx.store.read().await?)
    }

    /// A writing transaction, seen through the admin capabilities only.
    async fn write(&self) -> Result<impl AdminTx + use<>, AdminError> {
        Ok(self.ctx.store.write().await?)
    }

    fn now(&self) -> jiff::Timestamp {
        self.ctx.clock.now()
    }

    /// Where a save that trusts a metadata URL fetches it.
    fn metadata_client(&self) -> &dyn crate::MetadataClient {
        self.ctx.metadata.as_ref()
    }
}
