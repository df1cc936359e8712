//! The SAML service provider's key pairs.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::Secret;

use super::Tx;
use super::row::{Cols, micros, opt_micros};
use crate::{SpKeyPurpose, SpKeyRecord, SpKeyRepo, StoreError};

#[async_trait]
impl SpKeyRepo for Tx {
    async fn sp_keys(&mut self) -> Result<Vec<SpKeyRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, purpose, generation, private_key, certificate, created_at, activates_at, \
             retires_at FROM sp_keys ORDER BY purpose, generation",
        )
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|row| {
                let c = Cols(row);
                let purpose = match c.text("purpose")?.as_str() {
                    "signing" => SpKeyPurpose::Signing,
                    "encryption" => SpKeyPurpose::Encryption,
                    other => {
                        return Err(StoreError::Corrupt(format!("sp_keys.purpose = {other:?}")));
                    }
                };
                Ok(SpKeyRecord {
                    id: c.text("id")?,
                    purpose,
                    generation: c.int("generation")?,
                    private_key: Secret::new(c.text("private_key")?),
                    certificate: c.text("certificate")?,
                    created_at: c.time("created_at")?,
                    activates_at: c.time("activates_at")?,
                    retires_at: c.opt_time("retires_at")?,
                })
            })
            .collect()
    }

    async fn insert_sp_key(&mut self, key: &SpKeyRecord) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO sp_keys (id, purpose, generation, private_key, certificate, created_at, \
             activates_at, retires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (purpose, generation) DO NOTHING",
        )
        .bind(key.id.as_str())
        .bind(key.purpose.as_str())
        .bind(key.generation)
        .bind(key.private_key.expose())
        .bind(key.certificate.as_str())
        .bind(micros(key.created_at))
        .bind(micros(key.activates_at))
        .bind(opt_micros(key.retires_at))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn retire_sp_keys(
        &mut self,
        purpose: SpKeyPurpose,
        generation: i64,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sp_keys SET retires_at = $3 WHERE purpose = $1 AND generation < $2 \
             AND (retires_at IS NULL OR retires_at > $3)",
        )
        .bind(purpose.as_str())
        .bind(generation)
        .bind(micros(at))
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
