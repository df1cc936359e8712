//! Sessions of signed-in people: who a session cookie names (signing out
//! is in `logout.rs`).

use roster_domain::policy::ProvisioningState;
use roster_store::{ProviderRepo, SiteRepo, SsoRepo, UserRepo};
use serde::Serialize;

use super::{Sso, SsoError};
use crate::secrets;

/// The person a session belongs to, as `GET /api/me` shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MeView {
    pub username: String,
    pub email: Option<String>,
    pub site: String,
    /// The provider signed in through; `None` for a password.
    pub provider: Option<String>,
}

/// The longest session secret worth hashing.
pub(super) const MAX_SECRET_BYTES: usize = 256;

impl Sso<'_> {
    /// The person a session secret names, while the session lasts and the
    /// user may still sign in.
    pub async fn me(&self, secret: &str) -> Result<MeView, SsoError> {
        if secret.is_empty() || secret.len() > MAX_SECRET_BYTES {
            return Err(SsoError::Unauthenticated);
        }
        let now = self.now();
        let mut tx = self.read().await?;
        let session =
            tx.session_by_hash(&secrets::hash(secret)).await?.ok_or(SsoError::Unauthenticated)?;
        if session.revoked_at.is_some() || session.expires_at <= now {
            return Err(SsoError::Unauthenticated);
        }
        let user =
            tx.user_by_id(&session.site, &session.user).await?.ok_or(SsoError::Unauthenticated)?;
        if !user.enabled || user.state != ProvisioningState::Active {
            return Err(SsoError::Unauthenticated);
        }
        // A session through a provider ends when the user no longer signs
        // in through it (moved to a password or another provider).
        if let Some(provider) = &session.provider
            && user.auth_method != roster_domain::AuthMethod::Sso(provider.clone())
        {
            return Err(SsoError::Unauthenticated);
        }
        let site = tx.site_by_id(&session.site).await?.ok_or(SsoError::Unauthenticated)?;
        let provider = match &session.provider {
            Some(id) => {
                tx.provider_by_id(&session.site, id).await?.map(|p| p.name.as_str().to_owned())
            }
            None => None,
        };
        Ok(MeView {
            username: user.username.as_str().to_owned(),
            email: user.email.map(|email| email.as_str().to_owned()),
            site: site.slug.as_str().to_owned(),
            provider,
        })
    }
}
