//! Failures that are the server's fault, shared by every area: the
//! database failed, or data it returned breaks the application's own
//! invariants. The HTTP layer logs the detail and answers with a generic
//! message (a 5xx); the CLI prints it.

use roster_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum InternalError {
    /// The database failed or refused in a way no request can cause.
    #[error("storage: {0}")]
    Store(#[source] StoreError),
    /// Stored data does not read back as what was written (such as a JSON
    /// column that no longer parses). Never silently replaced by a default,
    /// which would lose what the identity provider sent.
    #[error("corrupt stored data ({what}): {detail}")]
    Corrupt { what: &'static str, detail: String },
    /// The server's own constants contradict each other.
    #[error("inconsistent server settings: {0}")]
    Settings(String),
    /// Work handed to a blocking thread (password hashing) did not finish:
    /// the runtime is shutting down, or the work panicked.
    #[error("background work did not finish: {0}")]
    Worker(String),
}

impl From<StoreError> for InternalError {
    fn from(err: StoreError) -> Self {
        Self::Store(err)
    }
}
