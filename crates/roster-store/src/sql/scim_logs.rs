//! The SCIM request log: batched inserts, keyset searches newest first,
//! and bounded purges by age.

use async_trait::async_trait;
use roster_domain::{ProviderId, SiteId};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

use super::row::{Cols, micros};
use super::scim_users::{bind_all, placeholders};
use super::{Bind, Tx};
use crate::scim_log_api::{
    NewScimLog, ScimLogBodies, ScimLogEntry, ScimLogFilter, ScimLogRow, StatusFilter,
};
use crate::{ScimLogRepo, StoreError};

/// Every column, in insert order.
macro_rules! columns {
    () => {
        "id, site_id, provider_id, at, method, path, status, duration_us, request_id, \
         scim_type, refusal, request, response"
    };
}
const COLUMNS: usize = 13;

/// The list's columns (no bodies) and the provider's current name.
const SUMMARY: &str = "l.id, l.site_id, l.provider_id, l.at, l.method, l.path, l.status, \
     l.duration_us, l.request_id, l.scim_type, l.refusal, p.name AS provider_name";
const FROM: &str =
    "FROM scim_logs l LEFT JOIN providers p ON p.site_id = l.site_id AND p.id = l.provider_id";

/// Rows per INSERT: 13 bound values each, well under SQLite's limit of
/// 32,766 and PostgreSQL's of 65,535.
const ROWS_PER_STATEMENT: usize = 200;

fn row_from(row: &AnyRow) -> Result<ScimLogRow, StoreError> {
    let c = Cols(row);
    let status = c.int("status")?;
    Ok(ScimLogRow {
        entry: ScimLogEntry {
            id: c.text("id")?,
            site_id: c.opt_text("site_id")?.map(SiteId::from_raw),
            provider_id: c.opt_text("provider_id")?.map(ProviderId::from_raw),
            at: c.time("at")?,
            method: c.text("method")?,
            path: c.text("path")?,
            status: u16::try_from(status)
                .map_err(|_| StoreError::Corrupt(format!("scim_logs.status {status}")))?,
            duration_us: c.int("duration_us")?,
            request_id: c.text("request_id")?,
            scim_type: c.opt_text("scim_type")?,
            refusal: c.opt_text("refusal")?,
        },
        provider_name: c.opt_text("provider_name")?,
    })
}

/// Bound values numbered after the site (`$1`).
struct Binds(Vec<Bind>);

impl Binds {
    /// The placeholder of one more value.
    fn push(&mut self, value: Bind) -> String {
        self.0.push(value);
        format!("${}", self.0.len() + 1)
    }
}

/// The search's conditions after the site, with their values.
fn conditions(filter: &ScimLogFilter) -> (String, Vec<Bind>) {
    let mut sql = String::new();
    let mut binds = Binds(Vec::new());
    if let Some(provider) = &filter.provider {
        let p = binds.push(Bind::Text(provider.as_str().to_owned()));
        sql.push_str(&format!(" AND l.provider_id = {p}"));
    }
    match filter.status {
        Some(StatusFilter::Exact(status)) => {
            let p = binds.push(Bind::Int(status.into()));
            sql.push_str(&format!(" AND l.status = {p}"));
        }
        Some(StatusFilter::Class(class)) => {
            let low = i64::from(class) * 100;
            let (from, to) = (binds.push(Bind::Int(low)), binds.push(Bind::Int(low + 100)));
            sql.push_str(&format!(" AND l.status >= {from} AND l.status < {to}"));
        }
        None => {}
    }
    if let Some(method) = &filter.method {
        let p = binds.push(Bind::Text(method.clone()));
        sql.push_str(&format!(" AND l.method = {p}"));
    }
    if let Some(prefix) = &filter.path_prefix {
        // A prefix by `substr`, not `LIKE`: both dialects compare it with
        // case, and nothing in it needs escaping.
        // `length` of the bound text, so that PostgreSQL sees integers.
        let p = binds.push(Bind::Text(prefix.clone()));
        sql.push_str(&format!(" AND substr(l.path, 1, length({p})) = {p}"));
    }
    if let Some(since) = filter.since {
        let p = binds.push(Bind::Int(micros(since)));
        sql.push_str(&format!(" AND l.at >= {p}"));
    }
    if let Some(until) = filter.until {
        let p = binds.push(Bind::Int(micros(until)));
        sql.push_str(&format!(" AND l.at < {p}"));
    }
    if let Some(after) = &filter.after {
        let at = binds.push(Bind::Int(micros(after.at)));
        let id = binds.push(Bind::Text(after.id.clone()));
        sql.push_str(&format!(" AND (l.at < {at} OR (l.at = {at} AND l.id < {id}))"));
    }
    (sql, binds.0)
}

#[async_trait]
impl ScimLogRepo for Tx {
    async fn insert_scim_logs(&mut self, logs: &[NewScimLog]) -> Result<(), StoreError> {
        for chunk in logs.chunks(ROWS_PER_STATEMENT) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|row| format!("({})", placeholders(1 + row * COLUMNS, COLUMNS)))
                .collect();
            let sql = format!("INSERT INTO scim_logs ({}) VALUES {}", columns!(), rows.join(", "));
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for log in chunk {
                let entry = &log.entry;
                query = query
                    .bind(entry.id.clone())
                    .bind(entry.site_id.as_ref().map(|id| id.as_str().to_owned()))
                    .bind(entry.provider_id.as_ref().map(|id| id.as_str().to_owned()))
                    .bind(micros(entry.at))
                    .bind(entry.method.clone())
                    .bind(entry.path.clone())
                    .bind(i64::from(entry.status))
                    .bind(entry.duration_us)
                    .bind(entry.request_id.clone())
                    .bind(entry.scim_type.clone())
                    .bind(entry.refusal.clone())
                    .bind(log.bodies.request.clone())
                    .bind(log.bodies.response.clone());
            }
            query.execute(self.conn()).await?;
        }
        Ok(())
    }

    async fn search_scim_logs(
        &mut self,
        site: &SiteId,
        filter: &ScimLogFilter,
    ) -> Result<Vec<ScimLogRow>, StoreError> {
        let (conditions, binds) = conditions(filter);
        let sql = format!(
            "SELECT {SUMMARY} {FROM} WHERE l.site_id = $1{conditions} \
             ORDER BY l.at DESC, l.id DESC LIMIT ${}",
            binds.len() + 2
        );
        let query = sqlx::query(AssertSqlSafe(sql)).bind(site.as_str());
        let limit = i64::try_from(filter.limit).unwrap_or(i64::MAX);
        let rows = bind_all(query, &binds).bind(limit).fetch_all(self.conn()).await?;
        rows.iter().map(row_from).collect()
    }

    async fn scim_log(
        &mut self,
        site: &SiteId,
        id: &str,
    ) -> Result<Option<(ScimLogRow, ScimLogBodies)>, StoreError> {
        let sql = format!(
            "SELECT {SUMMARY}, l.request, l.response {FROM} WHERE l.site_id = $1 AND l.id = $2"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(site.as_str())
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let c = Cols(&row);
        let bodies = ScimLogBodies { request: c.text("request")?, response: c.text("response")? };
        Ok(Some((row_from(&row)?, bodies)))
    }

    async fn purge_scim_logs(
        &mut self,
        site: &SiteId,
        before: jiff::Timestamp,
        limit: u64,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM scim_logs WHERE id IN (SELECT id FROM scim_logs \
             WHERE site_id = $1 AND at < $2 LIMIT $3)",
        )
        .bind(site.as_str())
        .bind(micros(before))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected())
    }

    async fn purge_unattributed_scim_logs(
        &mut self,
        before: jiff::Timestamp,
        limit: u64,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM scim_logs WHERE id IN (SELECT l.id FROM scim_logs l \
             WHERE l.at < $1 AND (l.site_id IS NULL OR NOT EXISTS \
             (SELECT 1 FROM sites s WHERE s.id = l.site_id)) LIMIT $2)",
        )
        .bind(micros(before))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected())
    }
}
