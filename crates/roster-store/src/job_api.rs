//! What the job scheduler needs from storage (SPEC §8): each job's next
//! due time, the lease that lets one instance run a due run, its last
//! outcome, and the clean-up of what expires.

use async_trait::async_trait;
use jiff::Timestamp;

use crate::StoreError;

/// A job's row: when it is due, who runs it now, how its last run went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    pub name: String,
    pub next_due_at: Timestamp,
    /// The instance running it, while its lease lasts.
    pub lease_owner: Option<String>,
    pub lease_until: Option<Timestamp>,
    pub last_run: Option<JobRunRecord>,
}

/// One finished run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRunRecord {
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    pub succeeded: bool,
    /// What the job reported, as JSON.
    pub summary: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

/// How a claim asks for a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Only when its due time has come (the scheduler).
    WhenDue,
    /// Whatever its due time (`roster jobs run`).
    Now,
}

/// Rows the clean-up removed, per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub saml_requests: u64,
    pub saml_assertions: u64,
    /// People's sessions and operators' console sessions.
    pub sessions: u64,
    pub handoff_tickets: u64,
    pub pending_sign_ins: u64,
    pub attempt_counters: u64,
    pub ldap_sync_runs: u64,
    pub webhook_deliveries: u64,
}

impl Purged {
    /// The most rows of one kind: a batch that reached its limit in any
    /// kind may have left more.
    pub fn largest(&self) -> u64 {
        [
            self.saml_requests,
            self.saml_assertions,
            self.sessions,
            self.handoff_tickets,
            self.pending_sign_ins,
            self.attempt_counters,
            self.ldap_sync_runs,
            self.webhook_deliveries,
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
    }
}

#[async_trait]
pub trait JobRepo {
    /// Adds a row, due at `now`, for each job that has none.
    async fn ensure_jobs(&mut self, names: &[&str], now: Timestamp) -> Result<(), StoreError>;
    /// Takes the job's lease for `owner` until `until`, in one statement,
    /// and returns the due time of the run it took: `None` while another
    /// owner's lease lasts, or (`Claim::WhenDue`) while the job is not due.
    async fn claim_job(
        &mut self,
        name: &str,
        owner: &str,
        claim: Claim,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<Option<Timestamp>, StoreError>;
    /// Extends a lease `owner` holds; `false` when it holds none any more.
    async fn renew_job_lease(
        &mut self,
        name: &str,
        owner: &str,
        until: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Records the run, sets the next due time and frees the lease, in one
    /// statement and only if `owner` still holds it; `false` otherwise.
    async fn finish_job(
        &mut self,
        name: &str,
        owner: &str,
        run: &JobRunRecord,
        next_due_at: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Every job's row, by name.
    async fn jobs(&mut self) -> Result<Vec<JobRecord>, StoreError>;
    /// Deletes at most `limit` rows of each kind that have expired by
    /// `now` (attempt counters whose window started before
    /// `counters_before`), and LDAP sync runs and webhook delivery attempts
    /// beyond the newest `runs_kept` of each provider and webhook. A caller
    /// repeats it while anything was deleted, each time in a short
    /// transaction of its own.
    async fn purge_expired(
        &mut self,
        now: Timestamp,
        counters_before: Timestamp,
        runs_kept: u32,
        limit: u32,
    ) -> Result<Purged, StoreError>;
}
