//! The one error the filter and path parsers return: where and why.

/// Why a filter or PATCH path was rejected, and where.
///
/// The caller turns it into a SCIM `400` with `scimType` `invalidFilter` or
/// `invalidPath` (RFC 7644 §3.12); the message is written for the person
/// who wrote the filter and is safe to return to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at character {position}: {message}")]
pub struct FilterError {
    /// The 0-based offset, in characters (not bytes), of the problem in the
    /// input.
    pub position: usize,
    /// What is wrong there.
    pub message: String,
}

impl FilterError {
    pub(crate) fn new(position: usize, message: impl Into<String>) -> Self {
        Self { position, message: message.into() }
    }
}
