//! What roster measures (SPEC §7, `/metrics`): every metric's name, its
//! help text and, for histograms, its buckets, in one catalogue; and the
//! calls the areas and the scheduler make when something worth counting
//! happened.
//!
//! Values are recorded through the `metrics` facade, which does nothing
//! until a process installs a recorder (`roster serve` does, through
//! roster-http; the CLI does not), so the use cases never depend on it.
//! Every label value is a `&'static str` from a closed set, so no call
//! allocates a label and no series is created from client input.
//! Durations are wall-clock time measured with `Instant`, not the
//! context's clock, which tests move.

use std::time::Duration;

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};

pub const SCIM_REQUESTS: &str = "roster_scim_requests_total";
pub const SCIM_REQUEST_DURATION: &str = "roster_scim_request_duration_seconds";
pub const SIGN_INS: &str = "roster_sign_ins_total";
pub const SIGN_IN_REFUSALS: &str = "roster_sign_in_refusals_total";
pub const JIT_USERS_CREATED: &str = "roster_jit_users_created_total";
pub const JOB_RUNS: &str = "roster_job_runs_total";
pub const JOB_DURATION: &str = "roster_job_duration_seconds";
pub const JOB_LAST_SUCCESS: &str = "roster_job_last_success_timestamp_seconds";
pub const LDAP_SYNCS: &str = "roster_ldap_syncs_total";
pub const LDAP_SYNC_DURATION: &str = "roster_ldap_sync_duration_seconds";
pub const LDAP_SYNC_USERS: &str = "roster_ldap_sync_users_total";
pub const LDAP_SYNC_GROUPS: &str = "roster_ldap_sync_groups_total";
pub const LDAP_SYNC_ENTRY_ERRORS: &str = "roster_ldap_sync_entry_errors_total";
/// Emitted by the webhook deliveries (`outcome`: `delivered`, `failed`,
/// `gave_up`).
pub const WEBHOOK_DELIVERIES: &str = "roster_webhook_deliveries_total";
pub const WEBHOOK_DELIVERY_DURATION: &str = "roster_webhook_delivery_duration_seconds";

/// Bucket bounds, in seconds: a SCIM answer takes milliseconds, a job or a
/// sync seconds to minutes, a webhook delivery up to its timeout.
const REQUEST_BUCKETS: &[f64] =
    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
const JOB_BUCKETS: &[f64] = &[0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0];
const DELIVERY_BUCKETS: &[f64] = &[0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Every histogram with its buckets: the recorder renders these as
/// Prometheus histograms (and would render any other as a summary).
pub const HISTOGRAMS: [(&str, &[f64]); 4] = [
    (SCIM_REQUEST_DURATION, REQUEST_BUCKETS),
    (JOB_DURATION, JOB_BUCKETS),
    (LDAP_SYNC_DURATION, JOB_BUCKETS),
    (WEBHOOK_DELIVERY_DURATION, DELIVERY_BUCKETS),
];

/// Gives every metric its help text; called once, after the recorder is
/// installed. A metric shows in `/metrics` from its first value on.
pub fn describe() {
    describe_counter!(
        SCIM_REQUESTS,
        "SCIM requests answered, by the provider kind of the authenticated client (none when \
         no client authenticated), method and status code."
    );
    describe_histogram!(
        SCIM_REQUEST_DURATION,
        "Time to answer a SCIM request, in seconds, by provider kind, method and status class."
    );
    describe_counter!(
        SIGN_INS,
        "Sign-in steps, by method (saml, password, totp) and outcome (signed_in, \
         code_required, refused, error)."
    );
    describe_counter!(SIGN_IN_REFUSALS, "Refused sign-in steps, by method and reason class.");
    describe_counter!(JIT_USERS_CREATED, "Users created just in time by a SAML sign-in.");
    describe_counter!(JOB_RUNS, "Scheduled job runs, by job and outcome (succeeded, failed).");
    describe_histogram!(JOB_DURATION, "How long a job run took, in seconds, by job.");
    describe_gauge!(
        JOB_LAST_SUCCESS,
        "When the job last succeeded on this instance, in seconds since the Unix epoch."
    );
    describe_counter!(
        LDAP_SYNCS,
        "LDAP syncs of a provider, by outcome (succeeded, failed) and mode (full, incremental)."
    );
    describe_histogram!(LDAP_SYNC_DURATION, "How long an LDAP sync took, in seconds.");
    describe_counter!(
        LDAP_SYNC_USERS,
        "Users changed by LDAP syncs, by change (created, updated, deprovisioned)."
    );
    describe_counter!(
        LDAP_SYNC_GROUPS,
        "Groups changed by LDAP syncs, by change (created, updated, removed)."
    );
    describe_counter!(
        LDAP_SYNC_ENTRY_ERRORS,
        "Directory entries an LDAP sync skipped (a taken username, an unusable name)."
    );
    describe_counter!(
        WEBHOOK_DELIVERIES,
        "Webhook deliveries, by outcome (delivered, failed and to be retried, gave_up)."
    );
    describe_histogram!(
        WEBHOOK_DELIVERY_DURATION,
        "How long a webhook delivery attempt took, in seconds."
    );
}

/// One sign-in step's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignInOutcome {
    /// A session was opened.
    SignedIn,
    /// The first factor passed; a TOTP code is asked for.
    CodeRequired,
    /// Refused, for the reason class given.
    Refused(&'static str),
    /// The server failed.
    Error,
}

/// Counts a sign-in step: `method` is `saml`, `password` or `totp`.
pub(crate) fn sign_in(method: &'static str, outcome: SignInOutcome) {
    let name = match outcome {
        SignInOutcome::SignedIn => "signed_in",
        SignInOutcome::CodeRequired => "code_required",
        SignInOutcome::Refused(reason) => {
            counter!(SIGN_IN_REFUSALS, "method" => method, "reason" => reason).increment(1);
            "refused"
        }
        SignInOutcome::Error => "error",
    };
    counter!(SIGN_INS, "method" => method, "outcome" => name).increment(1);
}

pub(crate) fn jit_user_created() {
    counter!(JIT_USERS_CREATED).increment(1);
}

/// Counts a job run that took `took`; `finished_at` is the run's end in
/// seconds since the epoch.
pub(crate) fn job_run(job: &'static str, succeeded: bool, took: Duration, finished_at: f64) {
    let outcome = if succeeded { "succeeded" } else { "failed" };
    counter!(JOB_RUNS, "job" => job, "outcome" => outcome).increment(1);
    histogram!(JOB_DURATION, "job" => job).record(took.as_secs_f64());
    if succeeded {
        gauge!(JOB_LAST_SUCCESS, "job" => job).set(finished_at);
    }
}

/// What one LDAP sync did, as the metrics count it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SyncCounts {
    pub succeeded: bool,
    pub full: bool,
    pub took: Duration,
    pub users: [u32; 3],
    pub groups: [u32; 3],
    pub entry_errors: u32,
}

pub(crate) fn ldap_sync(counts: SyncCounts) {
    let outcome = if counts.succeeded { "succeeded" } else { "failed" };
    let mode = if counts.full { "full" } else { "incremental" };
    counter!(LDAP_SYNCS, "outcome" => outcome, "mode" => mode).increment(1);
    histogram!(LDAP_SYNC_DURATION).record(counts.took.as_secs_f64());
    for (change, n) in ["created", "updated", "deprovisioned"].into_iter().zip(counts.users) {
        counter!(LDAP_SYNC_USERS, "change" => change).increment(u64::from(n));
    }
    for (change, n) in ["created", "updated", "removed"].into_iter().zip(counts.groups) {
        counter!(LDAP_SYNC_GROUPS, "change" => change).increment(u64::from(n));
    }
    counter!(LDAP_SYNC_ENTRY_ERRORS).increment(u64::from(counts.entry_errors));
}

/// Counts a webhook delivery attempt by its outcome.
pub(crate) fn webhook_delivery(outcome: roster_domain::DeliveryOutcome, took: Duration) {
    counter!(WEBHOOK_DELIVERIES, "outcome" => outcome.as_str()).increment(1);
    histogram!(WEBHOOK_DELIVERY_DURATION).record(took.as_secs_f64());
}
