//! What the second factor needs from storage (SPEC §5): users' enrolled
//! TOTP authenticators, the sign-ins waiting for a code, and the count of
//! wrong codes per user.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{ProviderId, SiteId, UserId};

use crate::StoreError;

/// A user's enrolled authenticator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpRecord {
    /// The shared secret, base32.
    pub secret: String,
    pub enrolled_at: Timestamp,
    /// The last time step a code was accepted for.
    pub last_step: u64,
}

/// A sign-in whose first factor passed and whose second is awaited. The
/// secret in the person's form is never stored, only its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSignIn {
    pub site: SiteId,
    pub secret_hash: String,
    pub user: UserId,
    /// What the session will carry: the provider of an SSO sign-in (`None`
    /// for a password) and the assertion's details for single logout.
    pub provider: Option<ProviderId>,
    pub session_index: Option<String>,
    pub name_id: Option<String>,
    pub name_id_format: Option<String>,
    /// The TOTP secret (base32) offered to a user who has none yet.
    pub enrolment_secret: Option<String>,
    /// Wrong codes entered for this sign-in.
    pub failures: u32,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

#[async_trait]
pub trait SecondFactorRepo {
    async fn totp_of(
        &mut self,
        site: &SiteId,
        user: &UserId,
    ) -> Result<Option<TotpRecord>, StoreError>;
    /// Enrols an authenticator; `false` when the user already has one
    /// (enrolled meanwhile by another sign-in), which is kept.
    async fn enrol_totp(
        &mut self,
        site: &SiteId,
        user: &UserId,
        record: &TotpRecord,
    ) -> Result<bool, StoreError>;
    /// Records that a code of time step `step` was accepted, in one
    /// statement; `false` when a code of that step or a later one already
    /// was (a replayed code).
    async fn use_totp_step(
        &mut self,
        site: &SiteId,
        user: &UserId,
        step: u64,
    ) -> Result<bool, StoreError>;
    /// Removes a user's authenticator (an administrator's reset); the next
    /// sign-in enrols a new one. `false` when there was none.
    async fn remove_totp(&mut self, site: &SiteId, user: &UserId) -> Result<bool, StoreError>;
    /// Keeps a pending sign-in; the site's expired ones go.
    async fn insert_pending_sign_in(&mut self, pending: &PendingSignIn) -> Result<(), StoreError>;
    async fn pending_sign_in(
        &mut self,
        site: &SiteId,
        secret_hash: &str,
    ) -> Result<Option<PendingSignIn>, StoreError>;
    /// Counts one more wrong code for a pending sign-in; returns the count.
    async fn count_pending_failure(
        &mut self,
        site: &SiteId,
        secret_hash: &str,
    ) -> Result<u32, StoreError>;
    /// Ends a pending sign-in, in one statement; `false` when it was
    /// already gone (completed by a concurrent request).
    async fn take_pending_sign_in(
        &mut self,
        site: &SiteId,
        secret_hash: &str,
    ) -> Result<bool, StoreError>;
    /// Counts one more code attempt for a user, as
    /// `SsoRepo::count_password_attempt` does for passwords.
    async fn count_code_attempt(
        &mut self,
        site: &SiteId,
        user: &UserId,
        now: Timestamp,
        window_expired_at: Timestamp,
    ) -> Result<u32, StoreError>;
    async fn clear_code_attempts(&mut self, site: &SiteId, user: &UserId)
    -> Result<(), StoreError>;
}
