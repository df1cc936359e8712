//! Mail alerts: the credentials they watch, their recipients, and the
//! claimed record of each alert.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{InvalidValue, ProviderId, ScimAuth, SiteId};
use sqlx::any::AnyRow;

use super::Tx;
use super::row::{Cols, micros};
use crate::{
    AdminRecipient, AlertClaim, AlertRecord, AlertStatus, ExpiringCredential, MailAlertRepo,
    StoreError,
};

/// The columns `alert_from` reads.
const ALERT_COLUMNS: &str = "site_id, alert_key, kind, provider_id, status, attempts, recipients, \
                             subject, body, error, created_at, updated_at";

fn credential_from(row: &AnyRow) -> Result<ExpiringCredential, StoreError> {
    let c = Cols(row);
    Ok(ExpiringCredential {
        site_id: SiteId::from_raw(c.text("site_id")?),
        site_slug: c.text("slug")?,
        site_name: c.text("site_name")?,
        provider_id: ProviderId::from_raw(c.text("id")?),
        provider_name: c.text("name")?,
        auth: c.parsed("scim_auth", ScimAuth::parse)?,
        secret_hash: c.text("scim_secret_hash")?,
        expires_at: c.time("scim_expires_at")?,
    })
}

fn status(raw: &str) -> Result<AlertStatus, InvalidValue> {
    AlertStatus::parse(raw).ok_or_else(|| InvalidValue::new(format!("{raw:?} is not a status")))
}

fn alert_from(row: &AnyRow) -> Result<AlertRecord, StoreError> {
    let c = Cols(row);
    let attempts = c.int("attempts")?;
    Ok(AlertRecord {
        site_id: SiteId::from_raw(c.text("site_id")?),
        key: c.text("alert_key")?,
        kind: c.text("kind")?,
        provider_id: c.opt_text("provider_id")?.map(ProviderId::from_raw),
        status: c.parsed("status", status)?,
        attempts: u32::try_from(attempts)
            .map_err(|_| StoreError::Corrupt(format!("attempts: {attempts}")))?,
        recipients: c.text("recipients")?,
        subject: c.text("subject")?,
        body: c.text("body")?,
        error: c.opt_text("error")?,
        created_at: c.time("created_at")?,
        updated_at: c.time("updated_at")?,
    })
}

#[async_trait]
impl MailAlertRepo for Tx {
    async fn scim_credentials_expiring(
        &mut self,
        now: Timestamp,
        until: Timestamp,
        limit: u64,
    ) -> Result<Vec<ExpiringCredential>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.site_id, s.slug, s.name AS site_name, p.id, p.name, p.scim_auth, p.scim_secret_hash, \
             p.scim_expires_at FROM providers p JOIN sites s ON s.id = p.site_id \
             WHERE p.scim_auth <> 'off' AND p.scim_secret_hash IS NOT NULL \
             AND p.scim_expires_at > $1 AND p.scim_expires_at <= $2 \
             ORDER BY p.scim_expires_at, p.site_id, p.id LIMIT $3",
        )
        .bind(micros(now))
        .bind(micros(until))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(credential_from).collect()
    }

    async fn site_admin_recipients(
        &mut self,
        site: &SiteId,
    ) -> Result<Vec<AdminRecipient>, StoreError> {
        let rows = sqlx::query(
            "SELECT username, email FROM users WHERE site_id = $1 AND site_admin = 1 \
             AND enabled = 1 AND email IS NOT NULL AND email <> '' ORDER BY username_key",
        )
        .bind(site.as_str())
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|row| {
                let c = Cols(row);
                Ok(AdminRecipient { username: c.text("username")?, email: c.text("email")? })
            })
            .collect()
    }

    async fn claim_mail_alert(
        &mut self,
        alert: &AlertRecord,
        claim: AlertClaim<'_>,
    ) -> Result<bool, StoreError> {
        // Insert, or take over only a failed alert or a claim that ran
        // out: one statement, so that of two instances one gets it (on
        // PostgreSQL the second waits for the first's commit, then finds
        // the row taken).
        let claimed = sqlx::query(
            "INSERT INTO mail_alerts (site_id, alert_key, kind, provider_id, status, claim_owner, \
             claim_until, attempts, recipients, subject, body, error, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'sending', $5, $6, 1, $7, $8, $9, NULL, $10, $10) \
             ON CONFLICT (site_id, alert_key) DO UPDATE SET status = 'sending', \
             claim_owner = $5, claim_until = $6, attempts = mail_alerts.attempts + 1, \
             recipients = $7, subject = $8, body = $9, updated_at = $10 \
             WHERE mail_alerts.status = 'failed' \
             OR (mail_alerts.status = 'sending' AND mail_alerts.claim_until <= $10)",
        )
        .bind(alert.site_id.as_str())
        .bind(alert.key.as_str())
        .bind(alert.kind.as_str())
        .bind(alert.provider_id.as_ref().map(|id| id.as_str().to_owned()))
        .bind(claim.owner)
        .bind(micros(claim.until))
        .bind(alert.recipients.as_str())
        .bind(alert.subject.as_str())
        .bind(alert.body.as_str())
        .bind(micros(claim.now))
        .execute(self.conn())
        .await?;
        Ok(claimed.rows_affected() == 1)
    }

    async fn finish_mail_alert(
        &mut self,
        site: &SiteId,
        key: &str,
        owner: &str,
        outcome: AlertStatus,
        error: Option<&str>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE mail_alerts SET status = $4, error = $5, updated_at = $6, claim_owner = NULL, \
             claim_until = NULL WHERE site_id = $1 AND alert_key = $2 AND claim_owner = $3",
        )
        .bind(site.as_str())
        .bind(key)
        .bind(owner)
        .bind(outcome.as_str())
        .bind(error.map(str::to_owned))
        .bind(micros(now))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn failed_mail_alerts(
        &mut self,
        kind: &str,
        limit: u64,
    ) -> Result<Vec<AlertRecord>, StoreError> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM mail_alerts WHERE status = 'failed' AND kind = $1 \
             ORDER BY updated_at, site_id, alert_key LIMIT $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(kind)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(alert_from).collect()
    }

    async fn mail_alerts(
        &mut self,
        site: &SiteId,
        limit: u64,
    ) -> Result<Vec<AlertRecord>, StoreError> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM mail_alerts WHERE site_id = $1 \
             ORDER BY created_at DESC, alert_key LIMIT $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(site.as_str())
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(alert_from).collect()
    }
}
