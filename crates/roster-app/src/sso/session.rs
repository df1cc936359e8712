//! Sessions of signed-in people: opening one once every factor passed,
//! and who a session cookie names (signing out is in `logout.rs`).

use jiff::{SignedDuration, Timestamp};
use roster_domain::history::Interface;
use roster_domain::policy::ProvisioningState;
use roster_domain::{ProviderId, Secret, Site, User};
use roster_store::{HistoryRepo, ProviderRepo, SessionRecord, SiteRepo, SsoRepo, TicketRepo};
use serde::Serialize;

use super::handoff::continue_to;
use super::{Sso, SsoError, SsoTx};
use crate::history::{Actor, History};
use crate::secrets;

/// How long a session lasts.
pub(crate) const SESSION_LIFETIME: SignedDuration = SignedDuration::from_hours(8);

/// A person just signed in: the session's secret (for the cookie, shown
/// nowhere else) and who it is.
#[derive(Debug, Clone)]
pub struct SignedInView {
    pub session_secret: Secret,
    pub expires_at: Timestamp,
    pub site: String,
    pub username: String,
    /// The site's application URL with a one-time ticket, when the site
    /// has one: where the person continues.
    pub continue_to: Option<String>,
}

/// How a person signed in, which their session keeps: the provider of an
/// SSO sign-in (`None` for a password) and the assertion's details that
/// single logout names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SessionOrigin {
    pub provider: Option<ProviderId>,
    pub session_index: Option<String>,
    pub name_id: Option<String>,
    pub name_id_format: Option<String>,
}

/// Opens a session for `user`, whose every factor passed: records the
/// login and issues the hand-off ticket, in the caller's transaction.
pub(crate) async fn open_session(
    tx: &mut (impl SsoRepo + TicketRepo + HistoryRepo + Send),
    site: &Site,
    user: &User,
    origin: SessionOrigin,
    now: Timestamp,
) -> Result<SignedInView, SsoError> {
    let secret = secrets::generate("roster_session_");
    let expires_at = now
        .checked_add(SESSION_LIFETIME)
        .map_err(|err| crate::InternalError::Settings(err.to_string()))?;
    let origin_provider = origin.provider.clone();
    tx.start_session(&SessionRecord {
        site: site.id.clone(),
        secret_hash: secrets::hash(&secret),
        user: user.id.clone(),
        provider: origin.provider,
        session_index: origin.session_index,
        name_id: origin.name_id,
        name_id_format: origin.name_id_format,
        created_at: now,
        expires_at,
        revoked_at: None,
    })
    .await?;
    let interface = if origin_provider.is_some() { Interface::Saml } else { Interface::Web };
    let mut history = History::new(&site.id, interface, person(user), now);
    history.signed_in(user);
    history.write(tx).await?;
    let continue_to =
        continue_to(tx, &site.id, site.application_url.as_ref(), &user.id, now).await?;
    Ok(SignedInView {
        session_secret: Secret::new(secret),
        expires_at,
        site: site.slug.as_str().to_owned(),
        username: user.username.as_str().to_owned(),
        continue_to,
    })
}

/// The person signing in, as the history names them.
pub(crate) fn person(user: &User) -> Actor {
    Actor::User { id: user.id.clone(), name: Some(user.username.clone()) }
}

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
        let mut tx = self.read().await?;
        let (session, user) = live_session(&mut tx, secret, self.now()).await?;
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

/// The session a secret names and its user, while the session lasts and
/// the user may still sign in; anything else is `Unauthenticated`.
pub(super) async fn live_session(
    tx: &mut impl SsoTx,
    secret: &str,
    now: Timestamp,
) -> Result<(SessionRecord, User), SsoError> {
    if secret.is_empty() || secret.len() > MAX_SECRET_BYTES {
        return Err(SsoError::Unauthenticated);
    }
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
    Ok((session, user))
}
