//! Storage errors, mapped by the application layer.

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint rejected the write; `what` names the value that
    /// is already taken (for example `"username"`).
    #[error("{what} is already taken")]
    Conflict { what: &'static str },
    /// A foreign key rejected the write or deletion: the row is still
    /// referenced, or refers to something that does not exist.
    #[error("the change would break a reference: {0}")]
    Reference(String),
    /// A stored value no longer parses into its domain type.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// The database could not be reached or failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Migrations could not be applied at start-up.
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}
