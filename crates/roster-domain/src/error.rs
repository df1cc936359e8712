//! The one error every `parse` in this crate returns.

/// Why a value was rejected. The caller knows which field it came from and
/// attaches that name; this carries only the reason, written for a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub String);

impl InvalidValue {
    pub fn new(reason: impl Into<String>) -> Self {
        Self(reason.into())
    }
}
