//! The domain model of roster and its pure provisioning policy.
//!
//! Everything here is pure: no I/O, no clock, no randomness. Time and fresh
//! identifiers come in as arguments, so every rule is proven by fast table
//! tests. Constrained strings are newtypes built by `parse` (STYLE rule 2):
//! a function that takes a [`Username`] never has to check it again.

mod error;
mod fingerprint;
mod group;
pub mod history;
mod ids;
mod lifecycle_rule;
mod manual;
mod names;
mod patterns;
pub mod policy;
mod provider;
mod scim_refusal;
mod secret;
mod setup_link;
mod site;
mod time_zone;
mod user;
mod webhook;

pub use error::InvalidValue;
pub use fingerprint::CertificateFingerprint;
pub use group::{Group, Membership};
pub use ids::{AdminKeyId, GroupId, ProviderId, SiteId, UserId};
pub use lifecycle_rule::{LifecycleRule, MAX_INACTIVE_DAYS, RuleAction, RuleAuthMethod};
pub use manual::{
    ManualChangeRefused, ensure_manual_group_changes_allowed, ensure_manual_user_changes_allowed,
    ensure_password_admin_remains,
};
pub use names::{AttributeName, DisplayText, Email, GroupName, ProviderName, SiteSlug, Username};
pub use patterns::{GroupPattern, GroupPatternList};
pub use provider::{
    AttributeNames, DeprovisioningMethod, HttpUrl, LdapSecurity, LdapServerType, LdapSettings,
    NameIdSource, PresentedCredential, Provider, ProviderKind, ProviderRefusal,
    ProvisioningOptions, SamlSignIn, SamlTrust, ScimAuth, ScimSettings, UsernameAttribute,
};
pub use scim_refusal::ScimRefusal;
pub use secret::Secret;
pub use setup_link::{
    DEFAULT_LINK_LIFETIME, LinkLifetime, LinkState, MAX_LINK_LIFETIME, MIN_LINK_LIFETIME, SetupLink,
};
pub use site::{RetentionDays, Site};
pub use time_zone::TimeZoneName;
pub use user::{
    AuthMethod, Permissions, ProvisionedBy, ProvisioningMethod, Roles, TwoFactor, User,
};
pub use webhook::{
    DeliveryOutcome, EVENTS_PER_DELIVERY, MAX_CONSECUTIVE_FAILURES, Webhook, WebhookDelivery,
    WebhookUrl, retry_delay,
};
