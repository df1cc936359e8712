//! SCIM token-expiry alerts (SPEC §2, §8): before a provider's SCIM
//! credential expires, its site's administrators are mailed 30, 7 and 1
//! days ahead (or at the days the operator configured,
//! `--token-expiry-alert-days`), each once across instances (the shared
//! `alerts` module claims each alert in the store before sending).
//!
//! An alert belongs to one secret and one threshold: a reset makes a new
//! secret, which gets alerts of its own. A credential first seen past
//! several thresholds (created with a short expiry, or while the job did
//! not run) gets only the nearest one, not every one at once.
//!
//! The run also sends again the notices of other events whose send failed
//! (an LDAP switch-off happens once and cannot retry its own).

use jiff::{SignedDuration, Timestamp};
use roster_domain::ScimAuth;
use roster_store::{ExpiringCredential, MailAlertRepo};
use serde::Serialize;

use super::{JobError, Jobs};
use crate::alert_mail::{self, About};
use crate::alerts::{self, Alert, AlertKind, Delivery};
use crate::{AlertDays, Context, secrets};

/// The most credentials one run looks at; the rest wait for the next run.
const BATCH: u64 = 1000;

/// What one run did.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct TokenExpiryReport {
    /// Credentials within the furthest threshold of their expiry.
    pub checked: usize,
    /// The alerts this run delivered or tried (not those done before).
    pub alerts: Vec<TokenAlert>,
    /// Notices (LDAP switch-off, metadata failure) whose send had failed,
    /// tried again by this run.
    pub notices_retried: Vec<Delivery>,
}

/// One alert about one credential.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct TokenAlert {
    pub site: String,
    pub provider: String,
    pub provider_id: String,
    pub expires_at: Timestamp,
    /// The threshold: 30, 7 or 1 by default.
    pub days_before: i64,
    #[serde(flatten)]
    pub delivery: Delivery,
}

/// Sends the token-expiry alerts that are due at `now`.
pub async fn run_once(ctx: &Context, now: Timestamp) -> Result<TokenExpiryReport, JobError> {
    Jobs::new(ctx).alert_expiring_tokens(now).await
}

/// The nearest threshold that `now` has passed, if any: with 5 days left,
/// 7 (not 30, which the credential is past as well).
fn nearest_threshold(thresholds: &AlertDays, now: Timestamp, expires_at: Timestamp) -> Option<i64> {
    thresholds
        .days()
        .iter()
        .copied()
        .filter(|days| expires_at.duration_since(now) <= SignedDuration::from_hours(24 * days))
        .min()
}

impl Jobs<'_> {
    async fn alert_expiring_tokens(&self, now: Timestamp) -> Result<TokenExpiryReport, JobError> {
        let thresholds = &self.ctx.config.token_expiry_alert_days;
        let furthest = thresholds.days().iter().copied().max().unwrap_or(0);
        let horizon = now.saturating_add(SignedDuration::from_hours(24 * furthest)).unwrap_or(now);
        let expiring = {
            let mut tx = self.read().await?;
            tx.scim_credentials_expiring(now, horizon, BATCH).await?
        };
        let mut report = TokenExpiryReport {
            checked: expiring.len(),
            alerts: Vec::new(),
            notices_retried: Vec::new(),
        };
        for credential in expiring {
            let Some(days_before) = nearest_threshold(thresholds, now, credential.expires_at)
            else {
                continue;
            };
            let alert = self.token_alert(&credential, days_before, now);
            // Each alert is claimed and recorded on its own: one failed
            // send never holds up another site's alert.
            if let Some(delivery) = alerts::deliver(self.ctx, &alert, now).await? {
                report.alerts.push(TokenAlert {
                    site: credential.site_slug,
                    provider: credential.provider_name,
                    provider_id: credential.provider_id.as_str().to_owned(),
                    expires_at: credential.expires_at,
                    days_before,
                    delivery,
                });
            }
        }
        // The mail job of the schedule: the notices whose event does not
        // come again to retry them get their retry here.
        let notices = [AlertKind::LdapSwitchedOff, AlertKind::SamlMetadataFailing];
        report.notices_retried = alerts::retry_failed(self.ctx, &notices, now).await?;
        Ok(report)
    }

    fn token_alert(
        &self,
        credential: &ExpiringCredential,
        days_before: i64,
        now: Timestamp,
    ) -> Alert {
        let about = About {
            site_slug: &credential.site_slug,
            site_name: &credential.site_name,
            provider: &credential.provider_name,
        };
        // The secret's hash, hashed again: the alert names the secret
        // without storing anything that identifies it to a SCIM client.
        let secret = secrets::hash(&credential.secret_hash);
        let secret = secret.get(..16).unwrap_or(&secret);
        Alert {
            site: credential.site_id.clone(),
            key: format!(
                "scim-token-expiry:{}:{secret}:{days_before}d",
                credential.provider_id.as_str()
            ),
            kind: AlertKind::ScimTokenExpiry,
            provider: credential.provider_id.clone(),
            text: alert_mail::scim_token_expiry(
                about,
                credential.auth == ScimAuth::Basic,
                credential.expires_at,
                now,
                self.ctx.config.public_url.as_deref(),
                &self.ctx.config.token_expiry_alert_days,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_nearest_passed_threshold_counts() {
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let standard = AlertDays::standard();
        let left = |hours: i64| {
            let expires_at = now.checked_add(SignedDuration::from_hours(hours)).unwrap();
            nearest_threshold(&standard, now, expires_at)
        };
        assert_eq!(left(31 * 24), None);
        assert_eq!(left(30 * 24), Some(30));
        assert_eq!(left(8 * 24), Some(30));
        assert_eq!(left(7 * 24), Some(7));
        assert_eq!(left(5 * 24), Some(7));
        assert_eq!(left(24), Some(1));
        assert_eq!(left(1), Some(1));
    }

    #[test]
    fn configured_thresholds_parse_or_say_why_not() {
        assert_eq!(AlertDays::parse("30,7,1"), Ok(AlertDays::standard()));
        let custom = AlertDays::parse(" 3, 14 ").unwrap();
        assert_eq!(custom.days(), [14, 3], "furthest first");
        assert_eq!(custom.to_string(), "14,3");
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let expires_at = now.checked_add(SignedDuration::from_hours(24 * 10)).unwrap();
        assert_eq!(nearest_threshold(&custom, now, expires_at), Some(14));
        assert_eq!(nearest_threshold(&AlertDays::standard(), now, expires_at), Some(30));
        for (bad, why) in [
            ("", "\"\" is not"),
            ("0", "from 1 to 365"),
            ("366", "from 1 to 365"),
            ("7,-1", "\"-1\""),
            ("7,,1", "\"\" is not"),
            ("seven", "\"seven\""),
            ("7,7", "given twice"),
            ("1,2,3,4,5,6,7,8,9,10,11", "at most 10"),
        ] {
            let refused = AlertDays::parse(bad).unwrap_err();
            assert!(refused.contains(why), "{bad:?}: {refused}");
        }
    }
}
