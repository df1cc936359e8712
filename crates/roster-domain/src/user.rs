//! Users and the vocabulary that describes them (SPEC §1).

use jiff::Timestamp;

use crate::policy::{GrantState, ProvisioningState};
use crate::{DisplayText, Email, InvalidValue, ProviderId, SiteId, TimeZoneName, UserId, Username};

/// How a user signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMethod {
    /// A password stored by the application.
    Password,
    /// Single sign-on through one SSO provider of the user's site.
    Sso(ProviderId),
}

/// Where a user record came from. `provider` names the SSO provider for the
/// automatic methods; it is cleared when that provider is deleted, while the
/// method stays for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisionedBy {
    pub method: ProvisioningMethod,
    pub provider: Option<ProviderId>,
}

impl ProvisionedBy {
    pub fn manual() -> Self {
        Self { method: ProvisioningMethod::Manual, provider: None }
    }
}

/// The interface that created a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProvisioningMethod {
    Manual,
    Scim,
    Jit,
    Ldap,
}

impl ProvisioningMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Scim => "scim",
            Self::Jit => "jit",
            Self::Ldap => "ldap",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        match raw {
            "manual" => Ok(Self::Manual),
            "scim" => Ok(Self::Scim),
            "jit" => Ok(Self::Jit),
            "ldap" => Ok(Self::Ldap),
            other => {
                Err(InvalidValue::new(format!("{other:?} is not one of manual, scim, jit, ldap")))
            }
        }
    }
}

/// Administrative roles a user holds in its site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Roles {
    pub site_admin: bool,
    pub readonly_site_admin: bool,
}

/// Which file-transfer protocols a user may use besides the web interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Permissions {
    pub webdav: bool,
    pub ftp: bool,
    pub sftp: bool,
}

/// A two-factor authentication requirement: for a user or a provider,
/// follow the site's policy or override it; for a site, `Always` or `Never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TwoFactor {
    SitePolicy,
    Always,
    Never,
}

impl TwoFactor {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SitePolicy => "site_policy",
            Self::Always => "always",
            Self::Never => "never",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        match raw {
            "site_policy" => Ok(Self::SitePolicy),
            "always" => Ok(Self::Always),
            "never" => Ok(Self::Never),
            other => Err(InvalidValue::new(format!(
                "{other:?} is not one of site_policy, always, never"
            ))),
        }
    }

    /// Whether a user with this rule signs in with a second factor, on a
    /// site whose policy is `site_policy`.
    pub fn required(self, site_policy: TwoFactor) -> bool {
        match self {
            Self::Always => true,
            Self::Never => false,
            // A site's policy never defers (see `parse_site_policy`); one
            // that somehow did asks for nothing.
            Self::SitePolicy => site_policy == Self::Always,
        }
    }

    /// A site's own policy cannot defer to itself.
    pub fn parse_site_policy(raw: &str) -> Result<Self, InvalidValue> {
        match Self::parse(raw)? {
            Self::SitePolicy => Err(InvalidValue::new("a site's policy must be always or never")),
            policy => Ok(policy),
        }
    }
}

/// A user of one site with every attribute of SPEC §1.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub site_id: SiteId,
    pub username: Username,
    pub full_name: Option<DisplayText>,
    pub first_name: Option<DisplayText>,
    pub last_name: Option<DisplayText>,
    pub display_name: Option<DisplayText>,
    pub email: Option<Email>,
    pub company: Option<DisplayText>,
    pub time_zone: Option<TimeZoneName>,
    pub enabled: bool,
    pub auth_method: AuthMethod,
    pub roles: Roles,
    pub two_factor: TwoFactor,
    pub permissions: Permissions,
    pub external_id: Option<String>,
    pub provisioned_by: ProvisionedBy,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub last_login_at: Option<Timestamp>,
    /// Whether the application sees the user (SPEC §4 group filters) and
    /// whether its source still manages it.
    pub state: ProvisioningState,
    /// What the provider's role mappings granted, to take back exactly that.
    pub grants: GrantState,
    /// The PHC string (Argon2id) of the user's password, if one was set.
    pub password_hash: Option<String>,
}

impl User {
    /// A new, enabled, password-authenticated user with no roles and no
    /// optional attributes: the base that every creation path fills in.
    pub fn new(id: UserId, site_id: SiteId, username: Username, now: Timestamp) -> Self {
        Self {
            id,
            site_id,
            username,
            full_name: None,
            first_name: None,
            last_name: None,
            display_name: None,
            email: None,
            company: None,
            time_zone: None,
            enabled: true,
            auth_method: AuthMethod::Password,
            roles: Roles::default(),
            two_factor: TwoFactor::SitePolicy,
            permissions: Permissions::default(),
            external_id: None,
            provisioned_by: ProvisionedBy::manual(),
            created_at: now,
            updated_at: now,
            last_login_at: None,
            state: ProvisioningState::Active,
            grants: GrantState::default(),
            password_hash: None,
        }
    }

    /// An enabled site admin who signs in with a password: the kind of user
    /// that must always remain (SPEC §3).
    pub fn is_password_site_admin(&self) -> bool {
        self.enabled && self.roles.site_admin && self.auth_method == AuthMethod::Password
    }
}
