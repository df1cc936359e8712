//! TOTP authenticators, pending sign-ins and wrong-code counters.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{ProviderId, SiteId, UserId};

use super::row::{Cols, micros};
use super::{Tx, attempts};
use crate::{PendingSignIn, SecondFactorRepo, StoreError, TotpRecord};

/// A time step as stored (steps of 30 s since 1970 fit easily).
fn step_value(step: u64) -> Result<i64, StoreError> {
    i64::try_from(step).map_err(|_| StoreError::Corrupt(format!("time step {step}")))
}

fn unsigned(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} = {value}")))
}

#[async_trait]
impl SecondFactorRepo for Tx {
    async fn totp_of(
        &mut self,
        site: &SiteId,
        user: &UserId,
    ) -> Result<Option<TotpRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT secret, enrolled_at, last_step FROM user_totp \
             WHERE site_id = $1 AND user_id = $2",
        )
        .bind(site.as_str())
        .bind(user.as_str())
        .fetch_optional(self.conn())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let c = Cols(&row);
        Ok(Some(TotpRecord {
            secret: c.text("secret")?,
            enrolled_at: c.time("enrolled_at")?,
            last_step: unsigned(c.int("last_step")?, "last_step")?,
        }))
    }

    async fn enrol_totp(
        &mut self,
        site: &SiteId,
        user: &UserId,
        record: &TotpRecord,
    ) -> Result<bool, StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO user_totp (site_id, user_id, secret, enrolled_at, last_step) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (site_id, user_id) DO NOTHING",
        )
        .bind(site.as_str())
        .bind(user.as_str())
        .bind(record.secret.as_str())
        .bind(micros(record.enrolled_at))
        .bind(step_value(record.last_step)?)
        .execute(self.conn())
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    async fn use_totp_step(
        &mut self,
        site: &SiteId,
        user: &UserId,
        step: u64,
    ) -> Result<bool, StoreError> {
        // The comparison and the update are one statement: of two
        // requests with the same code, one updates and the other finds
        // the step already used.
        let updated = sqlx::query(
            "UPDATE user_totp SET last_step = $3 \
             WHERE site_id = $1 AND user_id = $2 AND last_step < $3",
        )
        .bind(site.as_str())
        .bind(user.as_str())
        .bind(step_value(step)?)
        .execute(self.conn())
        .await?;
        Ok(updated.rows_affected() == 1)
    }

    async fn remove_totp(&mut self, site: &SiteId, user: &UserId) -> Result<bool, StoreError> {
        let removed = sqlx::query("DELETE FROM user_totp WHERE site_id = $1 AND user_id = $2")
            .bind(site.as_str())
            .bind(user.as_str())
            .execute(self.conn())
            .await?;
        // Sign-ins waiting to enrol or to check a code against the removed
        // authenticator end with it.
        sqlx::query("DELETE FROM pending_sign_ins WHERE site_id = $1 AND user_id = $2")
            .bind(site.as_str())
            .bind(user.as_str())
            .execute(self.conn())
            .await?;
        Ok(removed.rows_affected() == 1)
    }

    async fn insert_pending_sign_in(&mut self, pending: &PendingSignIn) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM pending_sign_ins WHERE site_id = $1 AND expires_at <= $2")
            .bind(pending.site.as_str())
            .bind(micros(pending.created_at))
            .execute(self.conn())
            .await?;
        sqlx::query(
            "INSERT INTO pending_sign_ins (site_id, secret_hash, user_id, provider_id, \
             session_index, saml_name_id, saml_name_id_format, enrolment_secret, failures, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(pending.site.as_str())
        .bind(pending.secret_hash.as_str())
        .bind(pending.user.as_str())
        .bind(pending.provider.as_ref().map(|id| id.as_str().to_owned()))
        .bind(pending.session_index.clone())
        .bind(pending.name_id.clone())
        .bind(pending.name_id_format.clone())
        .bind(pending.enrolment_secret.clone())
        .bind(i64::from(pending.failures))
        .bind(micros(pending.created_at))
        .bind(micros(pending.expires_at))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn pending_sign_in(
        &mut self,
        site: &SiteId,
        secret_hash: &str,
    ) -> Result<Option<PendingSignIn>, StoreError> {
        let row = sqlx::query(
            "SELECT user_id, provider_id, session_index, saml_name_id, saml_name_id_format, \
             enrolment_secret, failures, created_at, expires_at FROM pending_sign_ins \
             WHERE site_id = $1 AND secret_hash = $2",
        )
        .bind(site.as_str())
        .bind(secret_hash)
        .fetch_optional(self.conn())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let c = Cols(&row);
        let failures = c.int("failures")?;
        Ok(Some(PendingSignIn {
            site: site.clone(),
            secret_hash: secret_hash.to_owned(),
            user: UserId::from_raw(c.text("user_id")?),
            provider: c.opt_text("provider_id")?.map(ProviderId::from_raw),
            session_index: c.opt_text("session_index")?,
            name_id: c.opt_text("saml_name_id")?,
            name_id_format: c.opt_text("saml_name_id_format")?,
            enrolment_secret: c.opt_text("enrolment_secret")?,
            failures: u32::try_from(failures)
                .map_err(|_| StoreError::Corrupt(format!("failures = {failures}")))?,
            created_at: c.time("created_at")?,
            expires_at: c.time("expires_at")?,
        }))
    }

    async fn count_pending_failure(
        &mut self,
        site: &SiteId,
        secret_hash: &str,
    ) -> Result<u32, StoreError> {
        let row = sqlx::query(
            "UPDATE pending_sign_ins SET failures = failures + 1 \
             WHERE site_id = $1 AND secret_hash = $2 RETURNING failures",
        )
        .bind(site.as_str())
        .bind(secret_hash)
        .fetch_optional(self.conn())
        .await?;
        // Gone meanwhile (completed or ended): as good as exhausted.
        let Some(row) = row else { return Ok(u32::MAX) };
        let failures = Cols(&row).int("failures")?;
        u32::try_from(failures).map_err(|_| StoreError::Corrupt(format!("failures = {failures}")))
    }

    async fn take_pending_sign_in(
        &mut self,
        site: &SiteId,
        secret_hash: &str,
    ) -> Result<bool, StoreError> {
        let taken =
            sqlx::query("DELETE FROM pending_sign_ins WHERE site_id = $1 AND secret_hash = $2")
                .bind(site.as_str())
                .bind(secret_hash)
                .execute(self.conn())
                .await?;
        Ok(taken.rows_affected() == 1)
    }

    async fn count_code_attempt(
        &mut self,
        site: &SiteId,
        user: &UserId,
        now: Timestamp,
        window_expired_at: Timestamp,
    ) -> Result<u32, StoreError> {
        attempts::count(self.conn(), &attempts::CODES, site, user.as_str(), now, window_expired_at)
            .await
    }

    async fn clear_code_attempts(
        &mut self,
        site: &SiteId,
        user: &UserId,
    ) -> Result<(), StoreError> {
        attempts::clear(self.conn(), &attempts::CODES, site, user.as_str()).await
    }
}
