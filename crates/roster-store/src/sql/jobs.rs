//! The job schedule, its leases, and the clean-up of expired rows.

use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::AssertSqlSafe;

use super::Tx;
use super::row::{Cols, flag, micros};
use crate::{Claim, JobRecord, JobRepo, JobRunRecord, Purged, StoreError};

/// Which cut-off a table's rows are compared with.
#[derive(Clone, Copy)]
enum CutOff {
    Now,
    Counters,
}

/// The tables whose rows expire, with the key that names a row and the
/// condition that says it has gone by the cut-off `$1`. Written here,
/// never from input.
const EXPIRING: [(&str, &str, &str, CutOff); 8] = [
    ("saml_requests", "site_id, id", "expires_at <= $1", CutOff::Now),
    ("saml_assertions", "site_id, issuer, assertion_id", "expires_at <= $1", CutOff::Now),
    ("sessions", "site_id, secret_hash", "expires_at <= $1 OR revoked_at <= $1", CutOff::Now),
    ("operator_sessions", "secret_hash", "expires_at <= $1 OR revoked_at <= $1", CutOff::Now),
    ("handoff_tickets", "site_id, ticket_hash", "expires_at <= $1", CutOff::Now),
    ("pending_sign_ins", "site_id, secret_hash", "expires_at <= $1", CutOff::Now),
    ("password_failures", "site_id, username_key", "window_start <= $1", CutOff::Counters),
    ("second_factor_failures", "site_id, user_id", "window_start <= $1", CutOff::Counters),
];

#[async_trait]
impl JobRepo for Tx {
    async fn ensure_jobs(&mut self, names: &[&str], now: Timestamp) -> Result<(), StoreError> {
        for name in names {
            sqlx::query(
                "INSERT INTO job_schedule (name, next_due_at) VALUES ($1, $2) \
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(*name)
            .bind(micros(now))
            .execute(self.conn())
            .await?;
        }
        Ok(())
    }

    async fn claim_job(
        &mut self,
        name: &str,
        owner: &str,
        claim: Claim,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<Option<Timestamp>, StoreError> {
        // One statement: of instances claiming at once, one changes the row
        // (PostgreSQL re-checks the condition on the row another committed).
        let due = match claim {
            Claim::WhenDue => " AND next_due_at <= $3",
            Claim::Now => "",
        };
        let sql = format!(
            "UPDATE job_schedule SET lease_owner = $2, lease_until = $4 \
             WHERE name = $1 AND (lease_owner IS NULL OR lease_until <= $3){due} \
             RETURNING next_due_at"
        );
        let claimed = sqlx::query(AssertSqlSafe(sql))
            .bind(name)
            .bind(owner)
            .bind(micros(now))
            .bind(micros(until))
            .fetch_optional(self.conn())
            .await?;
        claimed.map(|row| Cols(&row).time("next_due_at")).transpose()
    }

    async fn renew_job_lease(
        &mut self,
        name: &str,
        owner: &str,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        let renewed = sqlx::query(
            "UPDATE job_schedule SET lease_until = $3 WHERE name = $1 AND lease_owner = $2",
        )
        .bind(name)
        .bind(owner)
        .bind(micros(until))
        .execute(self.conn())
        .await?;
        Ok(renewed.rows_affected() == 1)
    }

    async fn finish_job(
        &mut self,
        name: &str,
        owner: &str,
        run: &JobRunRecord,
        next_due_at: Timestamp,
    ) -> Result<bool, StoreError> {
        let finished = sqlx::query(
            "UPDATE job_schedule SET lease_owner = NULL, lease_until = NULL, next_due_at = $3, \
             last_started_at = $4, last_finished_at = $5, last_succeeded = $6, \
             last_summary = $7, last_error = $8 WHERE name = $1 AND lease_owner = $2",
        )
        .bind(name)
        .bind(owner)
        .bind(micros(next_due_at))
        .bind(micros(run.started_at))
        .bind(micros(run.finished_at))
        .bind(flag(run.succeeded))
        .bind(run.summary.clone())
        .bind(run.error.clone())
        .execute(self.conn())
        .await?;
        Ok(finished.rows_affected() == 1)
    }

    async fn jobs(&mut self) -> Result<Vec<JobRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, next_due_at, lease_owner, lease_until, last_started_at, \
             last_finished_at, last_succeeded, last_summary, last_error \
             FROM job_schedule ORDER BY name",
        )
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|row| {
                let c = Cols(row);
                let last_run =
                    match (c.opt_time("last_started_at")?, c.opt_time("last_finished_at")?) {
                        (Some(started_at), Some(finished_at)) => Some(JobRunRecord {
                            started_at,
                            finished_at,
                            succeeded: c.opt_int("last_succeeded")? == Some(1),
                            summary: c.opt_text("last_summary")?,
                            error: c.opt_text("last_error")?,
                        }),
                        _ => None,
                    };
                Ok(JobRecord {
                    name: c.text("name")?,
                    next_due_at: c.time("next_due_at")?,
                    lease_owner: c.opt_text("lease_owner")?,
                    lease_until: c.opt_time("lease_until")?,
                    last_run,
                })
            })
            .collect()
    }

    async fn purge_expired(
        &mut self,
        now: Timestamp,
        counters_before: Timestamp,
        runs_kept: u32,
        limit: u32,
    ) -> Result<Purged, StoreError> {
        let mut counts = [0u64; EXPIRING.len()];
        for ((table, key, gone, cut_off), count) in EXPIRING.iter().zip(counts.iter_mut()) {
            let cut_off = match cut_off {
                CutOff::Now => now,
                CutOff::Counters => counters_before,
            };
            // Through the key and a limited select: PostgreSQL has no
            // DELETE ... LIMIT, and a bounded delete keeps SQLite's one
            // writer free for requests.
            let sql = format!(
                "DELETE FROM {table} WHERE ({key}) IN \
                 (SELECT {key} FROM {table} WHERE {gone} LIMIT $2)"
            );
            *count = sqlx::query(AssertSqlSafe(sql))
                .bind(micros(cut_off))
                .bind(i64::from(limit))
                .execute(self.conn())
                .await?
                .rows_affected();
        }
        let runs = sqlx::query(
            "DELETE FROM ldap_sync_runs WHERE (site_id, id) IN (SELECT site_id, id FROM \
             (SELECT site_id, id, ROW_NUMBER() OVER (PARTITION BY site_id, provider_id \
             ORDER BY started_at DESC, id DESC) AS newest FROM ldap_sync_runs) ranked \
             WHERE newest > $1 LIMIT $2)",
        )
        .bind(i64::from(runs_kept))
        .bind(i64::from(limit))
        .execute(self.conn())
        .await?
        .rows_affected();
        let webhook_deliveries = sqlx::query(
            "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM \
             (SELECT id, ROW_NUMBER() OVER (PARTITION BY webhook_id \
             ORDER BY at DESC, id DESC) AS newest FROM webhook_deliveries) ranked \
             WHERE newest > $1 LIMIT $2)",
        )
        .bind(i64::from(runs_kept))
        .bind(i64::from(limit))
        .execute(self.conn())
        .await?
        .rows_affected();
        let [
            saml_requests,
            saml_assertions,
            sessions,
            operator_sessions,
            handoff_tickets,
            pending_sign_ins,
            passwords,
            codes,
        ] = counts;
        Ok(Purged {
            saml_requests,
            saml_assertions,
            sessions: sessions + operator_sessions,
            handoff_tickets,
            pending_sign_ins,
            attempt_counters: passwords + codes,
            ldap_sync_runs: runs,
            webhook_deliveries,
        })
    }
}
