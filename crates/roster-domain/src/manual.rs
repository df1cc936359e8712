//! Who may change users and groups by hand (SPEC §3).
//!
//! Two site settings lock administrators out of managing users and groups
//! outside provisioning; and the last enabled site admin who signs in with a
//! password is protected so an identity-provider outage cannot lock a site
//! out.

use crate::{Site, User};

/// Why a manual change was refused; the message is shown to the
/// administrator as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManualChangeRefused {
    #[error(
        "this site does not allow manual creation, editing or deletion of users outside \
         SSO based provisioning; change the site setting allow_manual_users first"
    )]
    UsersLocked,
    #[error(
        "this site does not allow manual creation, editing or deletion of groups outside \
         SSO based provisioning; change the site setting allow_manual_groups first"
    )]
    GroupsLocked,
    #[error(
        "this is the last enabled site admin who signs in with a password; it cannot be \
         moved to SSO, disabled, demoted or deleted, so that an identity-provider outage \
         cannot lock the site out"
    )]
    LastPasswordAdmin,
}

/// Administrators may create, edit, enable, disable or delete users only
/// while the site allows manual management.
pub fn ensure_manual_user_changes_allowed(site: &Site) -> Result<(), ManualChangeRefused> {
    if site.allow_manual_users { Ok(()) } else { Err(ManualChangeRefused::UsersLocked) }
}

/// The same rule for groups and their memberships.
pub fn ensure_manual_group_changes_allowed(site: &Site) -> Result<(), ManualChangeRefused> {
    if site.allow_manual_groups { Ok(()) } else { Err(ManualChangeRefused::GroupsLocked) }
}

/// Refuses a change that would leave the site without an enabled site admin
/// on password authentication. `after` is `None` for a deletion;
/// `other_password_admins` counts such admins other than this user.
pub fn ensure_password_admin_remains(
    before: &User,
    after: Option<&User>,
    other_password_admins: u64,
) -> Result<(), ManualChangeRefused> {
    let loses_status =
        before.is_password_site_admin() && !after.is_some_and(User::is_password_site_admin);
    if loses_status && other_password_admins == 0 {
        Err(ManualChangeRefused::LastPasswordAdmin)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;
    use crate::{AuthMethod, DisplayText, ProviderId, SiteId, SiteSlug, UserId, Username};

    fn admin() -> User {
        let mut user = User::new(
            UserId::from_raw("u1"),
            SiteId::from_raw("s1"),
            Username::parse("root").unwrap(),
            Timestamp::UNIX_EPOCH,
        );
        user.roles.site_admin = true;
        user
    }

    #[test]
    fn last_password_admin_is_protected_in_every_way() {
        let before = admin();
        let mut to_sso = before.clone();
        to_sso.auth_method = AuthMethod::Sso(ProviderId::from_raw("p1"));
        let mut disabled = before.clone();
        disabled.enabled = false;
        let mut demoted = before.clone();
        demoted.roles.site_admin = false;
        let mut renamed = before.clone();
        renamed.full_name = Some(DisplayText::parse("Root").unwrap());

        let cases: [(&str, Option<&User>, u64, bool); 9] = [
            ("move to sso", Some(&to_sso), 0, false),
            ("disable", Some(&disabled), 0, false),
            ("demote", Some(&demoted), 0, false),
            ("delete", None, 0, false),
            ("harmless edit", Some(&renamed), 0, true),
            ("move to sso with another admin", Some(&to_sso), 1, true),
            ("disable with another admin", Some(&disabled), 1, true),
            ("delete with two others", None, 2, true),
            ("demote with another admin", Some(&demoted), 1, true),
        ];
        for (name, after, others, allowed) in cases {
            let result = ensure_password_admin_remains(&before, after, others);
            assert_eq!(result.is_ok(), allowed, "{name}");
            if !allowed {
                assert_eq!(result, Err(ManualChangeRefused::LastPasswordAdmin), "{name}");
            }
        }
    }

    #[test]
    fn users_who_are_not_password_admins_are_free() {
        let mut sso_admin = admin();
        sso_admin.auth_method = AuthMethod::Sso(ProviderId::from_raw("p1"));
        assert!(ensure_password_admin_remains(&sso_admin, None, 0).is_ok());
        let mut plain = admin();
        plain.roles.site_admin = false;
        assert!(ensure_password_admin_remains(&plain, None, 0).is_ok());
    }

    #[test]
    fn site_locks() {
        let mut site = Site::new(
            SiteId::from_raw("s1"),
            SiteSlug::parse("acme").unwrap(),
            DisplayText::parse("Acme").unwrap(),
            Timestamp::UNIX_EPOCH,
        );
        assert!(ensure_manual_user_changes_allowed(&site).is_ok());
        assert!(ensure_manual_group_changes_allowed(&site).is_ok());
        site.allow_manual_users = false;
        assert_eq!(
            ensure_manual_user_changes_allowed(&site),
            Err(ManualChangeRefused::UsersLocked)
        );
        assert!(ensure_manual_group_changes_allowed(&site).is_ok());
        site.allow_manual_groups = false;
        assert_eq!(
            ensure_manual_group_changes_allowed(&site),
            Err(ManualChangeRefused::GroupsLocked)
        );
    }
}
