-- Webhooks (issue 18, SPEC §7): a site's history entries POSTed, in seq
-- order and signed, to the application beside roster.
--
-- webhooks: one row per receiver. delivered_seq is the last history entry
-- the receiver accepted (deliveries resume after it); it starts at the
-- site's last entry when the webhook is created, so a new receiver hears
-- of what happens from then on. failures counts failed attempts since the
-- last accepted one, retry_at holds the next attempt back after a
-- failure, and disabled_reason says why roster switched the webhook off.
-- The secret signs the deliveries, so it is kept, not hashed; after a
-- rotation the previous one signs too until previous_secret_until.
--
-- webhook_deliveries: every attempt and its outcome, for administrators.
-- The clean-up job keeps each webhook's newest 200.
--
-- sites.history_retention_days: how long a site's history log is kept
-- (the log-retention job).
-- The other dialect's file is the same schema.

CREATE TABLE webhooks (
    site_id         TEXT    NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    id              TEXT    NOT NULL PRIMARY KEY,
    url             TEXT    NOT NULL,
    secret          TEXT    NOT NULL,
    previous_secret TEXT,
    previous_secret_until INTEGER,
    description     TEXT,
    enabled         INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    delivered_seq   INTEGER NOT NULL,
    failures        INTEGER NOT NULL DEFAULT 0,
    retry_at        INTEGER,
    disabled_reason TEXT,
    created_at      INTEGER NOT NULL
);

CREATE INDEX webhooks_site ON webhooks (site_id, created_at);

CREATE TABLE webhook_deliveries (
    webhook_id  TEXT    NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    id          TEXT    NOT NULL PRIMARY KEY,
    at          INTEGER NOT NULL,
    first_seq   INTEGER NOT NULL,
    last_seq    INTEGER NOT NULL,
    attempt     INTEGER NOT NULL,
    status      INTEGER,
    outcome     TEXT    NOT NULL CHECK (outcome IN ('delivered', 'failed', 'gave_up')),
    error       TEXT,
    duration_ms INTEGER NOT NULL
);

CREATE INDEX webhook_deliveries_newest ON webhook_deliveries (webhook_id, at);

ALTER TABLE sites ADD COLUMN history_retention_days INTEGER NOT NULL DEFAULT 365;
