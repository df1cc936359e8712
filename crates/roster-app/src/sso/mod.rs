//! The sign-in area (SPEC §5): SAML single sign-on as a service provider
//! (one SP for every site, whose entity id is its metadata URL), the
//! just-in-time provisioning of first logins through the provisioning
//! policy, and the sessions of signed-in people.
//!
//! Every SAML message is hostile input: `roster-saml` validates it, and
//! this area adds what needs the store: the outstanding requests a response
//! must answer, the replay cache, and the user the assertion names. A
//! refused sign-in changes nothing (one transaction, committed last).
//!
//! May use: the store capabilities of `SsoTx`, the clock, the
//! configuration, and the shared `provisioning`, `secrets` and
//! `idp_metadata` modules.
//! Never another area.

mod attributes;
mod console;
mod consume;
mod error;
mod handoff;
mod issuer;
mod login;
mod logout;
mod page;
mod password;
mod second_factor;
mod session;
mod totp;
mod trust;

pub use console::{ConsoleAccess, form_token};
pub use error::{SignInRefusal, SsoError};
pub use logout::IdpLogout;
pub use page::SignInPage;
pub use second_factor::{SecondFactorView, SignInStep};
pub use session::{MeView, SignedInView};
pub use totp::Enrolment;

use std::sync::Arc;

use roster_store::{
    GroupRepo, HistoryRepo, IdpMetadataRepo, PolicyRepo, ProviderRepo, SecondFactorRepo, SiteRepo,
    SpKeyRepo, SsoRepo, TicketRepo, Transaction, UserRepo,
};

use crate::Context;
use crate::history::History;
use crate::sp_keys::{self, SpKeys};

/// The store capabilities the sign-in area uses.
pub(crate) trait SsoTx:
    Transaction
    + SiteRepo
    + UserRepo
    + GroupRepo
    + ProviderRepo
    + PolicyRepo
    + SsoRepo
    + TicketRepo
    + SpKeyRepo
    + IdpMetadataRepo
    + SecondFactorRepo
    + HistoryRepo
{
}

impl<T> SsoTx for T where
    T: Transaction
        + SiteRepo
        + UserRepo
        + GroupRepo
        + ProviderRepo
        + PolicyRepo
        + SsoRepo
        + TicketRepo
        + SpKeyRepo
        + IdpMetadataRepo
        + SecondFactorRepo
        + HistoryRepo
{
}

/// The sign-in use cases; `App::sso` hands one out.
pub struct Sso<'a> {
    ctx: &'a Context,
}

/// The SP's URLs, all under the configured public URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpUrls {
    /// The metadata URL, which is also the SP's entity id.
    pub entity_id: String,
    /// The shared assertion consumer service.
    pub acs: String,
    pub logout: String,
}

impl SpUrls {
    /// The per-provider ACS, which binds a response to its provider (and
    /// so its site) through the signed Destination and Recipient.
    pub fn acs_for(&self, provider: &str) -> String {
        format!("{}/{provider}", self.acs)
    }

    /// The per-provider logout URL, where its IdP sends LogoutRequests
    /// and answers roster's.
    pub fn logout_for(&self, provider: &str) -> String {
        format!("{}/{provider}", self.logout)
    }
}

impl<'a> Sso<'a> {
    pub(crate) fn new(ctx: &'a Context) -> Self {
        Self { ctx }
    }

    /// The SP's URLs; SAML needs a stable public URL, since identity
    /// providers are configured with it.
    pub fn urls(&self) -> Result<SpUrls, SsoError> {
        let base = self.ctx.config.public_url.as_deref().ok_or_else(|| {
            SsoError::Unavailable(
                "SAML sign-in needs the public URL roster is reached at: start roster with \
                 --public-url"
                    .into(),
            )
        })?;
        let base = base.trim_end_matches('/');
        Ok(SpUrls {
            entity_id: format!("{base}/saml/metadata"),
            acs: format!("{base}/saml/consume"),
            logout: format!("{base}/saml/logout"),
        })
    }

    /// The SP's metadata document, which administrators give their IdP:
    /// its URLs and the certificates of its published keys.
    pub async fn metadata(&self) -> Result<String, SsoError> {
        let urls = self.urls()?;
        let keys = self.keys().await?;
        Ok(roster_saml::SpMetadata {
            entity_id: &urls.entity_id,
            acs_urls: &[&urls.acs],
            // The shared logout URL (HTTP-Redirect): an IdP that reads
            // the SP's endpoints from this document sends its
            // LogoutRequests and LogoutResponses there.
            slo_url: Some(&urls.logout),
            signing_certificates: &keys.signing_certificates,
            encryption_certificates: &keys.encryption_certificates,
            name_id_formats: &[roster_saml::NAME_ID_EMAIL, roster_saml::NAME_ID_UNSPECIFIED],
            // Requests are signed per provider, so the SP promises nothing.
            signs_requests: false,
        }
        .to_xml())
    }

    /// Makes sure the SP has its key pairs, creating the first ones (at
    /// the first start; `roster serve` calls this).
    pub async fn prepare_keys(&self) -> Result<(), SsoError> {
        self.keys().await.map(drop)
    }

    /// The SP's keys as they are now, from the cache or the store; creates
    /// a purpose's first key when it has none. Two instances doing so at
    /// once create one key between them: a generation is unique.
    pub(crate) async fn keys(&self) -> Result<Arc<SpKeys>, SsoError> {
        let now = self.now();
        if let Some(keys) = self.ctx.sp_keys.get(now) {
            return Ok(keys);
        }
        let mut records = self.read().await?.sp_keys().await?;
        let missing = sp_keys::missing(&records, now);
        if !missing.is_empty() {
            for purpose in missing {
                let generation = sp_keys::next_generation(&records, purpose);
                let record =
                    sp_keys::create(purpose, generation, self.common_name(), now, now).await?;
                let mut tx = self.write().await?;
                // `false`: another instance created it first; theirs is used.
                tx.insert_sp_key(&record).await?;
                tx.commit().await?;
            }
            records = self.read().await?.sp_keys().await?;
        }
        let keys = Arc::new(SpKeys::from_records(&records, now)?);
        self.ctx.sp_keys.put(keys.clone(), now);
        Ok(keys)
    }

    /// The name in the SP's certificates: the public URL's host.
    fn common_name(&self) -> String {
        sp_keys::common_name(self.ctx.config.public_url.as_deref())
    }

    async fn read(&self) -> Result<impl SsoTx + use<>, SsoError> {
        Ok(self.ctx.store.read().await?)
    }

    /// The store's provider generation, read before what a cache keeps
    /// (see `crate::saml_providers`).
    fn provider_generation(&self) -> u64 {
        self.ctx.store.provider_generation()
    }

    /// A reader without a transaction, for one statement (see
    /// `Store::read_latest`).
    async fn read_latest(&self) -> Result<impl SsoTx + use<>, SsoError> {
        Ok(self.ctx.store.read_latest().await?)
    }

    /// Writes history entries in a transaction of their own: a refused
    /// sign-in, whose own transaction changed nothing.
    async fn record(&self, history: History) -> Result<(), SsoError> {
        let mut tx = self.write().await?;
        history.write(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn write(&self) -> Result<impl SsoTx + use<>, SsoError> {
        Ok(self.ctx.store.write().await?)
    }

    fn now(&self) -> jiff::Timestamp {
        self.ctx.clock.now()
    }
}
