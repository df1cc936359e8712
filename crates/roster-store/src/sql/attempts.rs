//! Throttling counters: attempts per key of a site, in a window that
//! starts with the first attempt, counted in one statement so that
//! concurrent attempts all count.

use jiff::Timestamp;
use roster_domain::SiteId;
use sqlx::AssertSqlSafe;

use super::row::{Cols, micros};
use crate::StoreError;

/// A table of counters: its name and the column of the counted key
/// (constants, never input).
pub(crate) struct Counter {
    pub table: &'static str,
    pub key: &'static str,
}

pub(crate) const PASSWORDS: Counter = Counter { table: "password_failures", key: "username_key" };
pub(crate) const CODES: Counter = Counter { table: "second_factor_failures", key: "user_id" };

/// Counts one more attempt for `key` and returns the count in the current
/// window: it restarts at 1 when its window started at or before
/// `window_expired_at`.
pub(crate) async fn count(
    conn: &mut sqlx::AnyConnection,
    counter: &Counter,
    site: &SiteId,
    key: &str,
    now: Timestamp,
    window_expired_at: Timestamp,
) -> Result<u32, StoreError> {
    let Counter { table, key: column } = counter;
    let sql = format!(
        "INSERT INTO {table} (site_id, {column}, failures, window_start) VALUES ($1, $2, 1, $3) \
         ON CONFLICT (site_id, {column}) DO UPDATE SET \
         failures = CASE WHEN {table}.window_start <= $4 THEN 1 ELSE {table}.failures + 1 END, \
         window_start = CASE WHEN {table}.window_start <= $4 THEN $3 \
                             ELSE {table}.window_start END \
         RETURNING failures"
    );
    // Table and column are the constants above.
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(site.as_str())
        .bind(key)
        .bind(micros(now))
        .bind(micros(window_expired_at))
        .fetch_one(conn)
        .await?;
    let count = Cols(&row).int("failures")?;
    u32::try_from(count).map_err(|_| StoreError::Corrupt(format!("failures = {count}")))
}

/// Forgets the attempts of `key` (after a success).
pub(crate) async fn clear(
    conn: &mut sqlx::AnyConnection,
    counter: &Counter,
    site: &SiteId,
    key: &str,
) -> Result<(), StoreError> {
    let Counter { table, key: column } = counter;
    sqlx::query(AssertSqlSafe(format!("DELETE FROM {table} WHERE site_id = $1 AND {column} = $2")))
        .bind(site.as_str())
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}
