//! Finding what a request names, the same way for every admin resource:
//! the site the caller may see (or change), and a site's users, groups and
//! providers by page, by id and by name.

use async_trait::async_trait;
use roster_domain::policy::ProvisioningState;
use roster_domain::{
    Group, GroupId, GroupName, InvalidValue, Provider, ProviderId, ProviderName, SamlTrust, Site,
    SiteId, SiteSlug, User, UserId, Username,
};
use roster_store::{Listed, Page, SiteRepo, StoreError, UserFilter};

use super::error::field;
use super::input::opaque_id;
use super::views::{GroupView, ListView, ProviderView, ShownProvider, UserView};
use super::{Admin, AdminError, AdminTx, PageRequest};
use crate::Principal;

/// Loads the site named by `slug` if the caller may see it; any other
/// site is "not found", so that a caller cannot learn which sites exist.
pub(crate) async fn visible_site(
    tx: &mut (impl SiteRepo + Send),
    who: &Principal,
    slug: &str,
) -> Result<Site, AdminError> {
    let not_found = || AdminError::NotFound { what: "site" };
    let slug = SiteSlug::parse(slug).map_err(|_| not_found())?;
    let site = tx.site_by_slug(&slug).await?.ok_or_else(not_found)?;
    if !who.sees(&site.id) {
        return Err(not_found());
    }
    Ok(site)
}

/// [`visible_site`] for a change: a read-only administrator sees the site
/// but may not change anything in it.
pub(crate) async fn changeable_site(
    tx: &mut (impl SiteRepo + Send),
    who: &Principal,
    slug: &str,
) -> Result<Site, AdminError> {
    let site = visible_site(tx, who, slug).await?;
    who.may_change().map_err(|denied| AdminError::denied(denied, "change this site"))?;
    Ok(site)
}

/// The site named by `slug` and its provider `id`, if the caller may see
/// that provider: whoever sees the site, and a set-up link for that
/// provider. Anything else is "not found", as [`visible_site`] says it.
pub(crate) async fn visible_provider<T: AdminTx>(
    tx: &mut T,
    who: &Principal,
    slug: &str,
    id: &str,
) -> Result<(Site, Provider), AdminError> {
    let no_site = || AdminError::NotFound { what: "site" };
    let slug = SiteSlug::parse(slug).map_err(|_| no_site())?;
    let site = tx.site_by_slug(&slug).await?.ok_or_else(no_site)?;
    let provider = match opaque_id(id) {
        Some(id) => tx.provider_by_id(&site.id, &ProviderId::from_raw(id)).await?,
        None => None,
    };
    match provider {
        Some(provider) if who.sees_provider(&site.id, &provider.id) => Ok((site, provider)),
        _ if who.sees(&site.id) => Err(AdminError::NotFound { what: "provider" }),
        _ => Err(no_site()),
    }
}

/// [`visible_provider`] for setting the provider up (its SAML trust, its
/// SCIM credential): a read-only administrator may not.
pub(crate) async fn provider_to_set_up<T: AdminTx>(
    tx: &mut T,
    who: &Principal,
    slug: &str,
    id: &str,
) -> Result<(Site, Provider), AdminError> {
    let found = visible_provider(tx, who, slug, id).await?;
    who.may_set_up_provider()
        .map_err(|denied| AdminError::denied(denied, "change this provider"))?;
    // A set-up link sets a provider up before it is used: once anyone
    // signs in through it or was provisioned by it, a new trust or
    // credential from a link would hand those accounts (administrators
    // among them) to whoever holds the link, so only an administrator
    // may change them then.
    if matches!(who, Principal::SetupLink(_)) {
        let (site, provider) = &found;
        let used_by = UserFilter { provider: Some(provider.id.clone()), ..UserFilter::default() };
        let users = tx.search_users(&site.id, &used_by, Page { offset: 0, limit: 1 }).await?;
        if users.total > 0 {
            return Err(AdminError::Forbidden(
                "this provider is in use: it has users, so its SAML trust and SCIM credential \
                 are changed by the site's administrators, not through a set-up link"
                    .to_owned(),
            ));
        }
    }
    Ok(found)
}

/// A provider with its metadata URL's fetch state, for the views.
pub(crate) async fn shown_provider<T: AdminTx>(
    tx: &mut T,
    provider: Provider,
) -> Result<ShownProvider, StoreError> {
    let metadata = if matches!(provider.saml, SamlTrust::MetadataUrl { .. }) {
        tx.idp_metadata(&provider.site_id, &provider.id).await?
    } else {
        None
    };
    Ok(ShownProvider { provider, metadata })
}

/// A kind of record that lives in a site and that administrators list,
/// open by id and look up by name.
#[async_trait]
pub(crate) trait SiteRecord: Sized + Send + 'static {
    /// The word of "... not found".
    const WHAT: &'static str;
    /// The request field that holds a name.
    const NAME_FIELD: &'static str;
    type Name: Send + Sync;
    type View: From<Self>;

    fn parse_name(raw: &str) -> Result<Self::Name, InvalidValue>;
    /// Whether a look-up by name shows the record: pending records
    /// (outside their provider's filters) are not shown.
    fn shown(&self) -> bool;
    async fn by_id<T: AdminTx>(
        tx: &mut T,
        site: &SiteId,
        id: &str,
    ) -> Result<Option<Self>, StoreError>;
    async fn by_name<T: AdminTx>(
        tx: &mut T,
        site: &SiteId,
        name: &Self::Name,
    ) -> Result<Option<Self>, StoreError>;
    async fn page<T: AdminTx>(
        tx: &mut T,
        site: &SiteId,
        page: Page,
    ) -> Result<Listed<Self>, StoreError>;
}

/// One record by the id a request sent; an id that cannot be ours is
/// "not found" too.
pub(crate) async fn load<R: SiteRecord, T: AdminTx>(
    tx: &mut T,
    site: &Site,
    id: &str,
) -> Result<R, AdminError> {
    let not_found = || AdminError::NotFound { what: R::WHAT };
    let id = opaque_id(id).ok_or_else(not_found)?;
    R::by_id(tx, &site.id, id).await?.ok_or_else(not_found)
}

impl Admin<'_> {
    /// A page of a site's records.
    pub(crate) async fn list<R: SiteRecord>(
        &self,
        who: &Principal,
        site: &str,
        page: PageRequest,
    ) -> Result<ListView<R::View>, AdminError> {
        let page = page.page()?;
        let mut tx = self.read().await?;
        let site = visible_site(&mut tx, who, site).await?;
        let listed = R::page(&mut tx, &site.id, page).await?;
        Ok(ListView::from_listed(listed, page, R::View::from))
    }

    /// One record of a site by id.
    pub(crate) async fn get<R: SiteRecord>(
        &self,
        who: &Principal,
        site: &str,
        id: &str,
    ) -> Result<R::View, AdminError> {
        let mut tx = self.read().await?;
        let site = visible_site(&mut tx, who, site).await?;
        Ok(load::<R, _>(&mut tx, &site, id).await?.into())
    }

    /// One record of a site by name (names compare without case), for the
    /// CLI.
    pub(crate) async fn find<R: SiteRecord>(
        &self,
        who: &Principal,
        site: &str,
        name: &str,
    ) -> Result<R::View, AdminError> {
        let mut tx = self.read().await?;
        let site = visible_site(&mut tx, who, site).await?;
        let name = field(R::NAME_FIELD, R::parse_name(name))?;
        let record = R::by_name(&mut tx, &site.id, &name).await?.filter(R::shown);
        Ok(record.ok_or(AdminError::NotFound { what: R::WHAT })?.into())
    }
}

#[async_trait]
impl SiteRecord for User {
    const WHAT: &'static str = "user";
    const NAME_FIELD: &'static str = "username";
    type Name = Username;
    type View = UserView;

    fn parse_name(raw: &str) -> Result<Username, InvalidValue> {
        Username::parse(raw)
    }
    fn shown(&self) -> bool {
        self.state != ProvisioningState::Pending
    }
    async fn by_id<T: AdminTx>(
        tx: &mut T,
        site: &SiteId,
        id: &str,
    ) -> Result<Option<Self>, StoreError> {
        tx.user_by_id(site, &UserId::from_raw(id)).await
    }
    async fn by_name<T: AdminTx>(
        tx: &mut T,
        site: &SiteId,
        name: &Username,
    ) -> Result<Option<Self>, StoreError> {
        tx.user_by_username(site, name).await
    }
    async fn page<T: AdminTx>(
        tx: &mut T,
        site: &SiteId,
        page: Page,
    ) -> Result<Listed<Self>, StoreError> {
        tx.search_users(site, &roster_store::UserFilter::default(), page).await
    }
}

#[async_trait]
impl SiteRecord for Group {
    const WHAT: &'static str = "group";
    const NAME_FIELD: &'static str = "name";
    type Name = GroupName;
    type View = GroupView;

    fn parse_name(raw: &str) -> Result<GroupName, InvalidValue> {
        GroupName::parse(raw)
    }
    fn shown(&self) -> bool {
        self.state != ProvisioningState::Pending
    }
    async fn by_id<T: AdminTx>(
        tx: &mut T,
        site: &SiteId,
        id: &str,
    ) -> Result<Option<Self>, StoreError> {
        tx.group_by_id(site, &GroupId::from_raw(id)).await
    }
    async fn by_name<T: AdminTx>(
        tx: &mut T,
        site: &SiteId,
        name: &GroupName,
    ) -> Result<Option<Self>, StoreError> {
        tx.group_by_name(site, name).await
    }
    async fn page<T: AdminTx>(
        tx: &mut T,
        site: &SiteId,
        page: Page,
    ) -> Result<Listed<Self>, StoreError> {
        tx.list_groups(site, page).await
    }
}

#[async_trait]
impl SiteRecord for Provider {
    const WHAT: &'static str = "provider";
    const NAME_FIELD: &'static str = "name";
    type Name = ProviderName;
    type View = ProviderView;

    fn parse_name(raw: &str) -> Result<ProviderName, InvalidValue> {
        ProviderName::parse(raw)
    }
    fn shown(&self) -> bool {
        true
    }
    async fn by_id<T: AdminTx>(
        tx: &mut T,
        site: &SiteId,
        id: &str,
    ) -> Result<Option<Self>, StoreError> {
        tx.provider_by_id(site, &ProviderId::from_raw(id)).await
    }
    async fn by_name<T: AdminTx>(
        tx: &mut T,
        site: &SiteId,
        name: &ProviderName,
    ) -> Result<Option<Self>, StoreError> {
        tx.provider_by_name(site, name).await
    }
    async fn page<T: AdminTx>(
        tx: &mut T,
        site: &SiteId,
        page: Page,
    ) -> Result<Listed<Self>, StoreError> {
        tx.list_providers(site, page).await
    }
}

/// A provider with its metadata URL's fetch state, for what shows it.
#[async_trait]
impl SiteRecord for ShownProvider {
    const WHAT: &'static str = "provider";
    const NAME_FIELD: &'static str = "name";
    type Name = ProviderName;
    type View = ProviderView;

    fn parse_name(raw: &str) -> Result<ProviderName, InvalidValue> {
        ProviderName::parse(raw)
    }
    fn shown(&self) -> bool {
        true
    }
    async fn by_id<T: AdminTx>(
        tx: &mut T,
        site: &SiteId,
        id: &str,
    ) -> Result<Option<Self>, StoreError> {
        let provider = Provider::by_id(tx, site, id).await?;
        with_metadata(tx, provider).await
    }
    async fn by_name<T: AdminTx>(
        tx: &mut T,
        site: &SiteId,
        name: &ProviderName,
    ) -> Result<Option<Self>, StoreError> {
        let provider = Provider::by_name(tx, site, name).await?;
        with_metadata(tx, provider).await
    }
    async fn page<T: AdminTx>(
        tx: &mut T,
        site: &SiteId,
        page: Page,
    ) -> Result<Listed<Self>, StoreError> {
        let listed = Provider::page(tx, site, page).await?;
        let mut items = Vec::with_capacity(listed.items.len());
        for provider in listed.items {
            items.extend(with_metadata(tx, Some(provider)).await?);
        }
        Ok(Listed { items, total: listed.total })
    }
}

async fn with_metadata<T: AdminTx>(
    tx: &mut T,
    provider: Option<Provider>,
) -> Result<Option<ShownProvider>, StoreError> {
    match provider {
        Some(provider) => Ok(Some(shown_provider(tx, provider).await?)),
        None => Ok(None),
    }
}
