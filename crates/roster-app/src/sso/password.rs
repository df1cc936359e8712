//! Password sign-in for users who sign in with one (local users, and
//! members of a provider's password groups), throttled: after
//! [`MAX_FAILURES`] wrong passwords for a username within
//! [`FAILURE_WINDOW`], further attempts are refused without checking the
//! password until the window ends.

use jiff::SignedDuration;
use roster_domain::policy::ProvisioningState;
use roster_domain::{AuthMethod, Secret, SiteSlug, Username};
use roster_store::{SiteRepo, SsoRepo, Transaction, UserRepo};

use super::second_factor::{SignInStep, after_first_factor};
use super::session::SessionOrigin;
use super::{Sso, SsoError};

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
        if attempts > MAX_FAILURES {
            return Err(SsoError::Throttled);
        }
        let user = self.read().await?.user_by_username(&site.id, &username).await?;
        // Argon2 takes a while: outside any transaction.
        let stored = user.as_ref().and_then(|user| user.password_hash.clone());
        let matches = self.ctx.passwords.verify_stored(password.clone(), stored).await;
        let user = user.filter(|user| {
            matches
                && user.enabled
                && user.state == ProvisioningState::Active
                && user.auth_method == AuthMethod::Password
        });
        let Some(user) = user else {
            tracing::warn!(site = %site.slug.as_str(), "a password sign-in was refused");
            return Err(refused());
        };
        let mut tx = self.write().await?;
        tx.clear_password_failures(&site.id, username.key()).await?;
        let step = after_first_factor(&mut tx, &site, &user, SessionOrigin::default(), now).await?;
        tx.commit().await?;
        Ok(step)
    }
}
