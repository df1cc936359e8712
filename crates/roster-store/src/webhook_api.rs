//! What webhooks need from storage: the receivers of each site and where
//! their deliveries stand, and the record of every attempt.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{SiteId, Webhook, WebhookDelivery};

use crate::StoreError;

#[async_trait]
pub trait WebhookRepo {
    async fn insert_webhook(&mut self, webhook: &Webhook) -> Result<(), StoreError>;
    /// Writes every field of the webhook (found by its site and id);
    /// returns whether it exists.
    async fn update_webhook(&mut self, webhook: &Webhook) -> Result<bool, StoreError>;
    async fn delete_webhook(&mut self, site: &SiteId, id: &str) -> Result<bool, StoreError>;
    async fn webhook(&mut self, site: &SiteId, id: &str) -> Result<Option<Webhook>, StoreError>;
    /// The webhook, locked until the transaction ends (on PostgreSQL; on
    /// SQLite the writer is alone anyway): for a read-modify-write that
    /// must not lose a concurrent one (a rotated secret, a switch-off, the
    /// delivery job's progress).
    async fn lock_webhook(
        &mut self,
        site: &SiteId,
        id: &str,
    ) -> Result<Option<Webhook>, StoreError>;
    /// A site's webhooks, oldest first.
    async fn webhooks(&mut self, site: &SiteId) -> Result<Vec<Webhook>, StoreError>;
    /// Enabled webhooks of every site whose retry time, if any, has come
    /// by `now` and whose site has entries after their `delivered_seq`.
    async fn webhooks_due(&mut self, now: Timestamp) -> Result<Vec<Webhook>, StoreError>;
    async fn insert_webhook_delivery(
        &mut self,
        delivery: &WebhookDelivery,
    ) -> Result<(), StoreError>;
    /// A webhook's attempts, newest first, at most `limit`.
    async fn webhook_deliveries(
        &mut self,
        webhook_id: &str,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>, StoreError>;
}
