//! Set-up links: a time-limited, revocable link that lets a customer's IT
//! administrator configure one SSO provider of one site (its SAML trust,
//! its SCIM credential) without access to anything else. Pure: how long a
//! link may live, and whether a stored link can be used at a given time.
//! The secret of a link is stored only as a hash; this record never holds
//! it.

use jiff::{SignedDuration, Timestamp};

use crate::{InvalidValue, ProviderId, SiteId};

/// How long a link lives when its creator does not say: a week, time
/// enough for the customer to find the right person.
pub const DEFAULT_LINK_LIFETIME: SignedDuration = SignedDuration::from_hours(7 * 24);
/// The shortest lifetime: less would expire before anyone reads the mail.
pub const MIN_LINK_LIFETIME: SignedDuration = SignedDuration::from_hours(1);
/// The longest lifetime: a link is a bearer credential, so it must not
/// outlive the set-up it was made for.
pub const MAX_LINK_LIFETIME: SignedDuration = SignedDuration::from_hours(30 * 24);

/// A link's lifetime, between [`MIN_LINK_LIFETIME`] and
/// [`MAX_LINK_LIFETIME`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkLifetime(SignedDuration);

impl LinkLifetime {
    pub fn new(duration: SignedDuration) -> Result<Self, InvalidValue> {
        if duration < MIN_LINK_LIFETIME || duration > MAX_LINK_LIFETIME {
            return Err(InvalidValue::new(
                "must be between 1h and 30d, such as 24h or 7d (the default)",
            ));
        }
        Ok(Self(duration))
    }

    /// [`DEFAULT_LINK_LIFETIME`].
    pub fn standard() -> Self {
        Self(DEFAULT_LINK_LIFETIME)
    }

    pub fn get(self) -> SignedDuration {
        self.0
    }
}

/// Whether a link can be used now, and if not, why. Callers outside the
/// admin API must not tell the reasons apart (see the admin area).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    Usable,
    Expired,
    Revoked,
}

impl LinkState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Usable => "usable",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }
}

/// A set-up link as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupLink {
    pub id: String,
    pub site_id: SiteId,
    pub provider_id: ProviderId,
    /// The SHA-256 of the secret the link's URL carries.
    pub secret_hash: String,
    pub description: Option<String>,
    /// Who made it, as the history log names actors (`operator`,
    /// `site_key`, `user:<id>`).
    pub created_by: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    /// When the link was last exchanged for a set-up session.
    pub last_opened_at: Option<Timestamp>,
}

impl SetupLink {
    /// The link's state at `now`. A revoked link stays revoked after its
    /// expiry: revocation is what an administrator did, so it is shown.
    pub fn state(&self, now: Timestamp) -> LinkState {
        if self.revoked_at.is_some() {
            LinkState::Revoked
        } else if now >= self.expires_at {
            LinkState::Expired
        } else {
            LinkState::Usable
        }
    }

    pub fn is_usable(&self, now: Timestamp) -> bool {
        self.state(now) == LinkState::Usable
    }

    /// How long the link still works; zero once it does not.
    pub fn remaining(&self, now: Timestamp) -> SignedDuration {
        if self.is_usable(now) { self.expires_at.duration_since(now) } else { SignedDuration::ZERO }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(now: Timestamp) -> SetupLink {
        SetupLink {
            id: "l1".into(),
            site_id: SiteId::from_raw("s1"),
            provider_id: ProviderId::from_raw("p1"),
            secret_hash: "hash".into(),
            description: None,
            created_by: "operator".into(),
            created_at: now,
            expires_at: now + DEFAULT_LINK_LIFETIME,
            revoked_at: None,
            last_opened_at: None,
        }
    }

    #[test]
    fn lifetimes_are_between_an_hour_and_thirty_days() {
        assert_eq!(LinkLifetime::standard().get(), SignedDuration::from_hours(168));
        assert!(LinkLifetime::new(SignedDuration::from_hours(1)).is_ok());
        assert!(LinkLifetime::new(SignedDuration::from_hours(720)).is_ok());
        for bad in [
            SignedDuration::ZERO,
            SignedDuration::from_mins(59),
            SignedDuration::from_hours(721),
            SignedDuration::from_hours(90 * 24),
            SignedDuration::from_hours(-1),
        ] {
            let err = LinkLifetime::new(bad).unwrap_err();
            assert!(err.0.contains("between 1h and 30d"), "{bad:?}: {err:?}");
        }
    }

    #[test]
    fn a_link_is_usable_until_it_expires_or_is_revoked() {
        let now: Timestamp = "2026-05-01T12:00:00Z".parse().unwrap();
        let mut link = link(now);
        assert_eq!(link.state(now), LinkState::Usable);
        assert_eq!(link.remaining(now), DEFAULT_LINK_LIFETIME);
        let last_second = link.expires_at - SignedDuration::from_secs(1);
        assert!(link.is_usable(last_second));
        assert_eq!(link.remaining(last_second), SignedDuration::from_secs(1));
        assert_eq!(link.state(link.expires_at), LinkState::Expired);
        assert_eq!(link.remaining(link.expires_at), SignedDuration::ZERO);
        link.revoked_at = Some(now);
        assert_eq!(link.state(now), LinkState::Revoked);
        assert_eq!(link.state(link.expires_at), LinkState::Revoked);
        assert!(!link.is_usable(now));
        assert_eq!(link.remaining(now), SignedDuration::ZERO);
        assert_eq!(LinkState::Expired.as_str(), "expired");
    }
}
