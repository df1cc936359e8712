//! Webhooks (SPEC §7): a site's history entries POSTed to a URL of the
//! application beside roster, in order, each batch signed. Pure: which
//! URLs are accepted, how long to wait after a failed delivery, and when
//! a webhook that keeps failing is switched off.

use jiff::{SignedDuration, Timestamp};

use crate::{InvalidValue, Secret, SiteId};

/// The most entries one delivery carries.
pub const EVENTS_PER_DELIVERY: u32 = 100;

/// Consecutive failed deliveries after which a webhook is switched off:
/// with [`retry_delay`] they span about a day, so a receiver that is down
/// for a night catches up, and one that is gone stops being called. The
/// entries stay in the history log; switched back on, the webhook resumes
/// where it stopped.
pub const MAX_CONSECUTIVE_FAILURES: u32 = 30;

/// The longest wait between two attempts.
const MAX_RETRY_DELAY: SignedDuration = SignedDuration::from_hours(1);

/// How long to wait after the `failures`-th consecutive failure: 10
/// seconds, doubling each time, at most an hour.
pub fn retry_delay(failures: u32) -> SignedDuration {
    let doublings = failures.saturating_sub(1).min(16);
    let delay = SignedDuration::from_secs(10 * (1_i64 << doublings));
    delay.min(MAX_RETRY_DELAY)
}

/// Where a webhook is delivered: an absolute `https://` URL, or `http://`
/// where the operator allows plain HTTP (a receiver on a private network,
/// tests). No user name or password in the URL (the body is signed
/// instead) and no fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    pub fn parse(raw: &str, allow_plain_http: bool) -> Result<Self, InvalidValue> {
        let rest = match (raw.strip_prefix("https://"), raw.strip_prefix("http://")) {
            (Some(rest), _) => rest,
            (None, Some(rest)) if allow_plain_http => rest,
            (None, Some(_)) => {
                return Err(InvalidValue::new(
                    "must be an https:// URL (plain http:// only where the operator allows \
                     private destinations with --webhook-allow-private)",
                ));
            }
            (None, None) => return Err(InvalidValue::new("must be an absolute https:// URL")),
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.is_empty() || raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(InvalidValue::new(
                "must be an absolute URL with a host and no white space",
            ));
        }
        if authority.contains('@') {
            return Err(InvalidValue::new(
                "must not carry a user name or password; receivers check the signature instead",
            ));
        }
        if raw.contains('#') {
            return Err(InvalidValue::new("must not have a #fragment"));
        }
        if raw.len() > 2048 {
            return Err(InvalidValue::new("must be at most 2048 characters long"));
        }
        Ok(Self(raw.to_owned()))
    }

    /// A stored URL, trusted as it was checked when saved.
    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_plain_http(&self) -> bool {
        self.0.starts_with("http://")
    }
}

impl Webhook {
    /// The secrets that sign a delivery at `now`: the current one, and the
    /// previous one during its overlap.
    pub fn signing_secrets(&self, now: Timestamp) -> Vec<&str> {
        let mut secrets = vec![self.secret.expose()];
        if let (Some(previous), Some(until)) = (&self.previous_secret, self.previous_secret_until)
            && now < until
        {
            secrets.push(previous.expose());
        }
        secrets
    }
}

/// A webhook and where its deliveries stand.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub id: String,
    pub site_id: SiteId,
    pub url: WebhookUrl,
    /// What the receiver checks signatures with; shown once, at creation
    /// and at each rotation.
    pub secret: Secret,
    /// The secret before the last rotation, which signs deliveries too
    /// until `previous_secret_until`, so that receivers can switch over.
    pub previous_secret: Option<Secret>,
    pub previous_secret_until: Option<Timestamp>,
    pub description: Option<String>,
    pub enabled: bool,
    /// The `seq` of the last history entry the receiver accepted: the
    /// next delivery starts after it.
    pub delivered_seq: i64,
    /// Failed attempts since the last accepted delivery.
    pub failures: u32,
    /// No attempt before this time (after a failure).
    pub retry_at: Option<Timestamp>,
    /// Why the webhook was switched off, when roster did it.
    pub disabled_reason: Option<String>,
    pub created_at: Timestamp,
}

/// How one attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The receiver answered 2xx.
    Delivered,
    /// It answered otherwise, or not at all; the attempt will be repeated.
    Failed,
    /// It failed [`MAX_CONSECUTIVE_FAILURES`] times in a row and the
    /// webhook was switched off.
    GaveUp,
}

impl DeliveryOutcome {
    pub const ALL: [Self; 3] = [Self::Delivered, Self::Failed, Self::GaveUp];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::GaveUp => "gave_up",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|outcome| outcome.as_str() == raw)
    }

    /// The outcome of a failed attempt that made `failures` in a row.
    pub fn of_failure(failures: u32) -> Self {
        if failures >= MAX_CONSECUTIVE_FAILURES { Self::GaveUp } else { Self::Failed }
    }
}

/// One attempt to deliver entries `first_seq..=last_seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    pub id: String,
    pub webhook_id: String,
    pub at: Timestamp,
    pub first_seq: i64,
    pub last_seq: i64,
    /// 1 for the first attempt at these entries, then 2, 3 ...
    pub attempt: u32,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    pub outcome: DeliveryOutcome,
    /// Why it failed, in words.
    pub error: Option<String>,
    pub duration_ms: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_https_unless_plain_http_is_allowed() {
        assert!(WebhookUrl::parse("https://app.example.com/hooks/roster", false).is_ok());
        assert!(WebhookUrl::parse("https://app.example.com:8443/h?x=1", false).is_ok());
        let plain = WebhookUrl::parse("http://10.0.0.5/hook", false).unwrap_err();
        assert!(plain.0.contains("--webhook-allow-private"), "{plain:?}");
        assert!(WebhookUrl::parse("http://10.0.0.5/hook", true).unwrap().is_plain_http());
        for bad in [
            "",
            "app.example.com/hook",
            "ftp://app.example.com/hook",
            "https://",
            "https:///path",
            "https://app.example.com/a b",
            "https://user:pass@app.example.com/hook",
            "https://app.example.com/hook#part",
            "https://app.example.com/\n",
        ] {
            assert!(WebhookUrl::parse(bad, true).is_err(), "{bad:?} was accepted");
        }
        let long = format!("https://app.example.com/{}", "a".repeat(2048));
        assert!(WebhookUrl::parse(&long, false).is_err());
    }

    #[test]
    fn retries_back_off_to_an_hour() {
        assert_eq!(retry_delay(1), SignedDuration::from_secs(10));
        assert_eq!(retry_delay(2), SignedDuration::from_secs(20));
        assert_eq!(retry_delay(5), SignedDuration::from_secs(160));
        assert_eq!(retry_delay(10), SignedDuration::from_hours(1));
        assert_eq!(retry_delay(u32::MAX), SignedDuration::from_hours(1));
        // Until it gives up, the waits add up to about a day.
        let total =
            (1..MAX_CONSECUTIVE_FAILURES).map(retry_delay).fold(SignedDuration::ZERO, |a, b| a + b);
        assert!(total > SignedDuration::from_hours(20) && total < SignedDuration::from_hours(26));
    }

    #[test]
    fn the_last_failure_gives_up() {
        assert_eq!(DeliveryOutcome::of_failure(1), DeliveryOutcome::Failed);
        assert_eq!(
            DeliveryOutcome::of_failure(MAX_CONSECUTIVE_FAILURES - 1),
            DeliveryOutcome::Failed
        );
        assert_eq!(DeliveryOutcome::of_failure(MAX_CONSECUTIVE_FAILURES), DeliveryOutcome::GaveUp);
        for outcome in DeliveryOutcome::ALL {
            assert_eq!(DeliveryOutcome::parse(outcome.as_str()), Some(outcome));
        }
    }
}
