//! LDAP sync links, state, leases and runs.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{ProviderId, SiteId};
use sqlx::AssertSqlSafe;

use super::Tx;
use super::row::{Cols, flag, micros, opt_micros};
use super::scim_users::placeholders;
use crate::{LdapLink, LdapSyncRepo, LdapSyncRun, LdapSyncState, LinkKind, StoreError};

/// Links per statement: four parameters each.
const LINKS_PER_STATEMENT: usize = super::BULK_PARAMETERS / 4;

fn kind_of(raw: &str) -> Result<LinkKind, StoreError> {
    match raw {
        "user" => Ok(LinkKind::User),
        "group" => Ok(LinkKind::Group),
        other => Err(StoreError::Corrupt(format!("ldap_links.kind = {other:?}"))),
    }
}

#[async_trait]
impl LdapSyncRepo for Tx {
    async fn ldap_links(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
    ) -> Result<Vec<LdapLink>, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, stable_id, local_id, dn FROM ldap_links \
             WHERE site_id = $1 AND provider_id = $2",
        )
        .bind(site.as_str())
        .bind(provider.as_str())
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|row| {
                let c = Cols(row);
                Ok(LdapLink {
                    kind: kind_of(&c.text("kind")?)?,
                    stable_id: c.text("stable_id")?,
                    local_id: c.text("local_id")?,
                    dn: c.text("dn")?,
                })
            })
            .collect()
    }

    async fn put_ldap_links(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        links: &[LdapLink],
    ) -> Result<(), StoreError> {
        for chunk in links.chunks(LINKS_PER_STATEMENT) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|row| format!("($1, $2, {})", placeholders(3 + row * 4, 4)))
                .collect();
            let sql = format!(
                "INSERT INTO ldap_links (site_id, provider_id, kind, stable_id, local_id, dn) \
                 VALUES {} ON CONFLICT (site_id, provider_id, kind, stable_id) \
                 DO UPDATE SET local_id = excluded.local_id, dn = excluded.dn",
                rows.join(", ")
            );
            let mut query =
                sqlx::query(AssertSqlSafe(sql)).bind(site.as_str()).bind(provider.as_str());
            for link in chunk {
                query = query
                    .bind(link.kind.as_str())
                    .bind(link.stable_id.as_str())
                    .bind(link.local_id.as_str())
                    .bind(link.dn.as_str());
            }
            query.execute(self.conn()).await?;
        }
        Ok(())
    }

    async fn delete_ldap_link(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        kind: LinkKind,
        stable_id: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM ldap_links WHERE site_id = $1 AND provider_id = $2 AND kind = $3 \
             AND stable_id = $4",
        )
        .bind(site.as_str())
        .bind(provider.as_str())
        .bind(kind.as_str())
        .bind(stable_id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn ldap_sync_state(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
    ) -> Result<LdapSyncState, StoreError> {
        let row = sqlx::query(
            "SELECT user_watermark, group_watermark, last_full_at, last_run_at \
             FROM ldap_sync_state WHERE site_id = $1 AND provider_id = $2",
        )
        .bind(site.as_str())
        .bind(provider.as_str())
        .fetch_optional(self.conn())
        .await?;
        let Some(row) = row else { return Ok(LdapSyncState::default()) };
        let c = Cols(&row);
        Ok(LdapSyncState {
            user_watermark: c.opt_text("user_watermark")?,
            group_watermark: c.opt_text("group_watermark")?,
            last_full_at: c.opt_time("last_full_at")?,
            last_run_at: c.opt_time("last_run_at")?,
        })
    }

    async fn put_ldap_sync_state(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        state: &LdapSyncState,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO ldap_sync_state (site_id, provider_id, user_watermark, group_watermark, \
             last_full_at, last_run_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (site_id, provider_id) DO UPDATE SET user_watermark = $3, \
             group_watermark = $4, last_full_at = $5, last_run_at = $6",
        )
        .bind(site.as_str())
        .bind(provider.as_str())
        .bind(state.user_watermark.clone())
        .bind(state.group_watermark.clone())
        .bind(opt_micros(state.last_full_at))
        .bind(opt_micros(state.last_run_at))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn take_ldap_lease(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        owner: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        // Insert-or-update only where free, expired or already ours: one
        // statement, so of two instances one gets it.
        let taken = sqlx::query(
            "INSERT INTO ldap_sync_state (site_id, provider_id, lease_owner, lease_until) \
             VALUES ($1, $2, $3, $5) \
             ON CONFLICT (site_id, provider_id) DO UPDATE SET lease_owner = $3, lease_until = $5 \
             WHERE ldap_sync_state.lease_owner IS NULL OR ldap_sync_state.lease_owner = $3 \
             OR ldap_sync_state.lease_until <= $4",
        )
        .bind(site.as_str())
        .bind(provider.as_str())
        .bind(owner)
        .bind(micros(now))
        .bind(micros(until))
        .execute(self.conn())
        .await?;
        Ok(taken.rows_affected() == 1)
    }

    async fn release_ldap_lease(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        owner: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE ldap_sync_state SET lease_owner = NULL, lease_until = NULL \
             WHERE site_id = $1 AND provider_id = $2 AND lease_owner = $3",
        )
        .bind(site.as_str())
        .bind(provider.as_str())
        .bind(owner)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn insert_ldap_sync_run(&mut self, run: &LdapSyncRun) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO ldap_sync_runs (site_id, id, provider_id, started_at, finished_at, \
             full_sync, succeeded, served_by, report) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(run.site.as_str())
        .bind(run.id.as_str())
        .bind(run.provider.as_str())
        .bind(micros(run.started_at))
        .bind(micros(run.finished_at))
        .bind(flag(run.full))
        .bind(flag(run.succeeded))
        .bind(run.served_by.clone())
        .bind(run.report.as_str())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn ldap_sync_runs(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        limit: u32,
    ) -> Result<Vec<LdapSyncRun>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, started_at, finished_at, full_sync, succeeded, served_by, report \
             FROM ldap_sync_runs WHERE site_id = $1 AND provider_id = $2 \
             ORDER BY started_at DESC, id DESC LIMIT $3",
        )
        .bind(site.as_str())
        .bind(provider.as_str())
        .bind(i64::from(limit))
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|row| {
                let c = Cols(row);
                Ok(LdapSyncRun {
                    site: site.clone(),
                    id: c.text("id")?,
                    provider: provider.clone(),
                    started_at: c.time("started_at")?,
                    finished_at: c.time("finished_at")?,
                    full: c.flag("full_sync")?,
                    succeeded: c.flag("succeeded")?,
                    served_by: c.opt_text("served_by")?,
                    report: c.text("report")?,
                })
            })
            .collect()
    }

    async fn due_ldap_providers(
        &mut self,
        now: Timestamp,
    ) -> Result<Vec<(SiteId, ProviderId)>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.site_id, p.id FROM providers p LEFT JOIN ldap_sync_state s \
             ON s.site_id = p.site_id AND s.provider_id = p.id \
             WHERE p.ldap_configured = 1 AND p.ldap_enabled = 1 \
             AND (s.last_run_at IS NULL \
                  OR s.last_run_at + p.ldap_interval_minutes * 60000000 <= $1) \
             ORDER BY p.site_id, p.id",
        )
        .bind(micros(now))
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|row| {
                let c = Cols(row);
                Ok((SiteId::from_raw(c.text("site_id")?), ProviderId::from_raw(c.text("id")?)))
            })
            .collect()
    }
}
