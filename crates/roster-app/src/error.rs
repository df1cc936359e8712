//! The errors of the use cases. Every variant says what was wrong in words
//! an administrator can act on; the HTTP layer and the CLI map them
//! exhaustively.

use roster_domain::{InvalidValue, ManualChangeRefused, ProviderRefusal};
use roster_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A value of the request is invalid; `field` names it as the request
    /// spelled it (for example `provisioning.only_groups`).
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The thing does not exist, or is not visible to the caller.
    #[error("{what} not found")]
    NotFound { what: &'static str },
    /// The request collides with existing data (a taken name, a provider
    /// still in use).
    #[error("{field}: {message}")]
    Conflict { field: String, message: String },
    /// A site setting or a safety rule refuses the change.
    #[error("{0}")]
    Refused(#[from] ManualChangeRefused),
    /// The caller's credential does not allow this operation.
    #[error("{0}")]
    Forbidden(String),
    /// No valid credential was presented.
    #[error("a valid admin key is required")]
    Unauthorized,
    /// The database failed; details are logged, not shown.
    #[error("internal error")]
    Internal(#[source] StoreError),
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid { field: field.into(), message: message.into() }
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict { what } => Self::Conflict {
                field: what.replace(' ', "_"),
                message: format!("{what} is already taken"),
            },
            StoreError::Reference(detail) => Self::Conflict {
                field: "reference".to_owned(),
                message: format!("the change would break a reference ({detail})"),
            },
            other @ (StoreError::Corrupt(_)
            | StoreError::Database(_)
            | StoreError::Migration(_)) => Self::Internal(other),
        }
    }
}

impl From<ProviderRefusal> for AppError {
    fn from(refusal: ProviderRefusal) -> Self {
        Self::Invalid { field: refusal.field.to_owned(), message: refusal.reason }
    }
}

/// Attaches the request's field name to a domain validation error.
pub(crate) fn field<T>(name: &str, result: Result<T, InvalidValue>) -> Result<T, AppError> {
    result.map_err(|err| AppError::invalid(name, err.0))
}
