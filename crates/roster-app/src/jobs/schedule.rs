//! The schedule of the jobs (SPEC §8): their names, how often each runs,
//! and the lease that lets one instance run each due run. The lease is
//! taken in one statement only when the run is due and the lease is free
//! or expired, renewed while the job runs, and given back with the next
//! due time in one statement: so of several instances sharing a database
//! one runs each due run, and an instance killed mid-job holds the job
//! only until its lease expires.

use jiff::{SignedDuration, Timestamp};
use roster_store::{Claim, JobRecord, JobRepo, JobRunRecord, Transaction};
use serde::Serialize;

use super::{JobError, Jobs};

/// The jobs, by the names `roster jobs` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobName {
    /// LDAP syncs whose providers' intervals have passed.
    LdapSync,
    /// SAML metadata refreshes that are due.
    SamlMetadata,
    /// Expired sign-in requests, replay-cache entries, sessions, tickets,
    /// pending sign-ins, attempt counters and old LDAP sync runs.
    CleanUp,
    /// The sites' user lifecycle rules.
    LifecycleRules,
    /// Mails about SCIM credentials close to expiry, and notices whose send
    /// failed before.
    TokenExpiry,
    /// SCIM request log and history entries past their site's retention.
    LogRetention,
    /// History entries waiting for the sites' webhooks.
    Webhooks,
}

impl JobName {
    pub const ALL: [JobName; 7] = [
        Self::LdapSync,
        Self::SamlMetadata,
        Self::CleanUp,
        Self::LifecycleRules,
        Self::TokenExpiry,
        Self::LogRetention,
        Self::Webhooks,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::LdapSync => "ldap-sync",
            Self::SamlMetadata => "saml-metadata",
            Self::CleanUp => "clean-up",
            Self::LifecycleRules => "lifecycle-rules",
            Self::TokenExpiry => "token-expiry",
            Self::LogRetention => "log-retention",
            Self::Webhooks => "webhooks",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|job| job.as_str() == raw)
    }

    /// How long after a run the job is due again. Each job decides for
    /// itself what is due within it (each provider's sync interval, each
    /// metadata's refresh time), so these are how often it looks.
    pub fn every(self) -> SignedDuration {
        match self {
            // Events should reach the application within seconds; a run
            // with nothing waiting is one query.
            Self::Webhooks => SignedDuration::from_secs(5),
            Self::LdapSync => SignedDuration::from_mins(1),
            Self::SamlMetadata => SignedDuration::from_mins(15),
            Self::CleanUp | Self::LifecycleRules | Self::TokenExpiry | Self::LogRetention => {
                SignedDuration::from_hours(1)
            }
        }
    }
}

/// How long a lease lasts without renewal: what a killed instance costs.
pub const LEASE: SignedDuration = SignedDuration::from_secs(120);
/// How often a running job's lease is renewed.
pub const RENEW_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// A job as `roster jobs list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct JobView {
    pub name: String,
    /// Seconds between runs.
    pub every_seconds: i64,
    pub next_due_at: Timestamp,
    /// The instance running it now, if any.
    pub running_on: Option<String>,
    pub lease_until: Option<Timestamp>,
    pub last_started_at: Option<Timestamp>,
    pub last_finished_at: Option<Timestamp>,
    /// `succeeded` or `failed`; none before the first run.
    pub last_outcome: Option<&'static str>,
    pub last_error: Option<String>,
    /// What the last run reported.
    pub last_summary: Option<serde_json::Value>,
}

impl JobView {
    fn new(record: JobRecord, now: Timestamp) -> Option<Self> {
        let job = JobName::parse(&record.name)?;
        let leased = record.lease_until.is_some_and(|until| until > now);
        let last = record.last_run;
        Some(Self {
            name: record.name,
            every_seconds: job.every().as_secs(),
            next_due_at: record.next_due_at,
            running_on: record.lease_owner.filter(|_| leased),
            lease_until: record.lease_until.filter(|_| leased),
            last_started_at: last.as_ref().map(|run| run.started_at),
            last_finished_at: last.as_ref().map(|run| run.finished_at),
            last_outcome: last
                .as_ref()
                .map(|run| if run.succeeded { "succeeded" } else { "failed" }),
            last_error: last.as_ref().and_then(|run| run.error.clone()),
            last_summary: last
                .and_then(|run| run.summary)
                .and_then(|text| serde_json::from_str(&text).ok()),
        })
    }
}

/// How a run ended, as the scheduler records it.
#[derive(Debug, Clone)]
pub struct JobOutcome {
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    /// The job's report; for a failed run, what it had.
    pub summary: Option<serde_json::Value>,
    pub error: Option<String>,
}

impl Jobs<'_> {
    /// Every job has its row, due now if it is new.
    pub async fn ensure_scheduled(&self) -> Result<(), JobError> {
        let names: Vec<&str> = JobName::ALL.iter().map(|job| job.as_str()).collect();
        let mut tx = self.write().await?;
        tx.ensure_jobs(&names, self.ctx.clock.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes the job's lease for `owner` and returns the due time of the
    /// run it took: `None` when another instance holds it, or
    /// (`Claim::WhenDue`) when the job is not due.
    pub async fn claim(
        &self,
        job: JobName,
        owner: &str,
        claim: Claim,
    ) -> Result<Option<Timestamp>, JobError> {
        let now = self.ctx.clock.now();
        let mut tx = self.write().await?;
        tx.ensure_jobs(&[job.as_str()], now).await?;
        let claimed = tx.claim_job(job.as_str(), owner, claim, now, now + LEASE).await?;
        tx.commit().await?;
        Ok(claimed)
    }

    /// Extends `owner`'s lease; `false` when it lost it (it ran past the
    /// lease without renewing, and another instance took the job).
    pub async fn renew(&self, job: JobName, owner: &str) -> Result<bool, JobError> {
        let until = self.ctx.clock.now() + LEASE;
        let mut tx = self.write().await?;
        let renewed = tx.renew_job_lease(job.as_str(), owner, until).await?;
        tx.commit().await?;
        Ok(renewed)
    }

    /// Records the run and gives the lease back; the job is due again
    /// `every` (its [`JobName::every`], shorter only in tests) after the run
    /// finished. `false` when `owner` no longer held the lease (nothing is
    /// recorded then).
    pub async fn finish(
        &self,
        job: JobName,
        owner: &str,
        outcome: &JobOutcome,
        every: SignedDuration,
    ) -> Result<bool, JobError> {
        let run = JobRunRecord {
            started_at: outcome.started_at,
            finished_at: outcome.finished_at,
            succeeded: outcome.error.is_none(),
            summary: outcome.summary.as_ref().map(ToString::to_string),
            error: outcome.error.clone(),
        };
        let next = outcome.finished_at + every;
        let mut tx = self.write().await?;
        let finished = tx.finish_job(job.as_str(), owner, &run, next).await?;
        tx.commit().await?;
        Ok(finished)
    }

    /// The jobs that look due now and free to take, read without writing:
    /// a scheduler claims only these, so an idle instance's checks do not
    /// queue for the (SQLite) writer. The claim decides; this only saves
    /// the ones that would fail. Jobs without a row yet are scheduled first.
    pub async fn due_now(&self) -> Result<Vec<JobName>, JobError> {
        let mut records = self.read().await?.jobs().await?;
        if records.len() < JobName::ALL.len() {
            self.ensure_scheduled().await?;
            records = self.read().await?.jobs().await?;
        }
        let now = self.ctx.clock.now();
        let free = |record: &JobRecord| record.lease_until.is_none_or(|until| until <= now);
        Ok(records
            .iter()
            .filter(|record| record.next_due_at <= now && free(record))
            .filter_map(|record| JobName::parse(&record.name))
            .collect())
    }

    /// Every job, with its schedule and last run.
    pub async fn list(&self) -> Result<Vec<JobView>, JobError> {
        self.ensure_scheduled().await?;
        let now = self.ctx.clock.now();
        let records = self.read().await?.jobs().await?;
        Ok(records.into_iter().filter_map(|record| JobView::new(record, now)).collect())
    }
}
