//! The provisioning policy of SPEC §4: what an SSO provider's options do to
//! the users and groups it provisions, as pure decisions.
//!
//! Every source of identities calls these same functions: SCIM requests
//! today, SAML just-in-time logins and LDAP syncs later. Each takes the
//! current state, what the source says and the provider's options, and
//! returns the state to store (or what to do), so the callers only load,
//! ask and write.
//!
//! Definitions (also in the README, "Provisioning options"):
//! - A user's *identity-provider groups* are the groups this provider
//!   manages that have the user as a member, whatever their scope.
//! - **Scope.** With `only_users_in_groups` set, a user is in scope when one
//!   of its identity-provider groups matches. A user out of scope is
//!   *pending*: stored, still managed by the identity provider (so that it
//!   can be found, updated and put into groups), but the application does
//!   not see it and it cannot sign in. It becomes visible the moment a group
//!   change puts it in scope, and pending again when it leaves every
//!   matching group: nothing about it is lost either way, and a filter that
//!   an administrator tightens by mistake is undone by loosening it. A
//!   group is in scope when `only_groups` is empty or matches it, and
//!   `exclude_groups` does not; a group out of scope is pending the same
//!   way (the identity provider keeps its memberships, which still count
//!   for users' scope and roles).
//! - **Roles** (site admin, read-only site admin, password login, group
//!   admin) follow the mapping in both directions, but only take away what
//!   the mapping gave: a role an administrator granted by hand stays.
//! - **Removal.** When the source removes a user (SCIM `DELETE`, absent at
//!   a sync) or deactivates it (`active: false`), `deprovision_users`
//!   decides whether anything happens and `deprovisioning_method` what.

mod lifecycle;
mod roles;
mod scope;
#[cfg(test)]
mod tests;

pub use lifecycle::{
    Deactivation, FirstLogin, Removal, first_login, member_change_applies, on_deactivated,
    on_removed, provisioned_defaults, source_attributes,
};
pub use roles::{GrantState, depends_on_memberships, evaluate_group_admin, evaluate_user};
pub use scope::{group_in_scope, user_in_scope};

use crate::InvalidValue;

/// Whether the application sees a provisioned user or group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProvisioningState {
    /// Provisioned: the application sees it.
    #[default]
    Active,
    /// Outside the provider's group filters: kept for the identity provider,
    /// invisible to the application.
    Pending,
    /// Removed by the source but kept by the options (disabled for audit, or
    /// left as it was): the application sees it, the source's SCIM client no
    /// longer does (RFC 7644 §3.6).
    Released,
}

impl ProvisioningState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Pending => "pending",
            Self::Released => "released",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        match raw {
            "active" => Ok(Self::Active),
            "pending" => Ok(Self::Pending),
            "released" => Ok(Self::Released),
            other => {
                Err(InvalidValue::new(format!("{other:?} is not one of active, pending, released")))
            }
        }
    }
}
