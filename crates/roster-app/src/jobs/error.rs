//! The errors of the jobs: a job fails as a whole only when the server
//! does; what goes wrong with one item is part of its report.

use roster_store::StoreError;

use crate::InternalError;

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The server failed (the database); the job may be run again.
    #[error("{0}")]
    Internal(#[from] InternalError),
}

impl From<StoreError> for JobError {
    fn from(err: StoreError) -> Self {
        Self::Internal(InternalError::Store(err))
    }
}
