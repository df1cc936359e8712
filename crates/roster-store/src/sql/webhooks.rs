//! Webhooks and their delivery attempts.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{DeliveryOutcome, Secret, SiteId, Webhook, WebhookDelivery, WebhookUrl};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

use super::row::{Cols, flag, micros, opt_micros};
use super::{Dialect, Tx};
use crate::{StoreError, WebhookRepo};

const WEBHOOK_COLUMNS: &str = "site_id, id, url, secret, previous_secret, previous_secret_until, \
                               description, enabled, delivered_seq, failures, retry_at, \
                               disabled_reason, created_at";
const DELIVERY_COLUMNS: &str =
    "webhook_id, id, at, first_seq, last_seq, attempt, status, outcome, error, duration_ms";

fn corrupt(column: &str, value: impl std::fmt::Debug) -> StoreError {
    StoreError::Corrupt(format!("{column} = {value:?}"))
}

fn webhook_from(row: &AnyRow) -> Result<Webhook, StoreError> {
    let c = Cols(row);
    let failures = c.int("failures")?;
    Ok(Webhook {
        id: c.text("id")?,
        site_id: SiteId::from_raw(c.text("site_id")?),
        url: WebhookUrl::from_stored(c.text("url")?),
        secret: Secret::new(c.text("secret")?),
        previous_secret: c.opt_text("previous_secret")?.map(Secret::new),
        previous_secret_until: c.opt_time("previous_secret_until")?,
        description: c.opt_text("description")?,
        enabled: c.flag("enabled")?,
        delivered_seq: c.int("delivered_seq")?,
        failures: u32::try_from(failures).map_err(|_| corrupt("webhooks.failures", failures))?,
        retry_at: c.opt_time("retry_at")?,
        disabled_reason: c.opt_text("disabled_reason")?,
        created_at: c.time("created_at")?,
    })
}

fn delivery_from(row: &AnyRow) -> Result<WebhookDelivery, StoreError> {
    let c = Cols(row);
    let outcome = c.text("outcome")?;
    let attempt = c.int("attempt")?;
    let duration = c.int("duration_ms")?;
    let status = c.opt_int("status")?;
    Ok(WebhookDelivery {
        id: c.text("id")?,
        webhook_id: c.text("webhook_id")?,
        at: c.time("at")?,
        first_seq: c.int("first_seq")?,
        last_seq: c.int("last_seq")?,
        attempt: u32::try_from(attempt).map_err(|_| corrupt("attempt", attempt))?,
        status: status
            .map(|status| u16::try_from(status).map_err(|_| corrupt("status", status)))
            .transpose()?,
        outcome: DeliveryOutcome::parse(&outcome).ok_or_else(|| corrupt("outcome", &outcome))?,
        error: c.opt_text("error")?,
        duration_ms: u32::try_from(duration).map_err(|_| corrupt("duration_ms", duration))?,
    })
}

/// Binds `$1` to `$12` in the order of [`WEBHOOK_COLUMNS`], all but
/// `created_at`, which only an insert writes.
fn bind_webhook<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    webhook: &'q Webhook,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    query
        .bind(webhook.site_id.as_str())
        .bind(webhook.id.as_str())
        .bind(webhook.url.as_str())
        .bind(webhook.secret.expose())
        .bind(webhook.previous_secret.as_ref().map(|secret| secret.expose().to_owned()))
        .bind(opt_micros(webhook.previous_secret_until))
        .bind(webhook.description.clone())
        .bind(flag(webhook.enabled))
        .bind(webhook.delivered_seq)
        .bind(i64::from(webhook.failures))
        .bind(opt_micros(webhook.retry_at))
        .bind(webhook.disabled_reason.clone())
}

impl Tx {
    /// One webhook of the site; with `lock`, locked until the transaction
    /// ends (PostgreSQL: `FOR UPDATE`; SQLite's writer is alone anyway).
    async fn select_webhook(
        &mut self,
        site: &SiteId,
        id: &str,
        lock: bool,
    ) -> Result<Option<Webhook>, StoreError> {
        let lock = match (lock, self.dialect) {
            (true, Dialect::Postgres) => " FOR UPDATE",
            (true, Dialect::Sqlite) | (false, _) => "",
        };
        let sql =
            format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE site_id = $1 AND id = $2{lock}");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(site.as_str())
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(webhook_from).transpose()
    }
}

#[async_trait]
impl WebhookRepo for Tx {
    async fn insert_webhook(&mut self, webhook: &Webhook) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO webhooks ({WEBHOOK_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        );
        bind_webhook(sqlx::query(AssertSqlSafe(sql)), webhook)
            .bind(micros(webhook.created_at))
            .execute(self.conn())
            .await?;
        Ok(())
    }

    async fn update_webhook(&mut self, webhook: &Webhook) -> Result<bool, StoreError> {
        let sql = "UPDATE webhooks SET url = $3, secret = $4, previous_secret = $5, \
                   previous_secret_until = $6, description = $7, enabled = $8, \
                   delivered_seq = $9, failures = $10, retry_at = $11, disabled_reason = $12 \
                   WHERE site_id = $1 AND id = $2";
        let done = bind_webhook(sqlx::query(sql), webhook).execute(self.conn()).await?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_webhook(&mut self, site: &SiteId, id: &str) -> Result<bool, StoreError> {
        // Its attempts go by the foreign key's cascade.
        let done = sqlx::query("DELETE FROM webhooks WHERE site_id = $1 AND id = $2")
            .bind(site.as_str())
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn webhook(&mut self, site: &SiteId, id: &str) -> Result<Option<Webhook>, StoreError> {
        self.select_webhook(site, id, false).await
    }

    async fn lock_webhook(
        &mut self,
        site: &SiteId,
        id: &str,
    ) -> Result<Option<Webhook>, StoreError> {
        self.select_webhook(site, id, true).await
    }

    async fn webhooks(&mut self, site: &SiteId) -> Result<Vec<Webhook>, StoreError> {
        let sql = format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE site_id = $1 ORDER BY created_at, id"
        );
        let rows =
            sqlx::query(AssertSqlSafe(sql)).bind(site.as_str()).fetch_all(self.conn()).await?;
        rows.iter().map(webhook_from).collect()
    }

    async fn webhooks_due(&mut self, now: Timestamp) -> Result<Vec<Webhook>, StoreError> {
        let sql = format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks w WHERE enabled = 1 \
             AND (retry_at IS NULL OR retry_at <= $1) \
             AND EXISTS (SELECT 1 FROM history_counters c \
                         WHERE c.site_id = w.site_id AND c.last_seq > w.delivered_seq) \
             ORDER BY created_at, id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(micros(now)).fetch_all(self.conn()).await?;
        rows.iter().map(webhook_from).collect()
    }

    async fn insert_webhook_delivery(
        &mut self,
        delivery: &WebhookDelivery,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO webhook_deliveries ({DELIVERY_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(delivery.webhook_id.as_str())
            .bind(delivery.id.as_str())
            .bind(micros(delivery.at))
            .bind(delivery.first_seq)
            .bind(delivery.last_seq)
            .bind(i64::from(delivery.attempt))
            .bind(delivery.status.map(i64::from))
            .bind(delivery.outcome.as_str())
            .bind(delivery.error.clone())
            .bind(i64::from(delivery.duration_ms))
            .execute(self.conn())
            .await?;
        Ok(())
    }

    async fn webhook_deliveries(
        &mut self,
        webhook_id: &str,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>, StoreError> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1 \
             ORDER BY at DESC, id DESC LIMIT $2"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(webhook_id)
            .bind(i64::from(limit))
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(delivery_from).collect()
    }
}
