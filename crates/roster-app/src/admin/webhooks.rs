//! Webhooks as administrators set them (SPEC §7): where a site's history
//! entries are POSTed, the signing secret (shown once, rotated with an
//! overlap), switching a webhook off and on, and every delivery attempt
//! with its outcome. The webhooks area delivers.

use jiff::{SignedDuration, Timestamp};
use roster_domain::{Secret, Webhook, WebhookDelivery, WebhookUrl};
use roster_store::{HistoryRepo, Transaction, WebhookRepo};
use serde::{Deserialize, Serialize};

use super::input::{not_null, nullable, opaque_id, text};
use super::lookup::{changeable_site, visible_site};
use super::{Admin, AdminError};
use crate::webhook_sender::check_destination;
use crate::{Principal, secrets};
use utoipa::ToSchema;

/// The most webhooks a site may have: each is called for every change.
const MAX_WEBHOOKS: usize = 10;
/// The longest a previous secret keeps signing after a rotation.
const MAX_OVERLAP_HOURS: u32 = 168;
const DEFAULT_OVERLAP_HOURS: u32 = 24;
/// Delivery attempts one listing shows by default, and at most.
const DEFAULT_DELIVERIES: u32 = 50;
const MAX_DELIVERIES: u32 = 200;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    pub url: String,
    pub description: Option<String>,
    /// On unless false.
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub description: Option<Option<String>>,
    /// Switching a webhook back on clears its failures: it resumes at the
    /// first entry it has not delivered.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretRotation {
    /// Hours the old secret keeps signing beside the new one (0 to 168,
    /// default 24).
    pub overlap_hours: Option<u32>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub description: Option<String>,
    pub enabled: bool,
    /// Why roster switched it off.
    pub disabled_reason: Option<String>,
    /// The last history entry the receiver accepted.
    pub delivered_seq: i64,
    /// Failed attempts since the last accepted one.
    pub failures: u32,
    /// The next attempt, after a failure.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub retry_at: Option<Timestamp>,
    /// Until when the previous secret signs too, after a rotation.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub previous_secret_until: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<Webhook> for WebhookView {
    fn from(webhook: Webhook) -> Self {
        Self {
            id: webhook.id,
            url: webhook.url.as_str().to_owned(),
            description: webhook.description,
            enabled: webhook.enabled,
            disabled_reason: webhook.disabled_reason,
            delivered_seq: webhook.delivered_seq,
            failures: webhook.failures,
            retry_at: webhook.retry_at,
            previous_secret_until: webhook.previous_secret_until,
            created_at: webhook.created_at,
        }
    }
}

/// A webhook with its new secret, shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: WebhookView,
    #[serde(serialize_with = "Secret::serialize_exposed")]
    #[schema(value_type = String)]
    pub secret: Secret,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct DeliveryView {
    pub id: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    pub first_seq: i64,
    pub last_seq: i64,
    pub attempt: u32,
    pub status: Option<u16>,
    pub outcome: &'static str,
    pub error: Option<String>,
    pub duration_ms: u32,
}

impl From<WebhookDelivery> for DeliveryView {
    fn from(delivery: WebhookDelivery) -> Self {
        Self {
            id: delivery.id,
            at: delivery.at,
            first_seq: delivery.first_seq,
            last_seq: delivery.last_seq,
            attempt: delivery.attempt,
            status: delivery.status,
            outcome: delivery.outcome.as_str(),
            error: delivery.error,
            duration_ms: delivery.duration_ms,
        }
    }
}

/// A description, as every display text of the admin API is checked.
fn description(raw: Option<&str>) -> Result<Option<String>, AdminError> {
    Ok(text("description", raw)?.map(|text| text.as_str().to_owned()))
}

fn new_secret() -> Secret {
    Secret::new(secrets::generate("whsec_"))
}

impl Admin<'_> {
    /// The URL, if roster may deliver to it: checked as text, then as the
    /// HTTP client reads it (a port out of range, an address that is not
    /// public).
    fn webhook_url(&self, raw: &str) -> Result<WebhookUrl, AdminError> {
        let allow_private = self.ctx.config.webhook_allow_private;
        let url = WebhookUrl::parse(raw, allow_private)
            .map_err(|err| AdminError::invalid("url", err.0))?;
        check_destination(&url, allow_private).map_err(|err| AdminError::invalid("url", err.0))?;
        Ok(url)
    }

    /// A new webhook of the site; it receives the entries recorded from
    /// now on.
    pub async fn create_webhook(
        &self,
        who: &Principal,
        site: &str,
        input: WebhookInput,
    ) -> Result<WebhookWithSecret, AdminError> {
        let url = self.webhook_url(&input.url)?;
        let description = description(input.description.as_deref())?;
        let mut tx = self.write().await?;
        let site = changeable_site(&mut tx, who, site).await?;
        if tx.webhooks(&site.id).await?.len() >= MAX_WEBHOOKS {
            return Err(AdminError::invalid(
                "url",
                format!("a site has at most {MAX_WEBHOOKS} webhooks"),
            ));
        }
        let webhook = Webhook {
            id: uuid::Uuid::new_v4().to_string(),
            delivered_seq: tx.last_history_seq(&site.id).await?,
            site_id: site.id,
            url,
            secret: new_secret(),
            previous_secret: None,
            previous_secret_until: None,
            description,
            enabled: input.enabled.unwrap_or(true),
            failures: 0,
            retry_at: None,
            disabled_reason: None,
            created_at: self.now(),
        };
        tx.insert_webhook(&webhook).await?;
        tx.commit().await?;
        let secret = webhook.secret.clone();
        Ok(WebhookWithSecret { webhook: webhook.into(), secret })
    }

    pub async fn list_webhooks(
        &self,
        who: &Principal,
        site: &str,
    ) -> Result<Vec<WebhookView>, AdminError> {
        let mut tx = self.read().await?;
        let site = visible_site(&mut tx, who, site).await?;
        Ok(tx.webhooks(&site.id).await?.into_iter().map(Into::into).collect())
    }

    pub async fn get_webhook(
        &self,
        who: &Principal,
        site: &str,
        id: &str,
    ) -> Result<WebhookView, AdminError> {
        let mut tx = self.read().await?;
        let site = visible_site(&mut tx, who, site).await?;
        Ok(found(tx.webhook(&site.id, webhook_id(id)?).await?)?.into())
    }

    pub async fn update_webhook(
        &self,
        who: &Principal,
        site: &str,
        id: &str,
        patch: WebhookPatch,
    ) -> Result<WebhookView, AdminError> {
        let url = patch.url.as_deref().map(|raw| self.webhook_url(raw)).transpose()?;
        let new_description =
            patch.description.map(|raw| description(raw.as_deref())).transpose()?;
        let mut tx = self.write().await?;
        let site = changeable_site(&mut tx, who, site).await?;
        let mut webhook = found(tx.lock_webhook(&site.id, webhook_id(id)?).await?)?;
        if let Some(url) = url {
            webhook.url = url;
        }
        if let Some(description) = new_description {
            webhook.description = description;
        }
        match patch.enabled {
            Some(true) if !webhook.enabled => {
                webhook.enabled = true;
                webhook.failures = 0;
                webhook.retry_at = None;
                webhook.disabled_reason = None;
            }
            Some(false) => {
                webhook.enabled = false;
                webhook.disabled_reason = None;
            }
            Some(true) | None => {}
        }
        tx.update_webhook(&webhook).await?;
        tx.commit().await?;
        Ok(webhook.into())
    }

    pub async fn delete_webhook(
        &self,
        who: &Principal,
        site: &str,
        id: &str,
    ) -> Result<(), AdminError> {
        let mut tx = self.write().await?;
        let site = changeable_site(&mut tx, who, site).await?;
        if !tx.delete_webhook(&site.id, webhook_id(id)?).await? {
            return Err(AdminError::NotFound { what: "webhook" });
        }
        tx.commit().await?;
        Ok(())
    }

    /// A new signing secret; the old one signs beside it for the overlap,
    /// so that the receiver can be switched over without refusing a
    /// delivery.
    pub async fn rotate_webhook_secret(
        &self,
        who: &Principal,
        site: &str,
        id: &str,
        rotation: SecretRotation,
    ) -> Result<WebhookWithSecret, AdminError> {
        let hours = rotation.overlap_hours.unwrap_or(DEFAULT_OVERLAP_HOURS);
        if hours > MAX_OVERLAP_HOURS {
            return Err(AdminError::invalid(
                "overlap_hours",
                format!("must be between 0 and {MAX_OVERLAP_HOURS} (got {hours})"),
            ));
        }
        let mut tx = self.write().await?;
        let site = changeable_site(&mut tx, who, site).await?;
        let mut webhook = found(tx.lock_webhook(&site.id, webhook_id(id)?).await?)?;
        let old = std::mem::replace(&mut webhook.secret, new_secret());
        (webhook.previous_secret, webhook.previous_secret_until) = if hours == 0 {
            (None, None)
        } else {
            (Some(old), Some(self.now() + SignedDuration::from_hours(i64::from(hours))))
        };
        tx.update_webhook(&webhook).await?;
        tx.commit().await?;
        let secret = webhook.secret.clone();
        Ok(WebhookWithSecret { webhook: webhook.into(), secret })
    }

    /// A webhook's delivery attempts, newest first.
    pub async fn webhook_deliveries(
        &self,
        who: &Principal,
        site: &str,
        id: &str,
        limit: Option<u32>,
    ) -> Result<Vec<DeliveryView>, AdminError> {
        let limit = match limit.unwrap_or(DEFAULT_DELIVERIES) {
            limit @ 1..=MAX_DELIVERIES => limit,
            other => {
                return Err(AdminError::invalid(
                    "limit",
                    format!("must be between 1 and {MAX_DELIVERIES} (got {other})"),
                ));
            }
        };
        let mut tx = self.read().await?;
        let site = visible_site(&mut tx, who, site).await?;
        let webhook = found(tx.webhook(&site.id, webhook_id(id)?).await?)?;
        Ok(tx.webhook_deliveries(&webhook.id, limit).await?.into_iter().map(Into::into).collect())
    }
}

fn webhook_id(raw: &str) -> Result<&str, AdminError> {
    opaque_id(raw).ok_or(AdminError::NotFound { what: "webhook" })
}

fn found(webhook: Option<Webhook>) -> Result<Webhook, AdminError> {
    webhook.ok_or(AdminError::NotFound { what: "webhook" })
}
