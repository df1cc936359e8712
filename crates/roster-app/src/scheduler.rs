//! The scheduler (SPEC §8): runs each job when it is due, on one instance
//! of those sharing the database, and records how it went. It sits above
//! the areas, like [`App`], because a job may belong to any of them (the
//! LDAP sync is the sync area's); the schedule and its leases are the
//! jobs area's (`jobs::JobName`, `Jobs::claim`).
//!
//! `roster serve` calls [`Scheduler::run_due`] every few seconds;
//! `roster jobs run NAME` calls [`Scheduler::run_now`].

use jiff::{SignedDuration, Timestamp};
use roster_store::Claim;
use serde::Serialize;

use crate::App;
use crate::jobs::{JobError, JobName, JobOutcome, RENEW_EVERY};

/// One run of a job.
#[derive(Debug, Clone, Serialize)]
pub struct JobRun {
    pub job: &'static str,
    /// The due time this run was for (the job's, for a run by hand).
    pub due_at: Timestamp,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    pub succeeded: bool,
    /// What the job reported.
    pub summary: Option<serde_json::Value>,
    pub error: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    /// Another instance is running the job now.
    #[error("the {job} job is running on another instance ({owner}); try again when it is done")]
    Busy { job: &'static str, owner: String },
    #[error(transparent)]
    Job(#[from] JobError),
}

/// Runs jobs as one instance, named by `owner` in the leases it takes.
#[derive(Clone)]
pub struct Scheduler {
    app: App,
    owner: String,
    /// Every job's interval instead of its own: tests only.
    every: Option<SignedDuration>,
}

impl Scheduler {
    /// `owner` names this instance in leases: unique among the instances
    /// sharing the database (see [`instance_name`]).
    pub fn new(app: App, owner: String) -> Self {
        Self { app, owner, every: None }
    }

    /// Every job due again `every` after its run instead of after its own
    /// [`JobName::every`], so that tests see many due times in seconds
    /// (`roster serve --test-job-every`, which only debug builds accept).
    pub fn with_every(self, every: SignedDuration) -> Self {
        Self { every: Some(every), ..self }
    }

    /// Runs every job that is due and that no other instance has taken,
    /// one after another.
    pub async fn run_due(&self) -> Result<Vec<JobRun>, JobError> {
        let mut runs = Vec::new();
        let due = self.app.jobs().due_now().await?;
        for job in JobName::ALL.into_iter().filter(|job| due.contains(job)) {
            if let Some(due_at) = self.app.jobs().claim(job, &self.owner, Claim::WhenDue).await? {
                runs.push(self.run_claimed(job, due_at).await?);
            }
        }
        Ok(runs)
    }

    /// Runs the job now, due or not, unless another instance is running it.
    pub async fn run_now(&self, job: JobName) -> Result<JobRun, SchedulerError> {
        let Some(due_at) = self.app.jobs().claim(job, &self.owner, Claim::Now).await? else {
            let owner = self
                .app
                .jobs()
                .list()
                .await?
                .into_iter()
                .find(|view| view.name == job.as_str())
                .and_then(|view| view.running_on)
                .unwrap_or_else(|| "unknown".to_owned());
            return Err(SchedulerError::Busy { job: job.as_str(), owner });
        };
        Ok(self.run_claimed(job, due_at).await?)
    }

    /// Runs a job whose lease this instance holds, renewing the lease while
    /// it runs, then records the outcome and gives the lease back.
    async fn run_claimed(&self, job: JobName, due_at: Timestamp) -> Result<JobRun, JobError> {
        let started_at = self.app.ctx.clock.now();
        let timer = std::time::Instant::now();
        let work = self.dispatch(job);
        tokio::pin!(work);
        let mut renew = tokio::time::interval(RENEW_EVERY);
        renew.tick().await; // the first tick is now
        let result = loop {
            tokio::select! {
                result = &mut work => break result,
                _ = renew.tick() => match self.app.jobs().renew(job, &self.owner).await {
                    Ok(true) => {}
                    Ok(false) => tracing::warn!(job = job.as_str(), "a job outran its lease; another instance may run it too"),
                    // The job goes on; the next renewal may get through.
                    Err(err) => tracing::warn!(job = job.as_str(), error = %err, "a job's lease could not be renewed"),
                },
            }
        };
        let finished_at = self.app.ctx.clock.now();
        let (summary, error) = match result {
            Ok(summary) => (Some(summary), None),
            Err(error) => (None, Some(error)),
        };
        let outcome = JobOutcome { started_at, finished_at, summary, error };
        let end = finished_at.as_duration().as_secs_f64();
        crate::metrics::job_run(job.as_str(), outcome.error.is_none(), timer.elapsed(), end);
        let every = self.every.unwrap_or_else(|| job.every());
        if !self.app.jobs().finish(job, &self.owner, &outcome, every).await? {
            tracing::warn!(
                job = job.as_str(),
                "a job finished after losing its lease; its run is not recorded"
            );
        }
        Ok(JobRun {
            job: job.as_str(),
            due_at,
            started_at,
            finished_at,
            succeeded: outcome.error.is_none(),
            summary: outcome.summary,
            error: outcome.error,
        })
    }

    /// The job's own work: its report as JSON, or why it failed.
    async fn dispatch(&self, job: JobName) -> Result<serde_json::Value, String> {
        fn report<T: Serialize, E: std::fmt::Display>(
            result: Result<T, E>,
        ) -> Result<serde_json::Value, String> {
            let report = result.map_err(|err| err.to_string())?;
            serde_json::to_value(report).map_err(|err| err.to_string())
        }
        match job {
            JobName::LdapSync => report(self.app.sync().run_due().await),
            JobName::SamlMetadata => report(self.app.jobs().saml_metadata().await),
            JobName::CleanUp => report(self.app.jobs().clean_up().await),
            JobName::LifecycleRules => report(self.app.jobs().lifecycle_rules().await),
            JobName::TokenExpiry => report(self.app.jobs().token_expiry().await),
            JobName::LogRetention => report(self.app.jobs().log_retention().await),
            JobName::Webhooks => report(self.app.webhooks().run_due().await),
        }
    }
}

/// A name for this process among the instances sharing a database: the
/// host's name, the process id and a random part (a restarted process
/// with the same id is another instance).
pub fn instance_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "roster".to_owned());
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}/{}/{}", std::process::id(), &random[..8])
}
