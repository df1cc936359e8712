//! The errors of the admin area. Every variant says what was wrong in words
//! an administrator can act on; the HTTP layer and the CLI map them
//! exhaustively.

use roster_domain::{InvalidValue, ManualChangeRefused, ProviderRefusal};
use roster_store::StoreError;

use crate::InternalError;
use crate::access::Denied;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
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
    /// The server failed; details are logged, not shown.
    #[error("internal error")]
    Internal(#[source] InternalError),
}

impl AdminError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid { field: field.into(), message: message.into() }
    }

    /// The refusal of an action the principal may not take; `action` is
    /// what it tried, in words ("create sites").
    pub(crate) fn denied(denied: Denied, action: &str) -> Self {
        Self::Forbidden(match denied {
            Denied::SiteKeyNotOperator => {
                format!("only an operator key may {action}; this key belongs to one site")
            }
            Denied::PersonNotOperator => {
                format!("only an operator may {action}; you administer one site")
            }
            Denied::ReadOnly => {
                format!("a read-only site administrator may not {action}")
            }
            Denied::SetupLink => format!(
                "a set-up link may only set its provider's SAML trust and SCIM credential, \
                 not {action}"
            ),
        })
    }
}

impl From<StoreError> for AdminError {
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
            | StoreError::Migration(_)) => Self::Internal(InternalError::Store(other)),
        }
    }
}

impl From<InternalError> for AdminError {
    fn from(err: InternalError) -> Self {
        Self::Internal(err)
    }
}

impl From<ProviderRefusal> for AdminError {
    fn from(refusal: ProviderRefusal) -> Self {
        Self::Invalid { field: refusal.field.to_owned(), message: refusal.reason }
    }
}

/// Attaches the request's field name to a domain validation error.
pub(crate) fn field<T>(name: &str, result: Result<T, InvalidValue>) -> Result<T, AdminError> {
    result.map_err(|err| AdminError::invalid(name, err.0))
}
