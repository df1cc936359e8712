//! Delivering an alert to a site's administrators, once (SPEC §6, §8),
//! for the jobs and the sync alike.
//!
//! An alert has a key that names what it is about. It is claimed in the
//! store before the mail goes out (insert if absent, or take over a failed
//! try or a claim that ran out, in one statement), so that of several
//! instances one sends it; a delivered alert is never sent again, and a
//! failed one is sent again when its caller next meets it, or by
//! [`retry_failed`] (which the token-expiry job calls for the notices). Without an SMTP
//! server, or without a recipient, the alert is recorded as not sent.

use std::sync::atomic::Ordering;

use jiff::{SignedDuration, Timestamp};
use roster_domain::{ProviderId, SiteId};
use roster_store::{AlertClaim, AlertRecord, AlertStatus, MailAlertRepo, Transaction};
use serde::Serialize;

use crate::alert_mail::AlertText;
use crate::mailer::{OutgoingMail, is_address};
use crate::{Context, InternalError};

/// How long a claim holds: an instance killed while sending blocks the
/// alert no longer than this, and a send takes far less (its timeout is
/// 30 seconds).
const CLAIM: SignedDuration = SignedDuration::from_mins(10);

/// What an alert is, before it is claimed.
#[derive(Debug, Clone)]
pub(crate) struct Alert {
    pub site: SiteId,
    /// Unique in the site: the same key is one alert.
    pub key: String,
    pub kind: AlertKind,
    pub provider: ProviderId,
    pub text: AlertText,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AlertKind {
    ScimTokenExpiry,
    LdapSwitchedOff,
    SamlMetadataFailing,
}

impl AlertKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::ScimTokenExpiry => "scim_token_expiry",
            Self::LdapSwitchedOff => "ldap_switched_off",
            Self::SamlMetadataFailing => "saml_metadata_failing",
        }
    }
}

/// The most failed notices one call sends again.
const RETRY_BATCH: u64 = 100;

/// Sends again the notices of `kinds` whose last try failed, with the
/// subject and body they recorded: a one-off event (a switch-off) does not
/// come again to retry its own notice.
pub(crate) async fn retry_failed(
    ctx: &Context,
    kinds: &[AlertKind],
    now: Timestamp,
) -> Result<Vec<Delivery>, InternalError> {
    let mut failed = Vec::new();
    {
        let mut tx = ctx.store.read().await?;
        for kind in kinds {
            for record in tx.failed_mail_alerts(kind.as_str(), RETRY_BATCH).await? {
                failed.push((*kind, record));
            }
        }
    }
    let mut done = Vec::new();
    for (kind, record) in failed {
        let Some(provider) = record.provider_id else { continue };
        let alert = Alert {
            site: record.site_id,
            key: record.key,
            kind,
            provider,
            text: AlertText { subject: record.subject, text: record.body },
        };
        done.extend(deliver(ctx, &alert, now).await?);
    }
    Ok(done)
}

/// How one delivery ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertOutcome {
    /// The SMTP server took the message.
    Sent,
    /// The send failed; the alert is tried again at the next run.
    Failed,
    /// The site has no enabled administrator with an e-mail address.
    NoRecipient,
    /// Mail is not configured (no SMTP host).
    MailOff,
}

/// A delivery this instance made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Delivery {
    pub outcome: AlertOutcome,
    pub recipients: Vec<String>,
    pub subject: String,
    /// Why the send failed (`failed` only).
    pub error: Option<String>,
}

/// Claims `alert` and sends it: `None` when it was delivered before, or
/// another instance holds it now.
pub(crate) async fn deliver(
    ctx: &Context,
    alert: &Alert,
    now: Timestamp,
) -> Result<Option<Delivery>, InternalError> {
    let owner = uuid::Uuid::new_v4().to_string();
    let recipients = {
        let mut tx = ctx.store.write().await?;
        let recipients = recipients(&mut tx, &alert.site).await?;
        let record = AlertRecord {
            site_id: alert.site.clone(),
            key: alert.key.clone(),
            kind: alert.kind.as_str().to_owned(),
            provider_id: Some(alert.provider.clone()),
            status: AlertStatus::Sending,
            attempts: 1,
            recipients: recipients.join(", "),
            subject: alert.text.subject.clone(),
            body: alert.text.text.clone(),
            error: None,
            created_at: now,
            updated_at: now,
        };
        let until = now.saturating_add(CLAIM).unwrap_or(now);
        if !tx.claim_mail_alert(&record, AlertClaim { owner: &owner, now, until }).await? {
            return Ok(None);
        }
        tx.commit().await?;
        recipients
    };
    let mail = OutgoingMail::new(recipients.clone(), &alert.text.subject, alert.text.text.clone());
    let (outcome, error) = match (&ctx.mailer, recipients.is_empty()) {
        (None, _) => {
            if !ctx.mail_off_noted.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    "mail is off (no --smtp-host): alerts to administrators are recorded, not sent"
                );
            }
            (AlertOutcome::MailOff, None)
        }
        (Some(_), true) => {
            tracing::warn!(site = %alert.site, key = %alert.key, "an alert has no recipient: the site has no enabled administrator with an e-mail");
            (AlertOutcome::NoRecipient, None)
        }
        (Some(mailer), false) => match mailer.send(&mail).await {
            Ok(()) => (AlertOutcome::Sent, None),
            Err(err) => {
                tracing::warn!(site = %alert.site, key = %alert.key, error = %err, "an alert could not be sent; it is tried again at the next run");
                (AlertOutcome::Failed, Some(err.to_string()))
            }
        },
    };
    let status = match outcome {
        AlertOutcome::Sent => AlertStatus::Sent,
        AlertOutcome::Failed => AlertStatus::Failed,
        AlertOutcome::NoRecipient => AlertStatus::NoRecipient,
        AlertOutcome::MailOff => AlertStatus::MailOff,
    };
    let mut tx = ctx.store.write().await?;
    tx.finish_mail_alert(&alert.site, &alert.key, &owner, status, error.as_deref(), now).await?;
    tx.commit().await?;
    Ok(Some(Delivery { outcome, recipients, subject: mail.subject().to_owned(), error }))
}

/// The site's enabled administrators' addresses that are addresses (a
/// stored e-mail a mail server would refuse is left out and logged, so
/// that one bad address does not stop the others' alerts).
async fn recipients(
    tx: &mut (impl MailAlertRepo + Send),
    site: &SiteId,
) -> Result<Vec<String>, InternalError> {
    let mut out = Vec::new();
    for admin in tx.site_admin_recipients(site).await? {
        if is_address(&admin.email) {
            out.push(admin.email);
        } else {
            tracing::warn!(site = %site, user = %admin.username, "an administrator's e-mail is not an address; no alert goes to it");
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::mailer::RecordingMailer;
    use crate::{
        App, AppConfig, Clock, HttpMetadataClient, MetadataClientConfig, Principal, SystemClock,
    };

    /// An application on a fresh SQLite file whose mail goes to `mailer`,
    /// with a site `acme` administered by `ada`.
    async fn app(mailer: Arc<RecordingMailer>) -> (App, SiteId, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let config = roster_store::StoreConfig::Sqlite { path: dir.path().join("roster.db") };
        let store = roster_store::connect(&config).await.unwrap();
        let metadata = HttpMetadataClient::new(MetadataClientConfig { allow_private: false });
        let settings = AppConfig {
            public_url: None,
            scim_log: false,
            webhook_allow_private: false,
            webhook_ca_pem: None,
            token_expiry_alert_days: crate::AlertDays::standard(),
        };
        let context =
            Context::new(store, Arc::new(SystemClock), settings, Arc::new(metadata.unwrap()));
        let app = App::new(context.with_mailer(mailer));
        let operator = Principal::Operator;
        let site = app
            .admin()
            .create_site(&operator, serde_json::from_value(json!({ "slug": "acme" })).unwrap())
            .await
            .unwrap();
        let ada = json!({ "username": "ada", "email": "ada@acme.test", "site_admin": true });
        app.admin()
            .create_user(&operator, "acme", serde_json::from_value(ada).unwrap())
            .await
            .unwrap();
        (app, SiteId::from_raw(site.id), dir)
    }

    fn alert(site: &SiteId, key: &str) -> Alert {
        Alert {
            site: site.clone(),
            key: key.to_owned(),
            kind: AlertKind::ScimTokenExpiry,
            provider: ProviderId::from_raw("p1".to_owned()),
            text: AlertText { subject: "About\r\nsomething".into(), text: "Body.\n".into() },
        }
    }

    #[tokio::test]
    async fn an_alert_is_delivered_once_per_key() {
        let mailer = Arc::new(RecordingMailer::default());
        let (app, site, _dir) = app(mailer.clone()).await;
        let now = SystemClock.now();
        let first = deliver(&app.ctx, &alert(&site, "k1"), now).await.unwrap().unwrap();
        assert_eq!(first.outcome, AlertOutcome::Sent);
        assert_eq!(first.recipients, ["ada@acme.test"]);
        assert!(deliver(&app.ctx, &alert(&site, "k1"), now).await.unwrap().is_none());
        assert!(deliver(&app.ctx, &alert(&site, "k2"), now).await.unwrap().is_some());
        let sent = mailer.sent.lock().unwrap();
        assert_eq!(sent.len(), 2);
        assert_eq!(
            (sent[0].to.as_slice(), sent[0].subject()),
            (&["ada@acme.test".to_owned()][..], "About  something")
        );
    }
}
