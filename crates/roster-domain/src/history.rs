//! The history log's vocabulary (SPEC §7): through which interface a
//! change came, what kind of change it was, and what changed, field by
//! field, with secrets never shown. Pure: the use cases decide what
//! happened, these types say it the same way everywhere.

use crate::policy::ProvisioningState;
use crate::{AuthMethod, Group, User};

/// Where a change or a sign-in came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Interface {
    Scim,
    /// SAML sign-in, just-in-time provisioning included.
    Saml,
    Ldap,
    AdminApi,
    Cli,
    /// The administrators' console and the sign-in pages.
    Web,
    LifecycleRule,
}

impl Interface {
    pub const ALL: [Self; 7] = [
        Self::Scim,
        Self::Saml,
        Self::Ldap,
        Self::AdminApi,
        Self::Cli,
        Self::Web,
        Self::LifecycleRule,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scim => "scim",
            Self::Saml => "saml",
            Self::Ldap => "ldap",
            Self::AdminApi => "admin_api",
            Self::Cli => "cli",
            Self::Web => "web",
            Self::LifecycleRule => "lifecycle_rule",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|interface| interface.as_str() == raw)
    }
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Created,
    Updated,
    Disabled,
    Enabled,
    Deleted,
    /// The source let go of it (RFC 7644 §3.6 semantics: kept, no longer
    /// managed).
    Released,
    MemberAdded,
    MemberRemoved,
    RoleGranted,
    RoleRevoked,
    SignedIn,
    SignInRefused,
    CredentialCreated,
    CredentialReset,
    /// A set-up link was exchanged for a set-up session.
    Opened,
    /// A set-up link was revoked before its expiry.
    Revoked,
}

impl Action {
    pub const ALL: [Self; 16] = [
        Self::Created,
        Self::Updated,
        Self::Disabled,
        Self::Enabled,
        Self::Deleted,
        Self::Released,
        Self::MemberAdded,
        Self::MemberRemoved,
        Self::RoleGranted,
        Self::RoleRevoked,
        Self::SignedIn,
        Self::SignInRefused,
        Self::CredentialCreated,
        Self::CredentialReset,
        Self::Opened,
        Self::Revoked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Disabled => "disabled",
            Self::Enabled => "enabled",
            Self::Deleted => "deleted",
            Self::Released => "released",
            Self::MemberAdded => "member_added",
            Self::MemberRemoved => "member_removed",
            Self::RoleGranted => "role_granted",
            Self::RoleRevoked => "role_revoked",
            Self::SignedIn => "signed_in",
            Self::SignInRefused => "sign_in_refused",
            Self::CredentialCreated => "credential_created",
            Self::CredentialReset => "credential_reset",
            Self::Opened => "opened",
            Self::Revoked => "revoked",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.as_str() == raw)
    }
}

/// One field's change. Secrets show only that they changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: &'static str,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Shown instead of a secret's value.
pub const SECRET: &str = "(secret)";

fn text<T: AsRef<str>>(value: &Option<T>) -> Option<String> {
    value.as_ref().map(|v| v.as_ref().to_owned())
}

fn yes_no(value: bool) -> Option<String> {
    Some(value.to_string())
}

/// A user's fields as the history shows them, in a fixed order. Times
/// that change on their own (updated, last sign-in) and the bookkeeping
/// of role grants are left out; the password hash only says whether one
/// is set.
fn user_fields(user: &User) -> [(&'static str, Option<String>); 19] {
    let auth = match &user.auth_method {
        AuthMethod::Password => "password".to_owned(),
        AuthMethod::Sso(provider) => format!("sso:{}", provider.as_str()),
    };
    [
        ("username", Some(user.username.as_str().to_owned())),
        ("full_name", user.full_name.as_ref().map(|v| v.as_str().to_owned())),
        ("first_name", user.first_name.as_ref().map(|v| v.as_str().to_owned())),
        ("last_name", user.last_name.as_ref().map(|v| v.as_str().to_owned())),
        ("display_name", user.display_name.as_ref().map(|v| v.as_str().to_owned())),
        ("email", user.email.as_ref().map(|v| v.as_str().to_owned())),
        ("company", user.company.as_ref().map(|v| v.as_str().to_owned())),
        ("time_zone", user.time_zone.as_ref().map(|v| v.as_str().to_owned())),
        ("enabled", yes_no(user.enabled)),
        ("auth_method", Some(auth)),
        ("site_admin", yes_no(user.roles.site_admin)),
        ("readonly_site_admin", yes_no(user.roles.readonly_site_admin)),
        ("two_factor", Some(user.two_factor.as_str().to_owned())),
        ("webdav", yes_no(user.permissions.webdav)),
        ("ftp", yes_no(user.permissions.ftp)),
        ("sftp", yes_no(user.permissions.sftp)),
        ("external_id", text(&user.external_id)),
        ("provisioning_state", Some(user.state.as_str().to_owned())),
        ("password", user.password_hash.as_ref().map(|_| SECRET.to_owned())),
    ]
}

/// The fields that differ, in the fields' order. A changed password
/// hash is a change from `(secret)` to `(secret)`: that it changed, never
/// what it was.
pub fn user_changes(before: &User, after: &User) -> Vec<FieldChange> {
    let mut changes: Vec<FieldChange> = user_fields(before)
        .into_iter()
        .zip(user_fields(after))
        .filter(|((_, old), (_, new))| old != new)
        .map(|((field, old), (_, new))| FieldChange { field, before: old, after: new })
        .collect();
    if before.password_hash.is_some()
        && after.password_hash.is_some()
        && before.password_hash != after.password_hash
    {
        changes.push(FieldChange {
            field: "password",
            before: Some(SECRET.to_owned()),
            after: Some(SECRET.to_owned()),
        });
    }
    changes
}

/// Every field of a new user, as changes from nothing.
pub fn user_created(user: &User) -> Vec<FieldChange> {
    user_fields(user)
        .into_iter()
        .filter(|(_, value)| value.is_some())
        .map(|(field, after)| FieldChange { field, before: None, after })
        .collect()
}

/// The entries a user's change makes: one per role granted or revoked,
/// and one for the rest, named by what matters most (disabled or
/// enabled, released, else updated). None when nothing shown changed.
pub fn user_change_actions(before: &User, after: &User) -> Vec<(Action, Vec<FieldChange>)> {
    let changes = user_changes(before, after);
    let (roles, rest): (Vec<FieldChange>, Vec<FieldChange>) = changes
        .into_iter()
        .partition(|change| matches!(change.field, "site_admin" | "readonly_site_admin"));
    let mut entries = Vec::new();
    for change in roles {
        let action = if change.after.as_deref() == Some("true") {
            Action::RoleGranted
        } else {
            Action::RoleRevoked
        };
        entries.push((action, vec![change]));
    }
    if !rest.is_empty() {
        let action = if before.enabled && !after.enabled {
            Action::Disabled
        } else if !before.enabled && after.enabled {
            Action::Enabled
        } else if before.state != ProvisioningState::Released
            && after.state == ProvisioningState::Released
        {
            Action::Released
        } else {
            Action::Updated
        };
        entries.push((action, rest));
    }
    entries
}

/// A group's fields as the history shows them.
fn group_fields(group: &Group) -> [(&'static str, Option<String>); 3] {
    [
        ("name", Some(group.name.as_str().to_owned())),
        ("managed_by", group.managed_by.as_ref().map(|p| p.as_str().to_owned())),
        ("provisioning_state", Some(group.state.as_str().to_owned())),
    ]
}

pub fn group_changes(before: &Group, after: &Group) -> Vec<FieldChange> {
    group_fields(before)
        .into_iter()
        .zip(group_fields(after))
        .filter(|((_, old), (_, new))| old != new)
        .map(|((field, old), (_, new))| FieldChange { field, before: old, after: new })
        .collect()
}

pub fn group_created(group: &Group) -> Vec<FieldChange> {
    group_fields(group)
        .into_iter()
        .filter(|(_, value)| value.is_some())
        .map(|(field, after)| FieldChange { field, before: None, after })
        .collect()
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;
    use crate::{DisplayText, Email, SiteId, UserId, Username};

    fn ada() -> User {
        let mut user = User::new(
            UserId::from_raw("u1"),
            SiteId::from_raw("s1"),
            Username::parse("ada").unwrap(),
            Timestamp::UNIX_EPOCH,
        );
        user.email = Some(Email::parse("ada@example.com").unwrap());
        user
    }

    #[test]
    fn names_round_trip() {
        for interface in Interface::ALL {
            assert_eq!(Interface::parse(interface.as_str()), Some(interface));
        }
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(action));
        }
        assert_eq!(Action::parse("Created"), None);
    }

    #[test]
    fn only_changed_fields_and_never_a_secret() {
        let before = ada();
        let mut after = before.clone();
        after.updated_at = Timestamp::from_second(5).unwrap();
        after.last_login_at = Some(Timestamp::from_second(6).unwrap());
        assert_eq!(user_change_actions(&before, &after), vec![], "times alone are no change");

        after.full_name = Some(DisplayText::parse("Ada L").unwrap());
        after.email = None;
        after.password_hash = Some("$argon2id$v=19$secret-hash".to_owned());
        let changes = user_changes(&before, &after);
        let shown: Vec<_> =
            changes.iter().map(|c| (c.field, c.before.as_deref(), c.after.as_deref())).collect();
        assert_eq!(
            shown,
            [
                ("full_name", None, Some("Ada L")),
                ("email", Some("ada@example.com"), None),
                ("password", None, Some(SECRET)),
            ]
        );
        let mut changed = after.clone();
        changed.password_hash = Some("$argon2id$v=19$other".to_owned());
        let again = user_changes(&after, &changed);
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].before.as_deref(), Some(SECRET));
        assert!(!format!("{again:?}{changes:?}").contains("argon2"));
    }

    #[test]
    fn the_action_names_what_matters_most() {
        let before = ada();
        let mut after = before.clone();
        after.enabled = false;
        after.company = Some(DisplayText::parse("Engines").unwrap());
        after.roles.site_admin = true;
        let entries = user_change_actions(&before, &after);
        let actions: Vec<_> = entries.iter().map(|(action, _)| *action).collect();
        assert_eq!(actions, [Action::RoleGranted, Action::Disabled]);
        assert_eq!(entries[1].1.len(), 2, "enabled and company: {entries:?}");

        let back = user_change_actions(&after, &before);
        let actions: Vec<_> = back.iter().map(|(action, _)| *action).collect();
        assert_eq!(actions, [Action::RoleRevoked, Action::Enabled]);

        let mut released = before.clone();
        released.state = ProvisioningState::Released;
        assert_eq!(user_change_actions(&before, &released)[0].0, Action::Released);
    }

    #[test]
    fn a_new_user_shows_what_it_has() {
        let fields: Vec<_> = user_created(&ada()).iter().map(|c| c.field).collect();
        assert!(fields.contains(&"username") && fields.contains(&"email"), "{fields:?}");
        assert!(!fields.contains(&"full_name") && !fields.contains(&"password"));
    }
}
