//! User lifecycle rules (the seeds' "User Lifecycle Rules"): disable or
//! delete the users of a site who have not signed in for a number of
//! days, optionally only those of one provider or one authentication
//! method. Pure: which users a rule covers, and when.

use jiff::{SignedDuration, Timestamp};

use crate::policy::ProvisioningState;
use crate::{AuthMethod, ProviderId, SiteId, User};

/// What a rule does to the users it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleAction {
    Disable,
    Delete,
}

impl RuleAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Delete => "delete",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Disable, Self::Delete].into_iter().find(|action| action.as_str() == raw)
    }
}

/// Which way of signing in a rule is limited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleAuthMethod {
    Password,
    Sso,
}

impl RuleAuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::Sso => "sso",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Password, Self::Sso].into_iter().find(|method| method.as_str() == raw)
    }
}

/// The longest inactivity a rule may wait for: ten years.
pub const MAX_INACTIVE_DAYS: u32 = 3_650;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleRule {
    pub id: String,
    pub site_id: SiteId,
    pub action: RuleAction,
    /// 1 to [`MAX_INACTIVE_DAYS`].
    pub inactive_days: u32,
    /// Only users who sign in through this provider.
    pub provider: Option<ProviderId>,
    pub auth_method: Option<RuleAuthMethod>,
    pub created_at: Timestamp,
}

impl LifecycleRule {
    /// Users whose last sign-in (or creation, if they never signed in) is
    /// before this are inactive.
    pub fn inactive_before(&self, now: Timestamp) -> Timestamp {
        let days = i64::from(self.inactive_days.min(MAX_INACTIVE_DAYS));
        now.checked_sub(SignedDuration::from_hours(24 * days)).unwrap_or(Timestamp::MIN)
    }

    /// Whether the rule acts on `user` now. A pending user (outside its
    /// provider's filters) is not the application's; a disabled user is
    /// disabled already.
    pub fn covers(&self, user: &User, now: Timestamp) -> bool {
        let last_seen = user.last_login_at.unwrap_or(user.created_at);
        let inactive = last_seen < self.inactive_before(now);
        let provider = match (&self.provider, &user.auth_method) {
            (None, _) => true,
            (Some(wanted), AuthMethod::Sso(provider)) => wanted == provider,
            (Some(_), AuthMethod::Password) => false,
        };
        let method = matches!(
            (self.auth_method, &user.auth_method),
            (None, _)
                | (Some(RuleAuthMethod::Password), AuthMethod::Password)
                | (Some(RuleAuthMethod::Sso), AuthMethod::Sso(_))
        );
        let acts = match self.action {
            RuleAction::Disable => user.enabled,
            RuleAction::Delete => true,
        };
        inactive && provider && method && acts && user.state != ProvisioningState::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{UserId, Username};

    fn at(day: i64) -> Timestamp {
        Timestamp::from_second(day * 86_400).unwrap()
    }

    fn rule(action: RuleAction) -> LifecycleRule {
        LifecycleRule {
            id: "r1".into(),
            site_id: SiteId::from_raw("s1"),
            action,
            inactive_days: 30,
            provider: None,
            auth_method: None,
            created_at: at(0),
        }
    }

    fn user(created: i64, last_login: Option<i64>) -> User {
        let mut user = User::new(
            UserId::from_raw("u1"),
            SiteId::from_raw("s1"),
            Username::parse("ada").unwrap(),
            at(created),
        );
        user.last_login_at = last_login.map(at);
        user
    }

    #[test]
    fn inactivity_counts_from_the_last_sign_in_or_the_creation() {
        let rule = rule(RuleAction::Disable);
        let now = at(100);
        assert!(rule.covers(&user(0, Some(69)), now), "31 days");
        assert!(!rule.covers(&user(0, Some(71)), now), "29 days");
        assert!(rule.covers(&user(60, None), now), "created 40 days ago, never signed in");
        assert!(!rule.covers(&user(80, None), now), "created 20 days ago");
        let mut disabled = user(0, None);
        disabled.enabled = false;
        assert!(!rule.covers(&disabled, now), "already disabled");
        assert!(self::rule(RuleAction::Delete).covers(&disabled, now), "deleted all the same");
        let mut pending = user(0, None);
        pending.state = ProvisioningState::Pending;
        assert!(!rule.covers(&pending, now));
    }

    #[test]
    fn filters_narrow_by_provider_and_method() {
        let now = at(100);
        let okta = ProviderId::from_raw("okta");
        let mut sso = user(0, None);
        sso.auth_method = AuthMethod::Sso(okta.clone());
        let password = user(0, None);
        let mut only_okta = rule(RuleAction::Disable);
        only_okta.provider = Some(okta);
        assert!(only_okta.covers(&sso, now));
        assert!(!only_okta.covers(&password, now));
        let mut only_password = rule(RuleAction::Disable);
        only_password.auth_method = Some(RuleAuthMethod::Password);
        assert!(only_password.covers(&password, now));
        assert!(!only_password.covers(&sso, now));
        only_password.provider = Some(ProviderId::from_raw("other"));
        assert!(!only_password.covers(&password, now));
    }

    #[test]
    fn names_round_trip() {
        assert_eq!(RuleAction::parse("delete"), Some(RuleAction::Delete));
        assert_eq!(RuleAction::parse("Delete"), None);
        assert_eq!(RuleAuthMethod::parse("sso"), Some(RuleAuthMethod::Sso));
    }
}
