//! Password sign-in for users who sign in with one (local users, and
//! members of a provider's password groups), throttled: after
//! [`MAX_FAILURES`] wrong passwords for a username within
//! [`FAILURE_WINDOW`], further attempts are refused without checking the
//! password until the window ends.

use jiff::{SignedDuration, Timestamp};
use roster_domain::history::Interface;
use roster_domain::policy::ProvisioningState;
use roster_domain::{AuthMethod, Secret, SiteId, SiteSlug, User, Username};
use roster_store::{SiteRepo, SsoRepo, Transaction, UserRepo};

use super::error::{counted, step_metric};
use super::second_factor::{SignInStep, after_first_factor};
use super::session::SessionOrigin;
use super::{Sso, SsoError};
use crate::history::{Actor, History};

pub(crate) const MAX_FAILURES: u32 = 5;
pub(crate) const FAILURE_WINDOW: SignedDuration = SignedDuration::from_mins(15);

/// The longest password worth hashing (the admin API accepts 1024
/// characters).
const MAX_PASSWORD_BYTES: usize = 4096;

impl Sso<'_> {
    /// Signs in to the site `slug` with a username and a password. Every
    /// refusal says the same, whatever was wrong.
    pub async fn sign_in_with_password(
        &self,
        slug: &str,
        username: &str,
        password: &Secret,
    ) -> Result<SignInStep, SsoError> {
        counted("password", self.check_password(slug, username, password).await, step_metric)
    }

    async fn check_password(
        &self,
        slug: &str,
        username: &str,
        password: &Secret,
    ) -> Result<SignInStep, SsoError> {
        let refused = || SsoError::WrongPassword;
        let not_found = || SsoError::NotFound { what: "site" };
        let slug = SiteSlug::parse(slug).map_err(|_| not_found())?;
        let username = Username::parse(username).map_err(|_| refused())?;
        if password.expose().len() > MAX_PASSWORD_BYTES {
            return Err(refused());
        }
        let now = self.now();
        let site = {
            let mut tx = self.read().await?;
            tx.site_by_slug(&slug).await?.ok_or_else(not_found)?
        };
        // Every attempt counts before its password is checked, in one
        // statement, so that a burst of concurrent guesses cannot all be
        // checked before any failure is recorded.
        let expired_at = now
            .checked_sub(FAILURE_WINDOW)
            .map_err(|err| crate::InternalError::Settings(err.to_string()))?;
        let attempts = {
            let mut tx = self.write().await?;
            let attempts =
                tx.count_password_attempt(&site.id, username.key(), now, expired_at).await?;
            tx.commit().await?;
            attempts
        };
        let user = self.read().await?.user_by_username(&site.id, &username).await?;
        if attempts > MAX_FAILURES {
            self.password_refused(&site.id, user.as_ref(), &username, "too many attempts", now)
                .await?;
            return Err(SsoError::Throttled);
        }
        // Argon2 takes a while: outside any transaction.
        let stored = user.as_ref().and_then(|user| user.password_hash.clone());
        let matches = self.ctx.passwords.verify_stored(password.clone(), stored).await;
        // Said to administrators, never to the person signing in.
        let why = match &user {
            None => Some("no such user"),
            Some(_) if !matches => Some("wrong password"),
            Some(user) if user.auth_method != AuthMethod::Password => {
                Some("the account signs in through an identity provider")
            }
            Some(user) if !user.enabled => Some("the account is disabled"),
            Some(user) if user.state != ProvisioningState::Active => {
                Some("the account is not provisioned to this application")
            }
            Some(_) => None,
        };
        if let Some(why) = why {
            tracing::warn!(site = %site.slug.as_str(), "a password sign-in was refused");
            self.password_refused(&site.id, user.as_ref(), &username, why, now).await?;
            return Err(refused());
        }
        let Some(user) = user else { return Err(refused()) };
        let mut tx = self.write().await?;
        tx.clear_password_failures(&site.id, username.key()).await?;
        let step = after_first_factor(&mut tx, &site, &user, SessionOrigin::default(), now).await?;
        tx.commit().await?;
        Ok(step)
    }
}

impl Sso<'_> {
    /// Records a refused password sign-in with its reason.
    async fn password_refused(
        &self,
        site: &SiteId,
        user: Option<&User>,
        username: &Username,
        why: &str,
        now: Timestamp,
    ) -> Result<(), SsoError> {
        let mut history = History::new(site, Interface::Web, Actor::Anonymous, now);
        history.sign_in_refused(user, username.as_str(), why);
        self.record(history).await
    }
}
