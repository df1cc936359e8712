//! The history log: numbered appends, search and the events feed.

use async_trait::async_trait;
use roster_domain::SiteId;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

use super::row::{Cols, micros};
use super::{Dialect, Tx};
use crate::{HistoryFilter, HistoryRecord, HistoryRepo, NewHistory, StoreError};

const COLUMNS: &str = "seq, at, interface, actor_kind, actor_id, actor_name, target_kind, \
                       target_id, target_name, action, reason, changes";
/// Entries written by one statement.
const ROWS_PER_STATEMENT: usize = 500;

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
        // The numbers are taken by the first chunk's statement itself, so
        // that an append is one round trip to the database for the usual
        // one to a few entries (a sign-in, a SCIM write). The counter's
        // upsert comes first: on PostgreSQL in a CTE, on SQLite as the
        // first of two statements the driver runs in one call (each takes
        // the numbered parameters it names). Each row's number is the new
        // last_seq less the rows after it; later chunks read the counter
        // this transaction moved on.
        let (rows_from, first_key) = match self.dialect {
            Dialect::Sqlite => ("json_each($3)", 0),
            Dialect::Postgres => {
                ("jsonb_array_elements(CAST($3 AS jsonb)) WITH ORDINALITY AS rows (value, key)", 1)
            }
        };
        let take_numbers = "INSERT INTO history_counters (site_id, last_seq) VALUES ($1, $4) \
                            ON CONFLICT (site_id) DO UPDATE \
                            SET last_seq = history_counters.last_seq + $4";
        // The rows travel as one JSON array per statement, not as bound
        // parameters: binding 12 parameters per row made a 30,000-entry sync
        // spend its time binding (the SQLite driver looks each name up).
        // `c`: where the new last_seq is read, with the clause that picks
        // the site's row (none for the CTE's own row).
        let insert = |(counter, site_row): (&str, &str)| {
            format!(
                "INSERT INTO history (site_id, {COLUMNS}) \
                 SELECT $1, c.last_seq - $2 + key, CAST(value ->> 0 AS BIGINT), value ->> 1, \
                        value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, \
                        value ->> 7, value ->> 8, value ->> 9, value ->> 10 \
                 FROM {counter}, {rows_from}{site_row}"
            )
        };
        let counter_row = ("history_counters c", " WHERE c.site_id = $1");
        let first_chunk = match self.dialect {
            Dialect::Sqlite => format!("{take_numbers}; {}", insert(counter_row)),
            Dialect::Postgres => {
                format!("WITH c AS ({take_numbers} RETURNING last_seq) {}", insert(("c", "")))
            }
        };
        let later_chunks = insert(counter_row);
        for (chunk_index, chunk) in entries.chunks(ROWS_PER_STATEMENT).enumerate() {
            let rows: Vec<serde_json::Value> = chunk
                .iter()
                .map(|entry| {
                    serde_json::json!([
                        micros(entry.at),
                        entry.interface,
                        entry.actor_kind,
                        entry.actor_id,
                        entry.actor_name,
                        entry.target_kind,
                        entry.target_id,
                        entry.target_name,
                        entry.action,
                        entry.reason,
                        entry.changes,
                    ])
                })
                .collect();
            // Rows after this chunk's first, less the key of the first row.
            let before_end =
                count - i64::try_from(chunk_index * ROWS_PER_STATEMENT).unwrap_or(i64::MAX) - 1
                    + first_key;
            let sql = if chunk_index == 0 { first_chunk.clone() } else { later_chunks.clone() };
            let query = sqlx::query(AssertSqlSafe(sql))
                .bind(site.as_str())
                .bind(before_end)
                .bind(serde_json::Value::Array(rows).to_string());
            // Only the first statement takes the numbers, and PostgreSQL
            // refuses a parameter its statement does not name.
            let query = if chunk_index == 0 { query.bind(count) } else { query };
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

    async fn last_history_seq(&mut self, site: &SiteId) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT last_seq FROM history_counters WHERE site_id = $1")
            .bind(site.as_str())
            .fetch_optional(self.conn())
            .await?;
        row.map_or(Ok(0), |row| Cols(&row).int("last_seq"))
    }

    async fn purge_history(
        &mut self,
        site: &SiteId,
        before: jiff::Timestamp,
        limit: u64,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM history WHERE site_id = $1 AND seq IN (SELECT seq FROM history \
             WHERE site_id = $1 AND at < $2 AND seq <= COALESCE((SELECT MIN(w.delivered_seq) \
             FROM webhooks w WHERE w.site_id = $1 AND w.enabled = 1), seq) \
             ORDER BY seq LIMIT $3)",
        )
        .bind(site.as_str())
        .bind(micros(before))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected())
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
