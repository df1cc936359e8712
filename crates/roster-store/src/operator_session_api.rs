//! What the console's operator sign-in needs from storage: sessions opened
//! with an operator key, found by the hash of their secret.

use async_trait::async_trait;
use jiff::Timestamp;

use roster_domain::AdminKeyId;

use crate::StoreError;

/// A console session of an operator. The cookie holds its secret, stored
/// only as a hash; the key that opened it must still be an operator key
/// that is not revoked for the session to count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorSessionRecord {
    pub secret_hash: String,
    pub key_id: AdminKeyId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

#[async_trait]
pub trait OperatorSessionRepo {
    async fn insert_operator_session(
        &mut self,
        session: &OperatorSessionRecord,
    ) -> Result<(), StoreError>;
    async fn operator_session_by_hash(
        &mut self,
        secret_hash: &str,
    ) -> Result<Option<OperatorSessionRecord>, StoreError>;
    /// Marks the session revoked at `at` unless it already is.
    async fn revoke_operator_session(
        &mut self,
        secret_hash: &str,
        at: Timestamp,
    ) -> Result<(), StoreError>;
}
