//! How a SCIM use case refuses: the protocol's error answer, a credential
//! that does not authenticate, or the server's own failure. The HTTP layer
//! maps each with an exhaustive match.

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
    /// nothing.
    #[error("authentication failed")]
    Unauthenticated,
    /// The server failed; details are logged, not shown.
    #[error("internal error")]
    Internal(#[source] InternalError),
}

impl From<ScimError> for ScimFailure {
    fn from(err: ScimError) -> Self {
        Self::Refused(err)
    }
}

impl From<InternalError> for ScimFailure {
    fn from(err: InternalError) -> Self {
        Self::Internal(err)
    }
}

impl From<StoreError> for ScimFailure {
    fn from(err: StoreError) -> Self {
        match err {
            // The checks before a write found the value free; a concurrent
            // request took it since.
            StoreError::Conflict { what } => Self::Refused(ScimError::uniqueness(format!(
                "{what} is already taken in this site"
            ))),
            StoreError::Reference(detail) => Self::Refused(ScimError::new(
                ScimStatus::Conflict,
                None,
                format!("the change would break a reference ({detail})"),
            )),
            other @ (StoreError::Corrupt(_)
            | StoreError::Database(_)
            | StoreError::Migration(_)) => Self::Internal(InternalError::Store(other)),
        }
    }
}
