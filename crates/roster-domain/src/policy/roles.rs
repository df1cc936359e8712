//! Roles from group mappings (SPEC §4): site admin, read-only site admin,
//! group admin, and password login for the password groups. Re-evaluated
//! on every membership or option change, in both directions, taking away
//! only what the mapping itself granted.

use super::{ProvisioningState, user_in_scope};
use crate::{AuthMethod, GroupName, GroupPatternList, ProviderId, ProvisioningOptions, User};

/// What a mapping granted a user, kept beside the user so that a later
/// evaluation can take back exactly that and nothing an administrator gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GrantState {
    pub site_admin: bool,
    pub readonly_site_admin: bool,
    /// The user signs in with a password because of a password group.
    pub password_login: bool,
}

impl GrantState {
    /// The stored form: the granted roles' names joined by `,`.
    pub fn to_stored(self) -> String {
        [
            (self.site_admin, "site_admin"),
            (self.readonly_site_admin, "readonly_site_admin"),
            (self.password_login, "password_login"),
        ]
        .into_iter()
        .filter(|(granted, _)| *granted)
        .map(|(_, name)| name)
        .collect::<Vec<_>>()
        .join(",")
    }

    /// Reads the stored form; unknown names are ignored (a newer version's
    /// grants are not this version's to take back).
    pub fn from_stored(raw: &str) -> Self {
        let has = |name: &str| raw.split(',').any(|part| part == name);
        Self {
            site_admin: has("site_admin"),
            readonly_site_admin: has("readonly_site_admin"),
            password_login: has("password_login"),
        }
    }
}

/// One role under one mapping: `(held, granted_by_mapping)` afterwards.
fn mapped(
    list: &GroupPatternList,
    idp_groups: &[GroupName],
    held: bool,
    granted: bool,
) -> (bool, bool) {
    let wanted = idp_groups.iter().any(|group| list.matches(group.as_str()));
    match (wanted, held, granted) {
        // Wanted and already held: by hand stays by hand.
        (true, true, granted) => (true, granted),
        (true, false, _) => (true, true),
        // No longer wanted: take back only the mapping's own grant.
        (false, _, true) => (false, false),
        (false, held, false) => (held, false),
    }
}

/// A provisioned user after the provider's scope and role mappings are
/// applied to its identity-provider groups. A released user is returned as
/// it is: the source no longer manages it.
pub fn evaluate_user(
    user: &User,
    provider: &ProviderId,
    options: &ProvisioningOptions,
    idp_groups: &[GroupName],
) -> User {
    if user.state == ProvisioningState::Released {
        return user.clone();
    }
    let mut user = user.clone();
    let mut grants = user.grants;
    user.state = if user_in_scope(options, idp_groups) {
        ProvisioningState::Active
    } else {
        ProvisioningState::Pending
    };
    (user.roles.site_admin, grants.site_admin) =
        mapped(&options.site_admin_groups, idp_groups, user.roles.site_admin, grants.site_admin);
    (user.roles.readonly_site_admin, grants.readonly_site_admin) = mapped(
        &options.readonly_site_admin_groups,
        idp_groups,
        user.roles.readonly_site_admin,
        grants.readonly_site_admin,
    );
    let password = user.auth_method == AuthMethod::Password;
    let (password, granted) =
        mapped(&options.password_groups, idp_groups, password, grants.password_login);
    grants.password_login = granted;
    user.auth_method = match (password, &user.auth_method) {
        (true, _) => AuthMethod::Password,
        // Leaving the password groups returns the user to this provider's
        // single sign-on; a user an administrator moved elsewhere stays.
        // A password the user no longer signs in with must not work again
        // if it is put back on password login later.
        (false, AuthMethod::Password) => {
            user.password_hash = None;
            AuthMethod::Sso(provider.clone())
        }
        (false, other) => other.clone(),
    };
    user.grants = grants;
    user
}

/// Whether any option depends on users' group memberships, so that a
/// membership change must re-evaluate the users it touches.
pub fn depends_on_memberships(options: &ProvisioningOptions) -> bool {
    [
        &options.only_users_in_groups,
        &options.site_admin_groups,
        &options.readonly_site_admin_groups,
        &options.group_admin_groups,
        &options.password_groups,
    ]
    .into_iter()
    .any(|list| !list.is_empty())
}

/// A member's group-admin flag in a group this provider manages, and
/// whether the mapping granted it: members of a group whose name matches
/// `group_admin_groups` administer that group.
pub fn evaluate_group_admin(
    options: &ProvisioningOptions,
    group: &GroupName,
    is_admin: bool,
    granted: bool,
) -> (bool, bool) {
    mapped(&options.group_admin_groups, std::slice::from_ref(group), is_admin, granted)
}
