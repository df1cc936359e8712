//! Hidden `roster serve` options that make the scheduler observable in a
//! test that runs the real binary (`tests/it/scale_out.rs`): how often the
//! server looks for due jobs, and one short interval for every job instead
//! of their minutes and hours.
//!
//! They cannot reach production: they are hidden from `--help`, have no
//! environment variable (so that nothing left in a deployment's
//! environment turns them on; STYLE rule 9 asks for one on every server
//! flag, this is the exception), are named `--test-...`, and a release
//! build refuses to start with either. A debug build that uses them says so
//! in its log.

use anyhow::bail;
use clap::Args;
use jiff::SignedDuration;

/// The shortest a knob may be: the scheduler writes to the database on
/// every check, so even a test should not spin.
const SHORTEST: SignedDuration = SignedDuration::from_millis(50);

#[derive(Debug, Args)]
pub struct TestKnobs {
    /// Tests only (debug builds): look for due jobs this often (for example
    /// 200ms) instead of every 5 seconds.
    #[arg(long, hide = true)]
    pub test_job_check_every: Option<SignedDuration>,
    /// Tests only (debug builds): every job is due again this long (for
    /// example 1s) after its last run, instead of after its own interval.
    #[arg(long, hide = true)]
    pub test_job_every: Option<SignedDuration>,
}

/// What the knobs set, checked.
pub struct Scheduling {
    /// How often to look for due jobs.
    pub check_every: std::time::Duration,
    /// Every job's interval, when a test shortens it.
    pub job_every: Option<SignedDuration>,
}

impl TestKnobs {
    /// The scheduling `roster serve` runs with: `default_check` unless a
    /// test set the knobs, which a release build refuses.
    pub fn scheduling(&self, default_check: std::time::Duration) -> anyhow::Result<Scheduling> {
        let set = [self.test_job_check_every, self.test_job_every];
        if set.iter().all(Option::is_none) {
            return Ok(Scheduling { check_every: default_check, job_every: None });
        }
        if !cfg!(debug_assertions) {
            bail!(
                "--test-job-check-every and --test-job-every are for tests, in debug builds only"
            );
        }
        if set.iter().flatten().any(|knob| *knob < SHORTEST) {
            bail!("--test-job-check-every and --test-job-every must be at least {SHORTEST:#}");
        }
        let check_every = match self.test_job_check_every {
            Some(every) => every.unsigned_abs(),
            None => default_check,
        };
        tracing::warn!(
            check_every = ?check_every,
            job_every = ?self.test_job_every,
            "test knobs are on: jobs are scheduled for a test, not as in production"
        );
        Ok(Scheduling { check_every, job_every: self.test_job_every })
    }
}
