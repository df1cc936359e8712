//! What sign-in needs from storage: outstanding SAML requests, the replay
//! cache of accepted assertions, and sessions.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{ProviderId, SiteId, User, UserId};

use crate::StoreError;

/// An AuthnRequest roster sent and awaits an answer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlRequestRecord {
    pub site: SiteId,
    pub id: String,
    pub provider: ProviderId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A signed-in person's session. The secret itself is never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub site: SiteId,
    pub secret_hash: String,
    pub user: UserId,
    /// The provider of an SSO sign-in; `None` for a password.
    pub provider: Option<ProviderId>,
    pub session_index: Option<String>,
    /// The NameID (and its format) of the assertion an SSO session came
    /// from, which single logout names.
    pub name_id: Option<String>,
    pub name_id_format: Option<String>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

#[async_trait]
pub trait SsoRepo {
    /// The site of a provider, from the provider's id alone: the ACS URL
    /// `/saml/consume/{provider}` names the provider, and so the site.
    async fn provider_site(&mut self, provider: &ProviderId) -> Result<Option<SiteId>, StoreError>;
    /// The visible users of a site whose e-mail is `email` (compared
    /// without case), for identity providers whose NameID is the e-mail.
    async fn users_by_email(&mut self, site: &SiteId, email: &str)
    -> Result<Vec<User>, StoreError>;
    async fn insert_saml_request(&mut self, request: &SamlRequestRecord) -> Result<(), StoreError>;
    /// The unexpired requests a provider awaits answers to.
    async fn outstanding_saml_requests(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        now: Timestamp,
    ) -> Result<Vec<SamlRequestRecord>, StoreError>;
    /// A request by id, in any site: the shared ACS finds the provider by
    /// the response's InResponseTo (ids are random and unique).
    async fn saml_request_by_id(
        &mut self,
        id: &str,
    ) -> Result<Option<SamlRequestRecord>, StoreError>;
    /// Removes an answered request; returns whether it was there.
    async fn delete_saml_request(&mut self, site: &SiteId, id: &str) -> Result<bool, StoreError>;
    /// Records an accepted assertion; `false` when it was already recorded
    /// (a replay). A record of the same id that expired by `now` is taken
    /// over; the clean-up job purges the others.
    async fn record_assertion(
        &mut self,
        site: &SiteId,
        issuer: &str,
        assertion_id: &str,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Stores a new session and makes its start its user's last login, in
    /// one round trip (a sign-in holds the SQLite writer meanwhile).
    async fn start_session(&mut self, session: &SessionRecord) -> Result<(), StoreError>;
    /// A session by the hash of its secret, in any site (the cookie names
    /// the session, and so the site).
    async fn session_by_hash(
        &mut self,
        secret_hash: &str,
    ) -> Result<Option<SessionRecord>, StoreError>;
    async fn revoke_session(
        &mut self,
        site: &SiteId,
        secret_hash: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Ends, at `at`, the open sessions a provider's LogoutRequest names:
    /// those of `name_id`, and of these session indexes when any are
    /// given. Returns how many ended.
    async fn revoke_provider_sessions(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        name_id: &str,
        session_indexes: &[String],
        at: Timestamp,
    ) -> Result<u64, StoreError>;
    /// The names of the groups a provider manages (provisioned by SCIM)
    /// whose externalId is one of `external_ids`, as (externalId, name):
    /// Entra ID asserts group object ids, which are those externalIds.
    async fn provider_groups_by_external_id(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        external_ids: &[String],
    ) -> Result<Vec<(String, String)>, StoreError>;
    /// Counts one more password attempt for a username, in one statement
    /// (so that concurrent attempts all count), and returns the count in
    /// the current window: it restarts at 1 when its window started at or
    /// before `window_expired_at`.
    async fn count_password_attempt(
        &mut self,
        site: &SiteId,
        username_key: &str,
        now: Timestamp,
        window_expired_at: Timestamp,
    ) -> Result<u32, StoreError>;
    /// Forgets a username's failures (after a success).
    async fn clear_password_failures(
        &mut self,
        site: &SiteId,
        username_key: &str,
    ) -> Result<(), StoreError>;
}
