//! A site's users found by text and filters, for the admin API's users
//! listing, the CLI and the console: the query as given, checked here so
//! that a value the store does not know is a 400 that lists the allowed
//! ones, never an empty page.

use roster_domain::{ProviderId, ProvisioningMethod, User};
use roster_store::{AdminRole, ProviderRepo, UserFilter, UserRepo, UserState};
use serde::Deserialize;
use utoipa::IntoParams;

use super::input::opaque_id;
use super::lookup::visible_site;
use super::views::{ListView, UserView};
use super::{Admin, AdminError, PageRequest};
use crate::Principal;

/// The longest search text: enough for any name or address, short enough
/// that a scan of a site's users stays cheap.
pub const MAX_SEARCH_CHARS: usize = 200;

const SOURCES: &[&str] = &["manual", "scim", "jit", "ldap"];
const STATES: &[&str] = &["enabled", "disabled", "released"];
const ROLES: &[&str] = &["site_admin", "readonly_site_admin"];

/// `?q=&provider=&source=&state=&admin=&offset=&limit=` of the users
/// listing; each filter given narrows it, none lists every user.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserSearch {
    /// Text found, in any letter case, in the username, the e-mail, the
    /// full, first, last or display name (at most 200 characters; `%` and
    /// `_` are taken literally).
    pub q: Option<String>,
    /// A provider's id: users who sign in through it or were provisioned
    /// by it.
    pub provider: Option<String>,
    /// How users were provisioned: `manual`, `scim`, `jit` or `ldap` (the
    /// users' `provisioned_by`).
    pub source: Option<String>,
    /// `enabled`, `disabled`, or `released` (removed by their identity
    /// provider and kept by its options; such a user may also be enabled).
    pub state: Option<String>,
    /// `site_admin` or `readonly_site_admin`: users who hold the role.
    pub admin: Option<String>,
    pub offset: Option<u64>,
    pub limit: Option<u64>,
}

impl From<PageRequest> for UserSearch {
    fn from(page: PageRequest) -> Self {
        Self { offset: page.offset, limit: page.limit, ..Self::default() }
    }
}

impl UserSearch {
    fn page(&self) -> PageRequest {
        PageRequest { offset: self.offset, limit: self.limit }
    }

    /// The filter the store applies; the provider is checked later,
    /// against the site.
    fn filter(&self) -> Result<UserFilter, AdminError> {
        let text = match self.q.as_deref() {
            None | Some("") => None,
            Some(q) if q.chars().count() > MAX_SEARCH_CHARS => {
                return Err(AdminError::invalid(
                    "q",
                    format!("must be at most {MAX_SEARCH_CHARS} characters"),
                ));
            }
            // The store separates the searched fields with line feeds.
            Some(q) if q.chars().any(char::is_control) => {
                return Err(AdminError::invalid("q", "must not contain control characters"));
            }
            Some(q) => Some(q.to_owned()),
        };
        let provider = match self.provider.as_deref() {
            None => None,
            Some(raw) => Some(ProviderId::from_raw(opaque_id(raw).ok_or_else(|| {
                AdminError::invalid("provider", format!("{raw:?} is not a provider id"))
            })?)),
        };
        let source = one_of("source", self.source.as_deref(), SOURCES, |raw| {
            ProvisioningMethod::parse(raw).ok()
        })?;
        let state = one_of("state", self.state.as_deref(), STATES, |raw| match raw {
            "enabled" => Some(UserState::Enabled),
            "disabled" => Some(UserState::Disabled),
            "released" => Some(UserState::Released),
            _ => None,
        })?;
        let role = one_of("admin", self.admin.as_deref(), ROLES, |raw| match raw {
            "site_admin" => Some(AdminRole::SiteAdmin),
            "readonly_site_admin" => Some(AdminRole::ReadonlySiteAdmin),
            _ => None,
        })?;
        Ok(UserFilter { text, provider, source, state, role })
    }
}

/// A value from a closed list, or a refusal that names the list.
fn one_of<T>(
    field: &str,
    raw: Option<&str>,
    allowed: &[&str],
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, AdminError> {
    raw.map(|raw| {
        parse(raw).ok_or_else(|| {
            AdminError::invalid(field, format!("{raw:?} is not one of {}", allowed.join(", ")))
        })
    })
    .transpose()
}

impl Admin<'_> {
    /// The site's users that the search keeps, a page at a time, ordered
    /// by creation; `total` counts every match.
    pub async fn search_users(
        &self,
        who: &Principal,
        site: &str,
        search: &UserSearch,
    ) -> Result<ListView<UserView>, AdminError> {
        let page = search.page().page()?;
        let filter = search.filter()?;
        let mut tx = self.read().await?;
        let site = visible_site(&mut tx, who, site).await?;
        if let Some(provider) = &filter.provider
            && tx.provider_by_id(&site.id, provider).await?.is_none()
        {
            return Err(AdminError::invalid(
                "provider",
                format!("the site has no provider with the id {provider}"),
            ));
        }
        let listed = tx.search_users(&site.id, &filter, page).await?;
        Ok(ListView::from_listed(listed, page, <User as Into<UserView>>::into))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(search: UserSearch) -> (String, String) {
        match search.filter() {
            Err(AdminError::Invalid { field, message }) => (field, message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_values_are_refused_with_the_allowed_ones() {
        let bad = |f: fn(&mut UserSearch)| {
            let mut search = UserSearch::default();
            f(&mut search);
            refusal(search)
        };
        assert_eq!(
            bad(|s| s.source = Some("saml".into())),
            ("source".into(), r#""saml" is not one of manual, scim, jit, ldap"#.into())
        );
        assert_eq!(
            bad(|s| s.state = Some("Enabled".into())),
            ("state".into(), r#""Enabled" is not one of enabled, disabled, released"#.into())
        );
        assert_eq!(
            bad(|s| s.admin = Some("admin".into())),
            ("admin".into(), r#""admin" is not one of site_admin, readonly_site_admin"#.into())
        );
        assert_eq!(bad(|s| s.q = Some("é".repeat(201))).0, "q");
        assert_eq!(bad(|s| s.q = Some("a\nb".into())).0, "q");
        assert_eq!(bad(|s| s.provider = Some(String::new())).0, "provider");
    }

    #[test]
    fn the_longest_text_and_an_empty_one_are_accepted() {
        let search = UserSearch { q: Some("é".repeat(200)), ..UserSearch::default() };
        assert_eq!(search.filter().unwrap().text, Some("é".repeat(200)));
        let empty = UserSearch { q: Some(String::new()), ..UserSearch::default() };
        assert_eq!(empty.filter().unwrap(), UserFilter::default());
    }
}
