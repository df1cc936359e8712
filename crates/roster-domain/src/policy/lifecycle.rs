//! Creation, attribute defaults, deactivation, removal and memberships of
//! provisioned users (SPEC §4).

use crate::{
    DeprovisioningMethod, DisplayText, GroupName, ProvisioningOptions, TimeZoneName, User,
};

/// Settings a newly provisioned user starts with: the provider's 2FA rule
/// and protocol permissions. Administrators may change them afterwards;
/// later syncs do not reset them.
pub fn provisioned_defaults(options: &ProvisioningOptions, user: &mut User) {
    user.two_factor = options.two_factor;
    user.permissions.webdav = options.webdav;
    user.permissions.ftp = options.ftp;
    user.permissions.sftp = options.sftp;
}

/// The company and time zone a provisioned user gets at every write: what
/// the source sent wins; the provider's `provision_company` and
/// `default_time_zone` fill in only when it sent none.
pub fn source_attributes(
    options: &ProvisioningOptions,
    company: Option<DisplayText>,
    time_zone: Option<TimeZoneName>,
) -> (Option<DisplayText>, Option<TimeZoneName>) {
    (
        company.or_else(|| options.provision_company.clone()),
        time_zone.or_else(|| options.default_time_zone.clone()),
    )
}

/// What happens when the source deactivates a user (`active: false`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deactivation {
    /// `deprovision_users` is off: the user stays enabled.
    Ignore,
    Disable,
    Delete,
}

pub fn on_deactivated(options: &ProvisioningOptions) -> Deactivation {
    match (options.deprovision_users, options.deprovisioning_method) {
        (false, _) => Deactivation::Ignore,
        (true, DeprovisioningMethod::Disable) => Deactivation::Disable,
        (true, DeprovisioningMethod::Delete) => Deactivation::Delete,
    }
}

/// What happens when the source removes a user (SCIM `DELETE`, or absent
/// at a sync). In every case the source stops managing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// `deprovision_users` is off: the user stays as it was, released.
    Release,
    /// Disabled and released: history kept for audit.
    DisableAndRelease,
    Delete,
}

pub fn on_removed(options: &ProvisioningOptions) -> Removal {
    match (options.deprovision_users, options.deprovisioning_method) {
        (false, _) => Removal::Release,
        (true, DeprovisioningMethod::Disable) => Removal::DisableAndRelease,
        (true, DeprovisioningMethod::Delete) => Removal::Delete,
    }
}

/// Whether a membership change the source sends is applied: additions
/// under `provision_group_memberships`, removals under
/// `deprovision_group_memberships`.
pub fn member_change_applies(options: &ProvisioningOptions, adding: bool) -> bool {
    if adding { options.provision_group_memberships } else { options.deprovision_group_memberships }
}

/// The outcome of a successful SSO login for a username.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirstLogin {
    /// The user exists: sign it in (if enabled).
    Existing,
    /// Create it just in time and add it to these local groups.
    Create { default_groups: Vec<GroupName> },
    /// `provision_users_on_first_login` is off and the user does not exist.
    Refuse,
}

pub fn first_login(options: &ProvisioningOptions, existing: Option<&User>) -> FirstLogin {
    match existing {
        Some(_) => FirstLogin::Existing,
        None if options.provision_users_on_first_login => {
            FirstLogin::Create { default_groups: options.default_groups.clone() }
        }
        None => FirstLogin::Refuse,
    }
}
