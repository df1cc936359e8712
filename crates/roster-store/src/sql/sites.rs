//! Sites.

use async_trait::async_trait;
use roster_domain::{DisplayText, HttpUrl, RetentionDays, Site, SiteId, SiteSlug, TwoFactor};
use sqlx::any::AnyRow;

use super::row::{Cols, count_of, flag, limit_offset, micros, write_error};
use super::{Dialect, Tx};
use crate::{Listed, Page, SiteRepo, StoreError};

macro_rules! columns {
    () => {
        "id, slug, name, allow_manual_users, allow_manual_groups, two_factor, created_at, updated_at, \
         application_url, scim_log_retention_days, history_retention_days"
    };
}

fn site_from(row: &AnyRow) -> Result<Site, StoreError> {
    let c = Cols(row);
    Ok(Site {
        id: SiteId::from_raw(c.text("id")?),
        slug: c.parsed("slug", SiteSlug::parse)?,
        name: c.parsed("name", DisplayText::parse)?,
        allow_manual_users: c.flag("allow_manual_users")?,
        allow_manual_groups: c.flag("allow_manual_groups")?,
        two_factor: c.parsed("two_factor", TwoFactor::parse)?,
        application_url: c.opt_parsed("application_url", HttpUrl::parse)?,
        scim_log_retention: RetentionDays::parse(c.int("scim_log_retention_days")?)
            .map_err(|err| StoreError::Corrupt(format!("sites.scim_log_retention_days: {err}")))?,
        history_retention: RetentionDays::parse(c.int("history_retention_days")?)
            .map_err(|err| StoreError::Corrupt(format!("sites.history_retention_days: {err}")))?,
        created_at: c.time("created_at")?,
        updated_at: c.time("updated_at")?,
    })
}

#[async_trait]
impl SiteRepo for Tx {
    async fn insert_site(&mut self, site: &Site) -> Result<(), StoreError> {
        sqlx::query(concat!(
            "INSERT INTO sites (",
            columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ))
        .bind(site.id.as_str())
        .bind(site.slug.as_str())
        .bind(site.name.as_str())
        .bind(flag(site.allow_manual_users))
        .bind(flag(site.allow_manual_groups))
        .bind(site.two_factor.as_str())
        .bind(micros(site.created_at))
        .bind(micros(site.updated_at))
        .bind(site.application_url.as_ref().map(|url| url.as_str().to_owned()))
        .bind(i64::from(site.scim_log_retention.days()))
        .bind(i64::from(site.history_retention.days()))
        .execute(self.conn())
        .await
        .map_err(|err| write_error(err, "slug"))?;
        Ok(())
    }

    async fn site_by_id(&mut self, id: &SiteId) -> Result<Option<Site>, StoreError> {
        let row = sqlx::query(concat!("SELECT ", columns!(), " FROM sites WHERE id = $1"))
            .bind(id.as_str())
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(site_from).transpose()
    }

    async fn site_by_slug(&mut self, slug: &SiteSlug) -> Result<Option<Site>, StoreError> {
        let row = sqlx::query(concat!("SELECT ", columns!(), " FROM sites WHERE slug = $1"))
            .bind(slug.as_str())
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(site_from).transpose()
    }

    async fn list_sites(&mut self, page: Page) -> Result<Listed<Site>, StoreError> {
        let total =
            count_of(&sqlx::query("SELECT COUNT(*) FROM sites").fetch_one(self.conn()).await?)?;
        let (limit, offset) = limit_offset(page);
        let rows = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM sites ORDER BY created_at, id LIMIT $1 OFFSET $2"
        ))
        .bind(limit)
        .bind(offset)
        .fetch_all(self.conn())
        .await?;
        let items = rows.iter().map(site_from).collect::<Result<_, _>>()?;
        Ok(Listed { items, total })
    }

    async fn update_site(&mut self, site: &Site) -> Result<bool, StoreError> {
        self.changes_providers();
        let done = sqlx::query(
            "UPDATE sites SET slug = $2, name = $3, allow_manual_users = $4, \
             allow_manual_groups = $5, two_factor = $6, updated_at = $7, application_url = $8, \
             scim_log_retention_days = $9, history_retention_days = $10 WHERE id = $1",
        )
        .bind(site.id.as_str())
        .bind(site.slug.as_str())
        .bind(site.name.as_str())
        .bind(flag(site.allow_manual_users))
        .bind(flag(site.allow_manual_groups))
        .bind(site.two_factor.as_str())
        .bind(micros(site.updated_at))
        .bind(site.application_url.as_ref().map(|url| url.as_str().to_owned()))
        .bind(i64::from(site.scim_log_retention.days()))
        .bind(i64::from(site.history_retention.days()))
        .execute(self.conn())
        .await
        .map_err(|err| write_error(err, "slug"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn lock_site(&mut self, id: &SiteId) -> Result<(), StoreError> {
        if self.dialect == Dialect::Postgres {
            sqlx::query("SELECT id FROM sites WHERE id = $1 FOR UPDATE")
                .bind(id.as_str())
                .fetch_optional(self.conn())
                .await?;
        }
        Ok(())
    }

    async fn delete_site(&mut self, id: &SiteId) -> Result<bool, StoreError> {
        self.changes_providers();
        // Memberships reference users and groups of the same site; deleting
        // them first keeps the cascade simple on both dialects.
        sqlx::query("DELETE FROM group_members WHERE site_id = $1")
            .bind(id.as_str())
            .execute(self.conn())
            .await?;
        for sql in [
            "DELETE FROM users WHERE site_id = $1",
            "DELETE FROM groups WHERE site_id = $1",
            "DELETE FROM providers WHERE site_id = $1",
            "DELETE FROM admin_keys WHERE site_id = $1",
        ] {
            sqlx::query(sql).bind(id.as_str()).execute(self.conn()).await?;
        }
        let done = sqlx::query("DELETE FROM sites WHERE id = $1")
            .bind(id.as_str())
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
