//! How a SCIM use case refuses: the protocol's error answer, a credential
//! that does not authenticate, or the server's own failure. The HTTP layer
//! maps each with an exhaustive match.

use roster_domain::{ProviderId, ScimRefusal, SiteId};
use roster_scim::{ScimError, ScimStatus};
use roster_store::StoreError;

use crate::InternalError;

#[derive(Debug, thiserror::Error)]
pub enum ScimFailure {
    /// The protocol's answer to a request it refuses (RFC 7644 §3.12),
    /// with its status and `scimType`.
    #[error("{0}")]
    Refused(ScimError),
    /// No credential, or one that does not authenticate. One answer for an
    /// unknown, wrong, expired or revoked secret, so that it reveals
    /// nothing; the reason is only for the SCIM request log.
    #[error("authentication failed")]
    Unauthenticated(AuthRefusal),
    /// The server failed; details are logged, not shown.
    #[error("internal error")]
    Internal(#[source] InternalError),
}

/// Why a credential did not authenticate, and whose it was when it named
/// a provider: what administrators read in the SCIM request log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRefusal {
    pub reason: ScimRefusal,
    /// The provider the secret belongs to, and its site.
    pub named: Option<(SiteId, ProviderId)>,
}

impl AuthRefusal {
    /// A refusal that names no provider (no credential, an unknown one).
    pub fn anonymous(reason: ScimRefusal) -> Self {
        Self { reason, named: None }
    }
}

impl From<ScimError> for ScimFailure {
    /// The engine's own 5xx (a stored resource it cannot read back) is the
    /// server's fault: logged, and answered without its detail.
    fn from(err: ScimError) -> Self {
        if err.status == ScimStatus::InternalServerError {
            Self::Internal(InternalError::Corrupt { what: "a SCIM resource", detail: err.detail })
        } else {
            Self::Refused(err)
        }
    }
}

impl From<InternalError> for ScimFailure {
    fn from(err: InternalError) -> Self {
        Self::Internal(err)
    }
}

/// A storage failure the use case did not expect is the server's: a use
/// case that can meet a conflict (a concurrent create of the same name)
/// maps it to its SCIM answer where it writes. The database's own words
/// never reach the client.
impl From<StoreError> for ScimFailure {
    fn from(err: StoreError) -> Self {
        Self::Internal(InternalError::Store(err))
    }
}

/// The failure of a write that a unique index can refuse because a
/// concurrent request took the same name after the use case checked it
/// was free: the database is the judge, and the client gets the
/// `409 uniqueness` (`taken`) it would have had a moment later. Every other
/// storage failure is the server's.
pub(super) fn taken_meanwhile(
    taken: impl FnOnce() -> ScimError,
) -> impl FnOnce(StoreError) -> ScimFailure {
    move |err| match err {
        StoreError::Conflict { .. } => ScimFailure::Refused(taken()),
        other @ (StoreError::Reference(_)
        | StoreError::Corrupt(_)
        | StoreError::Database(_)
        | StoreError::Migration(_)) => other.into(),
    }
}
