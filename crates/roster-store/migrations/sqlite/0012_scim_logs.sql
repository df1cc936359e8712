-- SCIM request logs (SPEC §7, issue 18).
--
-- scim_logs: one row per SCIM request and its answer, written in batches
-- by the application's log recorder after the answer went out. The site
-- and provider are those the credential named; a request whose credential
-- named none (missing or unknown) has neither, and is kept for operators
-- until the default retention ends. There is no foreign key: the
-- recorder writes after the fact, and a site or provider deleted meanwhile
-- must not make its whole batch fail; the retention job removes the rows
-- of sites that no longer exist.
--
-- request and response hold JSON documents (whitelisted headers, the body
-- with its secrets redacted, whether it was truncated); refusal is the
-- internal reason of a refused authentication, never shown to the client.
--
-- sites.scim_log_retention_days: how long a site's SCIM logs are kept.
-- The other dialect's file is the same schema.

ALTER TABLE sites ADD COLUMN scim_log_retention_days INTEGER NOT NULL DEFAULT 90;

CREATE TABLE scim_logs (
    id          TEXT NOT NULL PRIMARY KEY,
    site_id     TEXT,
    provider_id TEXT,
    at          INTEGER NOT NULL,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    status      INTEGER NOT NULL,
    duration_us INTEGER NOT NULL,
    request_id  TEXT NOT NULL,
    scim_type   TEXT,
    refusal     TEXT,
    request     TEXT NOT NULL,
    response    TEXT NOT NULL
);

-- Searches name the site and read newest first, by time then id.
CREATE INDEX scim_logs_site_at ON scim_logs (site_id, at, id);
-- Retention and the purge of unattributed rows go by time alone.
CREATE INDEX scim_logs_at ON scim_logs (at);
