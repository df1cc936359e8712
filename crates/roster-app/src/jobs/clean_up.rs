//! The clean-up job (SPEC §8): deletes what has expired and nothing can
//! use any more: outstanding SAML requests, replay-cache entries, ended
//! sessions, hand-off tickets, pending sign-ins, throttling counters whose
//! window is long over, and LDAP sync runs beyond the newest few hundred
//! of each provider. In batches, each its own short write transaction, so
//! SQLite's one writer is never held for long.

use jiff::{SignedDuration, Timestamp};
use roster_store::{JobRepo, Purged, Transaction};
use serde::Serialize;

use super::{JobError, Jobs};
use crate::Context;

/// Rows of each kind one transaction deletes at most.
const BATCH: u32 = 2_000;
/// How many batches one run deletes at most; the rest waits for the next.
const MAX_BATCHES: u32 = 50;
/// Throttling counters older than this are over: every window is shorter.
const COUNTERS_KEPT: SignedDuration = SignedDuration::from_hours(24);
/// LDAP sync runs kept per provider (the admin API lists the last 50),
/// and delivery attempts per webhook.
const RUNS_KEPT: u32 = 200;

/// What one run deleted.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CleanUpReport {
    pub saml_requests: u64,
    pub saml_assertions: u64,
    /// People's sessions and operators' console sessions.
    pub sessions: u64,
    pub handoff_tickets: u64,
    pub pending_sign_ins: u64,
    pub attempt_counters: u64,
    pub ldap_sync_runs: u64,
    pub webhook_deliveries: u64,
    /// Whether rows were left for the next run (more than one run deletes).
    pub more_left: bool,
}

impl CleanUpReport {
    fn add(&mut self, purged: Purged) {
        self.saml_requests += purged.saml_requests;
        self.saml_assertions += purged.saml_assertions;
        self.sessions += purged.sessions;
        self.handoff_tickets += purged.handoff_tickets;
        self.pending_sign_ins += purged.pending_sign_ins;
        self.attempt_counters += purged.attempt_counters;
        self.ldap_sync_runs += purged.ldap_sync_runs;
        self.webhook_deliveries += purged.webhook_deliveries;
    }
}

pub async fn run_once(ctx: &Context, now: Timestamp) -> Result<CleanUpReport, JobError> {
    Jobs::new(ctx).clean_up_at(now).await
}

impl Jobs<'_> {
    async fn clean_up_at(&self, now: Timestamp) -> Result<CleanUpReport, JobError> {
        let mut report = CleanUpReport::default();
        let counters_before = now - COUNTERS_KEPT;
        for _ in 0..MAX_BATCHES {
            let mut tx = self.write().await?;
            let purged = tx.purge_expired(now, counters_before, RUNS_KEPT, BATCH).await?;
            tx.commit().await?;
            report.add(purged);
            report.more_left = purged.largest() >= u64::from(BATCH);
            if !report.more_left {
                break;
            }
        }
        Ok(report)
    }
}
