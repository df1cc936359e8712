//! Console sessions of operators.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::AdminKeyId;
use sqlx::any::AnyRow;

use super::Tx;
use super::row::{Cols, micros, opt_micros, write_error};
use crate::{OperatorSessionRecord, OperatorSessionRepo, StoreError};

fn session_from(row: &AnyRow) -> Result<OperatorSessionRecord, StoreError> {
    let c = Cols(row);
    Ok(OperatorSessionRecord {
        secret_hash: c.text("secret_hash")?,
        key_id: AdminKeyId::from_raw(c.text("key_id")?),
        created_at: c.time("created_at")?,
        expires_at: c.time("expires_at")?,
        revoked_at: c.opt_time("revoked_at")?,
    })
}

#[async_trait]
impl OperatorSessionRepo for Tx {
    async fn insert_operator_session(
        &mut self,
        session: &OperatorSessionRecord,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO operator_sessions (secret_hash, key_id, created_at, expires_at, \
             revoked_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(session.secret_hash.as_str())
        .bind(session.key_id.as_str())
        .bind(micros(session.created_at))
        .bind(micros(session.expires_at))
        .bind(opt_micros(session.revoked_at))
        .execute(self.conn())
        .await
        .map_err(|err| write_error(err, "operator session"))?;
        Ok(())
    }

    async fn operator_session_by_hash(
        &mut self,
        secret_hash: &str,
    ) -> Result<Option<OperatorSessionRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT secret_hash, key_id, created_at, expires_at, revoked_at \
             FROM operator_sessions WHERE secret_hash = $1",
        )
        .bind(secret_hash)
        .fetch_optional(self.conn())
        .await?;
        row.as_ref().map(session_from).transpose()
    }

    async fn revoke_operator_session(
        &mut self,
        secret_hash: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE operator_sessions SET revoked_at = $2 \
             WHERE secret_hash = $1 AND revoked_at IS NULL",
        )
        .bind(secret_hash)
        .bind(micros(at))
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
