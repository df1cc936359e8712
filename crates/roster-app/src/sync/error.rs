//! How a sync request is refused. A sync that ran and failed is not an
//! error here: its report says why (`SyncReport::failure`).

use roster_store::StoreError;

use crate::InternalError;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{what} not found")]
    NotFound { what: &'static str },
    /// The provider has no LDAP settings, or they are switched off.
    #[error("{0}")]
    NotConfigured(String),
    /// Another sync of the provider is running (here or on another
    /// instance).
    #[error("a sync of this provider is already running; try again when it has finished")]
    Busy,
    /// A read-only administrator asked for a sync.
    #[error("a read-only administrator cannot start a sync")]
    ReadOnly,
    #[error("internal error")]
    Internal(#[source] InternalError),
}

impl From<StoreError> for SyncError {
    fn from(err: StoreError) -> Self {
        Self::Internal(InternalError::Store(err))
    }
}
