//! Admin API keys. Only hashes are stored.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{AdminKeyId, SiteId};
use sqlx::any::AnyRow;

use super::Tx;
use super::row::{Cols, count_of, limit_offset, micros, opt_micros, write_error};
use crate::{AdminKeyRecord, AdminKeyRepo, Listed, Page, StoreError};

macro_rules! columns {
    () => {
        "id, site_id, name, secret_hash, prefix, created_at, last_used_at, revoked_at"
    };
}

fn key_from(row: &AnyRow) -> Result<AdminKeyRecord, StoreError> {
    let c = Cols(row);
    Ok(AdminKeyRecord {
        id: AdminKeyId::from_raw(c.text("id")?),
        site_id: c.opt_text("site_id")?.map(SiteId::from_raw),
        name: c.text("name")?,
        secret_hash: c.text("secret_hash")?,
        prefix: c.text("prefix")?,
        created_at: c.time("created_at")?,
        last_used_at: c.opt_time("last_used_at")?,
        revoked_at: c.opt_time("revoked_at")?,
    })
}

#[async_trait]
impl AdminKeyRepo for Tx {
    async fn insert_admin_key(&mut self, key: &AdminKeyRecord) -> Result<(), StoreError> {
        sqlx::query(concat!(
            "INSERT INTO admin_keys (",
            columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))
        .bind(key.id.as_str())
        .bind(key.site_id.as_ref().map(|s| s.as_str().to_owned()))
        .bind(key.name.clone())
        .bind(key.secret_hash.clone())
        .bind(key.prefix.clone())
        .bind(micros(key.created_at))
        .bind(opt_micros(key.last_used_at))
        .bind(opt_micros(key.revoked_at))
        .execute(self.conn())
        .await
        .map_err(|err| write_error(err, "admin key"))?;
        Ok(())
    }

    async fn admin_key_by_id(
        &mut self,
        site: Option<&SiteId>,
        id: &AdminKeyId,
    ) -> Result<Option<AdminKeyRecord>, StoreError> {
        let row = match site {
            Some(site) => {
                sqlx::query(concat!(
                    "SELECT ",
                    columns!(),
                    " FROM admin_keys WHERE id = $1 AND site_id = $2"
                ))
                .bind(id.as_str())
                .bind(site.as_str())
                .fetch_optional(self.conn())
                .await?
            }
            None => {
                sqlx::query(concat!("SELECT ", columns!(), " FROM admin_keys WHERE id = $1"))
                    .bind(id.as_str())
                    .fetch_optional(self.conn())
                    .await?
            }
        };
        row.as_ref().map(key_from).transpose()
    }

    async fn admin_key_by_hash(
        &mut self,
        secret_hash: &str,
    ) -> Result<Option<AdminKeyRecord>, StoreError> {
        let row =
            sqlx::query(concat!("SELECT ", columns!(), " FROM admin_keys WHERE secret_hash = $1"))
                .bind(secret_hash)
                .fetch_optional(self.conn())
                .await?;
        row.as_ref().map(key_from).transpose()
    }

    async fn list_admin_keys(
        &mut self,
        site: Option<&SiteId>,
        page: Page,
    ) -> Result<Listed<AdminKeyRecord>, StoreError> {
        let (limit, offset) = limit_offset(page);
        let (total, rows) = match site {
            Some(site) => {
                let total = sqlx::query("SELECT COUNT(*) FROM admin_keys WHERE site_id = $1")
                    .bind(site.as_str())
                    .fetch_one(self.conn())
                    .await?;
                let rows = sqlx::query(concat!(
                    "SELECT ",
                    columns!(),
                    " FROM admin_keys WHERE site_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3"
                ))
                .bind(site.as_str())
                .bind(limit)
                .bind(offset)
                .fetch_all(self.conn())
                .await?;
                (total, rows)
            }
            None => {
                let total =
                    sqlx::query("SELECT COUNT(*) FROM admin_keys").fetch_one(self.conn()).await?;
                let rows = sqlx::query(concat!(
                    "SELECT ",
                    columns!(),
                    " FROM admin_keys ORDER BY created_at, id LIMIT $1 OFFSET $2"
                ))
                .bind(limit)
                .bind(offset)
                .fetch_all(self.conn())
                .await?;
                (total, rows)
            }
        };
        let items = rows.iter().map(key_from).collect::<Result<_, _>>()?;
        Ok(Listed { items, total: count_of(&total)? })
    }

    async fn revoke_admin_key(
        &mut self,
        site: Option<&SiteId>,
        id: &AdminKeyId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done =
            match site {
                Some(site) => {
                    sqlx::query(
                        "UPDATE admin_keys SET revoked_at = $2 \
                     WHERE id = $1 AND site_id = $3 AND revoked_at IS NULL",
                    )
                    .bind(id.as_str())
                    .bind(micros(now))
                    .bind(site.as_str())
                    .execute(self.conn())
                    .await?
                }
                None => sqlx::query(
                    "UPDATE admin_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                )
                .bind(id.as_str())
                .bind(micros(now))
                .execute(self.conn())
                .await?,
            };
        Ok(done.rows_affected() == 1)
    }

    async fn touch_admin_key(&mut self, id: &AdminKeyId, now: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE admin_keys SET last_used_at = $2 WHERE id = $1")
            .bind(id.as_str())
            .bind(micros(now))
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
