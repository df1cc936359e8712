//! Set-up links.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{ProviderId, SetupLink, SiteId};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

use super::Tx;
use super::row::{Cols, micros, opt_micros, write_error};
use crate::{SetupLinkRepo, StoreError};

const COLUMNS: &str = "site_id, id, provider_id, secret_hash, description, created_by, \
                       created_at, expires_at, revoked_at, last_opened_at";

fn link_from(row: &AnyRow) -> Result<SetupLink, StoreError> {
    let c = Cols(row);
    Ok(SetupLink {
        id: c.text("id")?,
        site_id: SiteId::from_raw(c.text("site_id")?),
        provider_id: ProviderId::from_raw(c.text("provider_id")?),
        secret_hash: c.text("secret_hash")?,
        description: c.opt_text("description")?,
        created_by: c.text("created_by")?,
        created_at: c.time("created_at")?,
        expires_at: c.time("expires_at")?,
        revoked_at: c.opt_time("revoked_at")?,
        last_opened_at: c.opt_time("last_opened_at")?,
    })
}

#[async_trait]
impl SetupLinkRepo for Tx {
    async fn insert_setup_link(&mut self, link: &SetupLink) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO setup_links ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(link.site_id.as_str())
            .bind(link.id.as_str())
            .bind(link.provider_id.as_str())
            .bind(link.secret_hash.as_str())
            .bind(link.description.clone())
            .bind(link.created_by.as_str())
            .bind(micros(link.created_at))
            .bind(micros(link.expires_at))
            .bind(opt_micros(link.revoked_at))
            .bind(opt_micros(link.last_opened_at))
            .execute(self.conn())
            .await
            .map_err(|err| write_error(err, "setup link"))?;
        Ok(())
    }

    async fn setup_links(&mut self, site: &SiteId) -> Result<Vec<SetupLink>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM setup_links WHERE site_id = $1 \
             ORDER BY created_at DESC, id DESC"
        );
        let rows =
            sqlx::query(AssertSqlSafe(sql)).bind(site.as_str()).fetch_all(self.conn()).await?;
        rows.iter().map(link_from).collect()
    }

    async fn setup_link(
        &mut self,
        site: &SiteId,
        id: &str,
    ) -> Result<Option<SetupLink>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM setup_links WHERE site_id = $1 AND id = $2");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(site.as_str())
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(link_from).transpose()
    }

    async fn setup_link_by_hash(&mut self, hash: &str) -> Result<Option<SetupLink>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM setup_links WHERE secret_hash = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(hash).fetch_optional(self.conn()).await?;
        row.as_ref().map(link_from).transpose()
    }

    async fn revoke_setup_link(
        &mut self,
        site: &SiteId,
        id: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        // The first revocation's time is kept: revoking again changes
        // nothing.
        let done = sqlx::query(
            "UPDATE setup_links SET revoked_at = COALESCE(revoked_at, $3) \
             WHERE site_id = $1 AND id = $2",
        )
        .bind(site.as_str())
        .bind(id)
        .bind(micros(at))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn touch_setup_link(
        &mut self,
        site: &SiteId,
        id: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE setup_links SET last_opened_at = $3 WHERE site_id = $1 AND id = $2")
            .bind(site.as_str())
            .bind(id)
            .bind(micros(at))
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
