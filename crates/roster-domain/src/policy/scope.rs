//! Which users and groups a provider provisions into the application: the
//! group filters of SPEC §4.

use crate::{GroupName, ProvisioningOptions};

/// Whether a user with these identity-provider groups is provisioned:
/// always without `only_users_in_groups`, else when one group matches.
pub fn user_in_scope(options: &ProvisioningOptions, idp_groups: &[GroupName]) -> bool {
    options.only_users_in_groups.is_empty()
        || idp_groups.iter().any(|group| options.only_users_in_groups.matches(group.as_str()))
}

/// Whether a group of the identity provider is provisioned: `only_groups`
/// (when set) must match it and `exclude_groups` must not. The exclusion
/// wins over the whitelist.
pub fn group_in_scope(options: &ProvisioningOptions, name: &GroupName) -> bool {
    (options.only_groups.is_empty() || options.only_groups.matches(name.as_str()))
        && !options.exclude_groups.matches(name.as_str())
}
