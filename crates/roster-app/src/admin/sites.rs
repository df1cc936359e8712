//! Sites: created and deleted by operators; read and configured by their
//! own admin keys too.

use roster_domain::{DisplayText, HttpUrl, RetentionDays, Site, SiteId, SiteSlug, TwoFactor};
use roster_store::{SiteRepo, Transaction};
use serde::Deserialize;

use super::error::field;
use super::input::{not_null, nullable};
use super::lookup::{changeable_site, visible_site};
use super::views::{ListView, SiteView};
use super::{Admin, AdminError, PageRequest};
use crate::Principal;
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteInput {
    pub slug: String,
    /// Defaults to the slug.
    pub name: Option<String>,
    pub allow_manual_users: Option<bool>,
    pub allow_manual_groups: Option<bool>,
    /// `always` or `never` (the default).
    pub two_factor: Option<String>,
    /// Where people go after signing in, with a one-time ticket.
    pub application_url: Option<String>,
    /// Days the SCIM request log is kept (1 to 3650, default 90).
    pub scim_log_retention_days: Option<i64>,
    /// Days the history log is kept (1 to 3650, default 365).
    pub history_retention_days: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SitePatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub allow_manual_users: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub allow_manual_groups: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub two_factor: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub application_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub scim_log_retention_days: Option<i64>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub history_retention_days: Option<i64>,
}

impl Admin<'_> {
    pub async fn create_site(
        &self,
        who: &Principal,
        input: SiteInput,
    ) -> Result<SiteView, AdminError> {
        who.require_operator().map_err(|denied| AdminError::denied(denied, "create sites"))?;
        let slug = field("slug", SiteSlug::parse(&input.slug))?;
        let name = field("name", DisplayText::parse(input.name.as_deref().unwrap_or(&input.slug)))?;
        let mut site =
            Site::new(SiteId::from_raw(uuid::Uuid::new_v4().to_string()), slug, name, self.now());
        if let Some(allow) = input.allow_manual_users {
            site.allow_manual_users = allow;
        }
        if let Some(allow) = input.allow_manual_groups {
            site.allow_manual_groups = allow;
        }
        if let Some(policy) = &input.two_factor {
            site.two_factor = field("two_factor", TwoFactor::parse_site_policy(policy))?;
        }
        if let Some(url) = &input.application_url {
            site.application_url = Some(field("application_url", HttpUrl::parse(url))?);
        }
        if let Some(days) = input.scim_log_retention_days {
            site.scim_log_retention = field("scim_log_retention_days", RetentionDays::parse(days))?;
        }
        if let Some(days) = input.history_retention_days {
            site.history_retention = field("history_retention_days", RetentionDays::parse(days))?;
        }
        let mut tx = self.write().await?;
        tx.insert_site(&site).await?;
        tx.commit().await?;
        Ok(site.into())
    }

    pub async fn list_sites(
        &self,
        who: &Principal,
        page: PageRequest,
    ) -> Result<ListView<SiteView>, AdminError> {
        let page = page.page()?;
        let mut tx = self.read().await?;
        match who.own_site() {
            None => {
                let listed = tx.list_sites(page).await?;
                Ok(ListView::from_listed(listed, page, SiteView::from))
            }
            Some(id) => {
                // A site key or a signed-in administrator sees exactly its
                // own site.
                // A set-up link is confined to a site it does not see.
                let own = if who.sees(id) { tx.site_by_id(id).await? } else { None };
                let total = u64::from(own.is_some());
                let items =
                    own.filter(|_| page.offset == 0).map(SiteView::from).into_iter().collect();
                Ok(ListView { items, total, offset: page.offset, limit: page.limit })
            }
        }
    }

    pub async fn get_site(&self, who: &Principal, slug: &str) -> Result<SiteView, AdminError> {
        let mut tx = self.read().await?;
        Ok(visible_site(&mut tx, who, slug).await?.into())
    }

    pub async fn update_site(
        &self,
        who: &Principal,
        slug: &str,
        patch: SitePatch,
    ) -> Result<SiteView, AdminError> {
        let mut tx = self.write().await?;
        let mut site = changeable_site(&mut tx, who, slug).await?;
        if let Some(slug) = &patch.slug {
            site.slug = field("slug", SiteSlug::parse(slug))?;
        }
        if let Some(name) = &patch.name {
            site.name = field("name", DisplayText::parse(name))?;
        }
        if let Some(allow) = patch.allow_manual_users {
            site.allow_manual_users = allow;
        }
        if let Some(allow) = patch.allow_manual_groups {
            site.allow_manual_groups = allow;
        }
        if let Some(policy) = &patch.two_factor {
            site.two_factor = field("two_factor", TwoFactor::parse_site_policy(policy))?;
        }
        if let Some(url) = &patch.application_url {
            site.application_url = url
                .as_deref()
                .map(|url| field("application_url", HttpUrl::parse(url)))
                .transpose()?;
        }
        if let Some(days) = patch.scim_log_retention_days {
            site.scim_log_retention = field("scim_log_retention_days", RetentionDays::parse(days))?;
        }
        if let Some(days) = patch.history_retention_days {
            site.history_retention = field("history_retention_days", RetentionDays::parse(days))?;
        }
        site.updated_at = self.now();
        tx.update_site(&site).await?;
        tx.commit().await?;
        Ok(site.into())
    }

    /// Deletes the site with all its users, groups, providers and keys.
    pub async fn delete_site(&self, who: &Principal, slug: &str) -> Result<(), AdminError> {
        who.require_operator().map_err(|denied| AdminError::denied(denied, "delete sites"))?;
        let mut tx = self.write().await?;
        let site = visible_site(&mut tx, who, slug).await?;
        tx.delete_site(&site.id).await?;
        tx.commit().await?;
        Ok(())
    }
}
