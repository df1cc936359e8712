//! The webhooks area (SPEC §7): delivers each site's history entries to
//! its webhooks, in seq order, a batch per POST, signed
//! (`signature.rs`). A batch is retried with backoff until the receiver
//! answers 2xx; only then do the next entries go, so a receiver sees every
//! entry once and in order while roster runs, and after a crash at most
//! the last batch again (receivers deduplicate by `seq`). A webhook that
//! keeps failing is switched off; its entries wait in the history log.
//! The `webhooks` job runs [`Webhooks::run_due`]; the job's lease makes one
//! instance deliver at a time.
//!
//! May use: the store capabilities of `WebhooksTx`, the clock, the
//! context's webhook sender, and the shared `events` and `metrics`
//! modules. Never another area.

mod signature;

pub use signature::{SIGNATURE_HEADER, signature_header};

use std::time::{Duration, Instant};

use jiff::Timestamp;
use rand::seq::SliceRandom;
use roster_domain::{
    DeliveryOutcome, EVENTS_PER_DELIVERY, MAX_CONSECUTIVE_FAILURES, SiteId, Webhook,
    WebhookDelivery, retry_delay,
};
use roster_store::{HistoryRepo, SiteRepo, Transaction, WebhookRepo};
use serde::Serialize;

use crate::events::HistoryEntryView;
use crate::webhook_sender::WebhookRequest;
use crate::{Context, InternalError};

/// Batches one webhook is sent in one run at most: a backlog drains over
/// several runs rather than holding the job.
const BATCHES_PER_RUN: usize = 20;
/// No further batch for a webhook once it has had this long in a run, and
/// no further webhook once the run has had [`RUN_BUDGET`]: a slow receiver
/// (each POST may take `DELIVERY_TIMEOUT`) delays the others, and the jobs
/// after this one, by seconds, not by its backlog. The due webhooks are
/// taken in random order, so the budget favours none of them.
const WEBHOOK_BUDGET: Duration = Duration::from_secs(10);
const RUN_BUDGET: Duration = Duration::from_secs(30);

/// The store capabilities the webhooks area uses.
pub(crate) trait WebhooksTx: Transaction + WebhookRepo + HistoryRepo + SiteRepo {}

impl<T> WebhooksTx for T where T: Transaction + WebhookRepo + HistoryRepo + SiteRepo {}

/// What one run did.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct WebhookReport {
    /// Webhooks that had entries to deliver.
    pub webhooks: usize,
    /// Entries the receivers accepted.
    pub events_delivered: u64,
    /// Deliveries that got no 2xx (to be retried).
    pub failed: u64,
    /// Webhooks switched off after failing too often.
    pub switched_off: Vec<String>,
    /// Due webhooks left for the next run when this one's time was up.
    pub deferred: usize,
}

/// The body of one delivery.
#[derive(Debug, Serialize)]
struct DeliveryBody<'a> {
    webhook_id: &'a str,
    site: &'a str,
    /// The last entry delivered before these. The first event's `seq` is
    /// one more, unless the entries between were deleted by the site's
    /// history retention while the webhook was switched off: a receiver
    /// sees the gap.
    previous_seq: i64,
    events: &'a [HistoryEntryView],
}

pub struct Webhooks<'a> {
    ctx: &'a Context,
}

impl<'a> Webhooks<'a> {
    pub(crate) fn new(ctx: &'a Context) -> Self {
        Self { ctx }
    }

    async fn read(&self) -> Result<impl WebhooksTx, InternalError> {
        Ok(self.ctx.store.read().await?)
    }

    async fn write(&self) -> Result<impl WebhooksTx, InternalError> {
        Ok(self.ctx.store.write().await?)
    }

    /// Delivers what is waiting for every webhook that is due now.
    pub async fn run_due(&self) -> Result<WebhookReport, InternalError> {
        let mut due = self.read().await?.webhooks_due(self.ctx.clock.now()).await?;
        due.shuffle(&mut rand::rng());
        let mut report = WebhookReport::default();
        let started = Instant::now();
        for webhook in due {
            if started.elapsed() >= RUN_BUDGET {
                report.deferred += 1;
                continue;
            }
            report.webhooks += 1;
            self.drain(webhook, &mut report).await?;
        }
        Ok(report)
    }

    /// Sends `webhook` its waiting entries, batch after batch, until none
    /// are left, one fails, or the run's share is used.
    async fn drain(
        &self,
        webhook: Webhook,
        report: &mut WebhookReport,
    ) -> Result<(), InternalError> {
        let mut webhook = webhook;
        let Some(site) = self.read().await?.site_by_id(&webhook.site_id).await? else {
            return Ok(());
        };
        let site = site.slug.to_string();
        let started = Instant::now();
        for _ in 0..BATCHES_PER_RUN {
            if started.elapsed() >= WEBHOOK_BUDGET {
                return Ok(());
            }
            let events = self
                .read()
                .await?
                .history_after(&webhook.site_id, webhook.delivered_seq, EVENTS_PER_DELIVERY)
                .await?;
            let (Some(first), Some(last)) = (events.first(), events.last()) else {
                // Due, yet nothing to read: retention deleted what waited.
                return self.skip_deleted(&webhook).await;
            };
            let (first_seq, last_seq) = (first.seq, last.seq);
            let events: Vec<HistoryEntryView> = events.into_iter().map(Into::into).collect();
            let body = serde_json::to_string(&DeliveryBody {
                webhook_id: &webhook.id,
                site: &site,
                previous_seq: webhook.delivered_seq,
                events: &events,
            })
            .map_err(|err| InternalError::Corrupt {
                what: "a webhook body",
                detail: err.to_string(),
            })?;
            let delivery_id = uuid::Uuid::new_v4().to_string();
            let now = self.ctx.clock.now();
            let request = WebhookRequest {
                headers: vec![
                    ("roster-webhook-id", webhook.id.clone()),
                    ("roster-delivery-id", delivery_id.clone()),
                    (
                        SIGNATURE_HEADER,
                        signature_header(&webhook.signing_secrets(now), now.as_second(), &body),
                    ),
                ],
                body,
            };
            let started = Instant::now();
            let answer = self.ctx.webhooks.post(&webhook.url, request).await;
            let took = started.elapsed();
            let duration_ms = u32::try_from(took.as_millis()).unwrap_or(u32::MAX);
            let (status, error) = match answer {
                Ok(status) if (200..300).contains(&status) => (Some(status), None),
                Ok(status) => (Some(status), Some(format!("the receiver answered HTTP {status}"))),
                Err(err) => (None, Some(err.to_string())),
            };
            let attempt = WebhookDelivery {
                id: delivery_id,
                webhook_id: webhook.id.clone(),
                at: now,
                first_seq,
                last_seq,
                attempt: webhook.failures + 1,
                status,
                outcome: DeliveryOutcome::Delivered,
                error,
                duration_ms,
            };
            let Some((updated, outcome)) = self.record(&webhook.site_id, attempt, now).await?
            else {
                return Ok(());
            };
            crate::metrics::webhook_delivery(outcome, took);
            webhook = updated;
            if webhook.failures == 0 {
                report.events_delivered += u64::try_from(events.len()).unwrap_or(u64::MAX);
            } else {
                report.failed += 1;
                if !webhook.enabled {
                    report.switched_off.push(webhook.id.clone());
                }
                return Ok(());
            }
            if !webhook.enabled {
                // Switched off by an administrator while this run sent.
                return Ok(());
            }
        }
        Ok(())
    }

    /// Moves a webhook past entries that no longer exist, so that it is
    /// not due again for nothing.
    async fn skip_deleted(&self, webhook: &Webhook) -> Result<(), InternalError> {
        let mut tx = self.write().await?;
        let Some(mut current) = tx.lock_webhook(&webhook.site_id, &webhook.id).await? else {
            return Ok(());
        };
        let last = tx.last_history_seq(&current.site_id).await?;
        if current.delivered_seq < last
            && tx.history_after(&current.site_id, current.delivered_seq, 1).await?.is_empty()
        {
            current.delivered_seq = last;
            tx.update_webhook(&current).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records an attempt and moves the webhook on: past the entries on
    /// success, to a later retry (or off) on failure. Reads the webhook
    /// again in the transaction, so an administrator's change made while
    /// the POST was under way is kept. `None`: it was deleted meanwhile.
    async fn record(
        &self,
        site: &SiteId,
        mut attempt: WebhookDelivery,
        now: Timestamp,
    ) -> Result<Option<(Webhook, DeliveryOutcome)>, InternalError> {
        let mut tx = self.write().await?;
        let Some(mut webhook) = tx.lock_webhook(site, &attempt.webhook_id).await? else {
            return Ok(None);
        };
        if attempt.error.is_none() {
            webhook.delivered_seq = webhook.delivered_seq.max(attempt.last_seq);
            webhook.failures = 0;
            webhook.retry_at = None;
        } else {
            webhook.failures = webhook.failures.saturating_add(1);
            webhook.retry_at = Some(now + retry_delay(webhook.failures));
            attempt.outcome = DeliveryOutcome::of_failure(webhook.failures);
            if attempt.outcome == DeliveryOutcome::GaveUp {
                webhook.enabled = false;
                webhook.disabled_reason = Some(format!(
                    "switched off after {MAX_CONSECUTIVE_FAILURES} failed deliveries in a row; \
                     the last: {}",
                    attempt.error.as_deref().unwrap_or("no answer")
                ));
            }
        }
        tx.insert_webhook_delivery(&attempt).await?;
        tx.update_webhook(&webhook).await?;
        tx.commit().await?;
        Ok(Some((webhook, attempt.outcome)))
    }
}
