//! Sites: one customer organisation each. Everything else belongs to one.

use jiff::Timestamp;

use crate::{DisplayText, HttpUrl, InvalidValue, SiteId, SiteSlug, TwoFactor};

/// A site (tenant) and its site-wide settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub id: SiteId,
    pub slug: SiteSlug,
    pub name: DisplayText,
    /// "Allow manual creation, editing and deletion of users outside SSO
    /// based provisioning" (SPEC §3); on by default.
    pub allow_manual_users: bool,
    /// The same for groups; on by default.
    pub allow_manual_groups: bool,
    /// Whether users must use two-factor authentication. Only
    /// [`TwoFactor::Always`] and [`TwoFactor::Never`] make sense here; a
    /// user's or provider's [`TwoFactor::SitePolicy`] refers to this value.
    pub two_factor: TwoFactor,
    /// Where people go after signing in, with a one-time ticket the
    /// application redeems (SPEC §5); none: roster shows who signed in.
    pub application_url: Option<HttpUrl>,
    /// How long the site's SCIM request logs are kept (SPEC §7).
    pub scim_log_retention: RetentionDays,
    /// How long the site's history log is kept (SPEC §7).
    pub history_retention: RetentionDays,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Site {
    /// A new site with the documented defaults: manual management of users
    /// and groups allowed, two-factor authentication not required.
    pub fn new(id: SiteId, slug: SiteSlug, name: DisplayText, now: Timestamp) -> Self {
        Self {
            id,
            slug,
            name,
            allow_manual_users: true,
            allow_manual_groups: true,
            two_factor: TwoFactor::Never,
            application_url: None,
            scim_log_retention: RetentionDays::SCIM_LOG_DEFAULT,
            history_retention: RetentionDays::HISTORY_DEFAULT,
            created_at: now,
            updated_at: now,
        }
    }
}

/// A retention period in whole days: at least a day, at most ten years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RetentionDays(u16);

impl RetentionDays {
    pub const MIN: u16 = 1;
    pub const MAX: u16 = 3650;
    /// SCIM logs are kept 90 days unless the site says otherwise.
    pub const SCIM_LOG_DEFAULT: Self = Self(90);
    /// The history log is kept a year unless the site says otherwise.
    pub const HISTORY_DEFAULT: Self = Self(365);

    pub fn parse(days: i64) -> Result<Self, InvalidValue> {
        u16::try_from(days)
            .ok()
            .filter(|days| (Self::MIN..=Self::MAX).contains(days))
            .map(Self)
            .ok_or_else(|| {
                InvalidValue::new(format!(
                    "{days} is not a number of days from {} to {}",
                    Self::MIN,
                    Self::MAX
                ))
            })
    }

    pub fn days(self) -> u16 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_days_are_bounded() {
        assert_eq!(RetentionDays::parse(1).map(RetentionDays::days).ok(), Some(1));
        assert_eq!(RetentionDays::parse(3650).map(RetentionDays::days).ok(), Some(3650));
        for bad in [0, -1, 3651, 70_000, i64::MAX] {
            assert!(RetentionDays::parse(bad).is_err(), "{bad}");
        }
    }
}
