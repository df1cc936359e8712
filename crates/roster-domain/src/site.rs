//! Sites: one customer organisation each. Everything else belongs to one.

use jiff::Timestamp;

use crate::{DisplayText, HttpUrl, SiteId, SiteSlug, TwoFactor};

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
            created_at: now,
            updated_at: now,
        }
    }
}
