//! Who may use a site's console: a person with a live session in that
//! site who holds one of its administrator roles. Everything the console
//! then does goes through the admin use cases with the principal made
//! here, so the console can do nothing the admin API would refuse.

use roster_domain::SiteSlug;
use roster_store::SiteRepo;

use super::session::live_session;
use super::{Sso, SsoError};
use crate::access::{AdminRole, Principal, SignedIn};
use crate::secrets;

/// A signed-in administrator in front of a site's console.
#[derive(Debug, Clone)]
pub struct ConsoleAccess {
    pub principal: Principal,
    pub site: String,
    pub site_name: String,
    pub username: String,
    pub read_only: bool,
    /// An operator (signed in with an operator key) may switch sites.
    pub operator: bool,
    /// The token every form of the console carries, bound to the session:
    /// another site cannot know it, so it cannot post a form in the
    /// administrator's name (CSRF).
    pub form_token: String,
}

impl Sso<'_> {
    /// The console access that the session `secret` gives to the site
    /// `slug`. A session of another site, or none, is `Unauthenticated`
    /// (the person signs in to this site); a person who is no
    /// administrator of the site is `NotAdministrator`.
    pub async fn console(&self, secret: &str, slug: &str) -> Result<ConsoleAccess, SsoError> {
        let slug = SiteSlug::parse(slug).map_err(|_| SsoError::NotFound { what: "site" })?;
        let mut tx = self.read().await?;
        let site = tx.site_by_slug(&slug).await?.ok_or(SsoError::NotFound { what: "site" })?;
        let (session, user) = live_session(&mut tx, secret, self.now()).await?;
        if session.site != site.id {
            return Err(SsoError::Unauthenticated);
        }
        let role = admin_role(user.roles).ok_or(SsoError::NotAdministrator)?;
        Ok(ConsoleAccess {
            principal: Principal::Person(SignedIn {
                site: site.id.clone(),
                user: user.id.clone(),
                role,
            }),
            site: site.slug.as_str().to_owned(),
            site_name: site.name.as_str().to_owned(),
            username: user.username.as_str().to_owned(),
            read_only: role == AdminRole::ReadOnlySiteAdmin,
            operator: false,
            form_token: form_token(secret),
        })
    }
}

/// The console role that a user's roles give; a full administrator role
/// wins over a read-only one.
fn admin_role(roles: roster_domain::Roles) -> Option<AdminRole> {
    if roles.site_admin {
        Some(AdminRole::SiteAdmin)
    } else if roles.readonly_site_admin {
        Some(AdminRole::ReadOnlySiteAdmin)
    } else {
        None
    }
}

/// The console's form token for a session: a hash of the session secret
/// with a purpose of its own, so the token reveals nothing of the secret
/// and is not the hash under which the session is stored.
pub fn form_token(session_secret: &str) -> String {
    secrets::hash(&format!("roster console form token\0{session_secret}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_full_role_wins_and_no_role_gives_no_console() {
        let roles = |site_admin, readonly_site_admin| roster_domain::Roles {
            site_admin,
            readonly_site_admin,
        };
        assert_eq!(admin_role(roles(true, true)), Some(AdminRole::SiteAdmin));
        assert_eq!(admin_role(roles(false, true)), Some(AdminRole::ReadOnlySiteAdmin));
        assert_eq!(admin_role(roles(false, false)), None);
    }

    #[test]
    fn the_form_token_is_bound_to_the_session_and_hides_it() {
        let token = form_token("secret-a");
        assert_eq!(token, form_token("secret-a"));
        assert_ne!(token, form_token("secret-b"));
        assert_ne!(token, secrets::hash("secret-a"));
        assert!(!token.contains("secret-a"));
    }
}
