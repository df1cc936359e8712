-- The job scheduler (SPEC §8): one row per job.
--
-- job_schedule: when each job is due next, the lease of the instance
-- running it (taken in one statement only when the job is due and the
-- lease is free or expired, so that of several instances one runs each
-- due run; renewed while the job runs, so a killed instance blocks the job
-- only until its lease expires), and its last run's outcome.
--
-- The clean-up job's deletes look rows up by expiry: the indexes below
-- serve those without a sessions or tickets scan.
-- The other dialect's file is the same schema.

CREATE TABLE job_schedule (
    name             TEXT    NOT NULL PRIMARY KEY,
    next_due_at      INTEGER NOT NULL,
    lease_owner      TEXT,
    lease_until      INTEGER,
    last_started_at  INTEGER,
    last_finished_at INTEGER,
    last_succeeded   INTEGER CHECK (last_succeeded IN (0, 1)),
    last_summary     TEXT,
    last_error       TEXT
);

CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE INDEX handoff_tickets_expiry ON handoff_tickets (expires_at);
CREATE INDEX pending_sign_ins_expires ON pending_sign_ins (expires_at);
