//! The second factor (SPEC §5): where the user's rule or the site's
//! policy asks for it, a sign-in whose first factor passed (a password or
//! a SAML assertion, alike) waits for a TOTP code. A user without an
//! authenticator enrols one then: the secret is offered with the first
//! code request and kept only once a code from it is right.
//!
//! Guessing is bounded twice: a pending sign-in ends after
//! [`MAX_PENDING_FAILURES`] wrong codes, and a user's codes are refused
//! unchecked after [`MAX_CODE_ATTEMPTS`] attempts within
//! [`CODE_WINDOW`], however many sign-ins they are spread over. A code is
//! accepted once: its time step is recorded.

use jiff::{SignedDuration, Timestamp};
use roster_domain::policy::ProvisioningState;
use roster_domain::{AuthMethod, Secret, Site, SiteSlug, User};
use roster_store::{PendingSignIn, SecondFactorRepo, SiteRepo, Transaction, UserRepo};

use super::error::counted;
use super::session::{SessionOrigin, SignedInView, open_session};
use super::totp::{self, Enrolment};
use super::{Sso, SsoError, SsoTx};
use crate::metrics::SignInOutcome;
use crate::secrets;

/// How long a person has to enter a code (and, the first time, to set up
/// an authenticator app).
pub(crate) const PENDING_LIFETIME: SignedDuration = SignedDuration::from_mins(10);
pub(crate) const MAX_PENDING_FAILURES: u32 = 5;
pub(crate) const MAX_CODE_ATTEMPTS: u32 = 10;
pub(crate) const CODE_WINDOW: SignedDuration = SignedDuration::from_mins(15);

/// The longest pending secret or code worth looking at.
const MAX_INPUT_BYTES: usize = 256;

/// Where a sign-in stands once its first factor passed.
#[derive(Debug, Clone)]
pub enum SignInStep {
    SignedIn(SignedInView),
    /// A code is needed: the page asking for it.
    SecondFactor(Box<SecondFactorView>),
}

/// The page asking for a code.
#[derive(Debug, Clone)]
pub struct SecondFactorView {
    /// The site's slug, which the form posts to, and its name.
    pub site: String,
    pub site_name: String,
    pub username: String,
    /// The secret the form carries back, naming this pending sign-in.
    pub pending: Secret,
    /// For a user without an authenticator: the one to set up.
    pub enrolment: Option<Enrolment>,
}

/// Finishes a sign-in whose first factor passed: a session, or, where a
/// second factor is required, a pending sign-in and the page asking for a
/// code. In the caller's transaction.
pub(crate) async fn after_first_factor(
    tx: &mut impl SsoTx,
    site: &Site,
    user: &User,
    origin: SessionOrigin,
    now: Timestamp,
) -> Result<SignInStep, SsoError> {
    if !user.two_factor.required(site.two_factor) {
        return Ok(SignInStep::SignedIn(open_session(tx, site, user, origin, now).await?));
    }
    let enrolment_secret = match tx.totp_of(&site.id, &user.id).await? {
        Some(_) => None,
        None => Some(totp::new_secret()),
    };
    let pending = secrets::generate("roster_pending_");
    tx.insert_pending_sign_in(&PendingSignIn {
        site: site.id.clone(),
        secret_hash: secrets::hash(&pending),
        user: user.id.clone(),
        provider: origin.provider,
        session_index: origin.session_index,
        name_id: origin.name_id,
        name_id_format: origin.name_id_format,
        enrolment_secret: enrolment_secret.clone(),
        failures: 0,
        created_at: now,
        expires_at: later(now, PENDING_LIFETIME)?,
    })
    .await?;
    Ok(SignInStep::SecondFactor(Box::new(view(site, user, pending, enrolment_secret.as_deref())?)))
}

fn view(
    site: &Site,
    user: &User,
    pending: String,
    enrolment_secret: Option<&str>,
) -> Result<SecondFactorView, SsoError> {
    let enrolment = match enrolment_secret {
        Some(secret) => {
            Some(totp::enrolment(secret, site.name.as_str(), user.username.as_str()).ok_or_else(
                || crate::InternalError::Settings("an authenticator secret is invalid".into()),
            )?)
        }
        None => None,
    };
    Ok(SecondFactorView {
        site: site.slug.as_str().to_owned(),
        site_name: site.name.as_str().to_owned(),
        username: user.username.as_str().to_owned(),
        pending: Secret::new(pending),
        enrolment,
    })
}

fn later(now: Timestamp, by: SignedDuration) -> Result<Timestamp, SsoError> {
    Ok(now.checked_add(by).map_err(|err| crate::InternalError::Settings(err.to_string()))?)
}

impl Sso<'_> {
    /// Checks the code entered for the pending sign-in `pending` of site
    /// `slug`: right, the sign-in completes (enrolling the authenticator
    /// the first time); wrong, the page asks again, until too many wrong
    /// codes end the sign-in.
    pub async fn second_factor(
        &self,
        slug: &str,
        pending: &Secret,
        code: &str,
    ) -> Result<SignedInView, SsoError> {
        counted("totp", self.check_code(slug, pending, code).await, |_| SignInOutcome::SignedIn)
    }

    async fn check_code(
        &self,
        slug: &str,
        pending: &Secret,
        code: &str,
    ) -> Result<SignedInView, SsoError> {
        let not_found = || SsoError::NotFound { what: "site" };
        let slug = SiteSlug::parse(slug).map_err(|_| not_found())?;
        if pending.expose().is_empty()
            || pending.expose().len() > MAX_INPUT_BYTES
            || code.len() > MAX_INPUT_BYTES
        {
            return Err(SsoError::SignInEnded);
        }
        let hash = secrets::hash(pending.expose());
        let now = self.now();
        let (site, signing_in, user, enrolled) = {
            let mut tx = self.read().await?;
            let site = tx.site_by_slug(&slug).await?.ok_or_else(not_found)?;
            let signing_in = tx
                .pending_sign_in(&site.id, &hash)
                .await?
                .filter(|signing_in| signing_in.expires_at > now)
                .ok_or(SsoError::SignInEnded)?;
            let user =
                tx.user_by_id(&site.id, &signing_in.user).await?.ok_or(SsoError::SignInEnded)?;
            let enrolled = tx.totp_of(&site.id, &user.id).await?;
            (site, signing_in, user, enrolled)
        };
        // The user may have changed since the first factor passed.
        if !still_signs_in(&user, &signing_in) {
            return Err(SsoError::SignInEnded);
        }
        // Every attempt counts before its code is checked, in one
        // statement, as for passwords.
        let attempts = {
            let mut tx = self.write().await?;
            let expired_at = now
                .checked_sub(CODE_WINDOW)
                .map_err(|err| crate::InternalError::Settings(err.to_string()))?;
            let attempts = tx.count_code_attempt(&site.id, &user.id, now, expired_at).await?;
            tx.commit().await?;
            attempts
        };
        if attempts > MAX_CODE_ATTEMPTS {
            return Err(SsoError::Throttled);
        }
        // Enrolling checks the offered secret; afterwards, the enrolled
        // one. A pending enrolment whose user enrolled meanwhile (another
        // sign-in) checks against the enrolled secret and ends.
        let secret = match (&signing_in.enrolment_secret, &enrolled) {
            (_, Some(enrolled)) => enrolled.secret.as_str(),
            (Some(offered), None) => offered.as_str(),
            (None, None) => return Err(SsoError::SignInEnded),
        };
        let enrolling = enrolled.is_none();
        // A code of a step already used is as wrong as any other.
        let last_used = enrolled.as_ref().map(|enrolled| enrolled.last_step);
        let step = totp::matched_step(secret, code, now)
            .filter(|step| last_used.is_none_or(|last| *step > last));

        let mut tx = self.write().await?;
        let Some(step) = step else {
            let failures = tx.count_pending_failure(&site.id, &hash).await?;
            if failures >= MAX_PENDING_FAILURES {
                tx.take_pending_sign_in(&site.id, &hash).await?;
                tx.commit().await?;
                tracing::warn!(site = %site.slug.as_str(), user = %user.id, "a sign-in ended after too many wrong codes");
                return Err(SsoError::SignInEnded);
            }
            tx.commit().await?;
            let again = view(
                &site,
                &user,
                pending.expose().to_owned(),
                signing_in.enrolment_secret.as_deref().filter(|_| enrolling),
            )?;
            return Err(SsoError::WrongCode(Box::new(again)));
        };
        // Taken in one statement: of two requests completing the same
        // sign-in, one does.
        if !tx.take_pending_sign_in(&site.id, &hash).await? {
            return Err(SsoError::SignInEnded);
        }
        let accepted = if enrolling {
            let record = roster_store::TotpRecord {
                secret: secret.to_owned(),
                enrolled_at: now,
                last_step: step,
            };
            tx.enrol_totp(&site.id, &user.id, &record).await?
        } else {
            tx.use_totp_step(&site.id, &user.id, step).await?
        };
        if !accepted {
            // A concurrent request used the code (or enrolled) first.
            return Err(SsoError::SignInEnded);
        }
        tx.clear_code_attempts(&site.id, &user.id).await?;
        let origin = SessionOrigin {
            provider: signing_in.provider,
            session_index: signing_in.session_index,
            name_id: signing_in.name_id,
            name_id_format: signing_in.name_id_format,
        };
        let signed_in = open_session(&mut tx, &site, &user, origin, now).await?;
        tx.commit().await?;
        tracing::info!(site = %site.slug.as_str(), user = %user.id, enrolled = enrolling, "signed in with a second factor");
        Ok(signed_in)
    }
}

/// Whether the user may still sign in the way the pending sign-in began.
fn still_signs_in(user: &User, signing_in: &PendingSignIn) -> bool {
    let method = match &signing_in.provider {
        Some(provider) => AuthMethod::Sso(provider.clone()),
        None => AuthMethod::Password,
    };
    user.enabled && user.state == ProvisioningState::Active && user.auth_method == method
}
