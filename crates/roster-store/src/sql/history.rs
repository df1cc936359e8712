//! The history log: numbered appends, search and the events feed.

use async_trait::async_trait;
use roster_domain::SiteId;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

use super::Tx;
use super::row::{Cols, micros};
use super::scim_users::placeholders;
use crate::{HistoryFilter, HistoryRecord, HistoryRepo, NewHistory, StoreError};

const COLUMNS: &str = "seq, at, interface, actor_kind, actor_id, actor_name, target_kind, \
                       target_id, target_name, action, reason, changes";
/// Parameters per row besides the shared site id.
const PER_ROW: usize = 12;

fn record_from(row: &AnyRow) -> Result<HistoryRecord, StoreError> {
    let c = Cols(row);
    Ok(HistoryRecord {
        seq: c.int("seq")?,
        entry: NewHistory {
            at: c.time("at")?,
            interface: c.text("interface")?,
            actor_kind: c.text("actor_kind")?,
            actor_id: c.opt_text("actor_id")?,
            actor_name: c.opt_text("actor_name")?,
            target_kind: c.opt_text("target_kind")?,
            target_id: c.opt_text("target_id")?,
            target_name: c.opt_text("target_name")?,
            action: c.text("action")?,
            reason: c.opt_text("reason")?,
            changes: c.text("changes")?,
        },
    })
}

#[async_trait]
impl HistoryRepo for Tx {
    async fn append_history(
        &mut self,
        site: &SiteId,
        entries: &[NewHistory],
    ) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let count = i64::try_from(entries.len()).unwrap_or(i64::MAX);
        let row = sqlx::query(
            "INSERT INTO history_counters (site_id, last_seq) VALUES ($1, $2) \
             ON CONFLICT (site_id) DO UPDATE SET last_seq = history_counters.last_seq + $2 \
             RETURNING last_seq",
        )
        .bind(site.as_str())
        .bind(count)
        .fetch_one(self.conn())
        .await?;
        let first = Cols(&row).int("last_seq")? - count + 1;
        let per_statement = (super::BULK_PARAMETERS / PER_ROW).max(1);
        for (chunk_index, chunk) in entries.chunks(per_statement).enumerate() {
            let rows: Vec<String> = (0..chunk.len())
                .map(|row| format!("($1, {})", placeholders(2 + row * PER_ROW, PER_ROW)))
                .collect();
            let sql =
                format!("INSERT INTO history (site_id, {COLUMNS}) VALUES {}", rows.join(", "));
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(site.as_str());
            for (offset, entry) in chunk.iter().enumerate() {
                let seq = first + i64::try_from(chunk_index * per_statement + offset).unwrap_or(0);
                query = query
                    .bind(seq)
                    .bind(micros(entry.at))
                    .bind(entry.interface.clone())
                    .bind(entry.actor_kind.clone())
                    .bind(entry.actor_id.clone())
                    .bind(entry.actor_name.clone())
                    .bind(entry.target_kind.clone())
                    .bind(entry.target_id.clone())
                    .bind(entry.target_name.clone())
                    .bind(entry.action.clone())
                    .bind(entry.reason.clone())
                    .bind(entry.changes.clone());
            }
            query.execute(self.conn()).await?;
        }
        Ok(())
    }

    async fn search_history(
        &mut self,
        site: &SiteId,
        filter: &HistoryFilter,
        limit: u32,
    ) -> Result<Vec<HistoryRecord>, StoreError> {
        // Each condition names its own parameter; the values are bound in
        // the same order below.
        let mut conditions = vec!["site_id = $1".to_owned()];
        let mut texts: Vec<String> = Vec::new();
        for (column, value) in [
            ("interface", &filter.interface),
            ("action", &filter.action),
            ("actor_id", &filter.actor_id),
            ("target_id", &filter.target_id),
        ] {
            if let Some(value) = value {
                texts.push(value.clone());
                conditions.push(format!("{column} = ${}", 1 + texts.len()));
            }
        }
        let mut numbers: Vec<i64> = Vec::new();
        for (condition, value) in [
            ("at >=", filter.since.map(micros)),
            ("at <", filter.until.map(micros)),
            ("seq <", filter.before_seq),
        ] {
            if let Some(value) = value {
                numbers.push(value);
                conditions.push(format!("{condition} ${}", 1 + texts.len() + numbers.len()));
            }
        }
        let sql = format!(
            "SELECT {COLUMNS} FROM history WHERE {} ORDER BY seq DESC LIMIT ${}",
            conditions.join(" AND "),
            2 + texts.len() + numbers.len()
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(site.as_str());
        for text in texts {
            query = query.bind(text);
        }
        for number in numbers {
            query = query.bind(number);
        }
        let rows = query.bind(i64::from(limit)).fetch_all(self.conn()).await?;
        rows.iter().map(record_from).collect()
    }

    async fn history_after(
        &mut self,
        site: &SiteId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<HistoryRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM history WHERE site_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(site.as_str())
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(record_from).collect()
    }
}
