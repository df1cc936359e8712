-- LDAP / Active Directory provisioning (SPEC §6).
--
-- providers.ldap_*: the settings beyond the first ones: connection
-- security ('ldaps', 'starttls', 'plain'; ldap_secure stays in step for
-- older readers), a CA certificate (PEM), user and group filters, the
-- interval between syncs in minutes, the failure threshold, and why
-- provisioning switched itself off.
--
-- ldap_links: which local user or group a directory entry is, by the
-- directory's stable id (objectGUID, entryUUID), so that a rename keeps
-- the identity. A local record is linked once.
--
-- ldap_sync_state: per provider, how far incremental syncs have read
-- (the users' and groups' watermarks), when the last full sync ran, and
-- the lease that lets one instance sync a provider at a time.
--
-- ldap_sync_runs: each sync's outcome, newest first.
-- The other dialect's file is the same schema.

ALTER TABLE providers ADD COLUMN ldap_security TEXT;
ALTER TABLE providers ADD COLUMN ldap_ca_certificate TEXT;
ALTER TABLE providers ADD COLUMN ldap_user_filter TEXT;
ALTER TABLE providers ADD COLUMN ldap_group_filter TEXT;
ALTER TABLE providers ADD COLUMN ldap_interval_minutes BIGINT NOT NULL DEFAULT 60;
ALTER TABLE providers ADD COLUMN ldap_failure_threshold BIGINT NOT NULL DEFAULT 5;
ALTER TABLE providers ADD COLUMN ldap_disabled_reason TEXT;
UPDATE providers SET ldap_security = CASE WHEN ldap_secure = 1 THEN 'ldaps' ELSE 'plain' END
    WHERE ldap_configured = 1;

CREATE TABLE ldap_links (
    site_id     TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('user', 'group')),
    stable_id   TEXT NOT NULL,
    local_id    TEXT NOT NULL,
    dn          TEXT NOT NULL,
    PRIMARY KEY (site_id, provider_id, kind, stable_id),
    UNIQUE (site_id, kind, local_id),
    FOREIGN KEY (site_id, provider_id) REFERENCES providers (site_id, id) ON DELETE CASCADE
);

CREATE TABLE ldap_sync_state (
    site_id         TEXT NOT NULL,
    provider_id     TEXT NOT NULL,
    user_watermark  TEXT,
    group_watermark TEXT,
    last_full_at    BIGINT,
    last_run_at     BIGINT,
    lease_owner     TEXT,
    lease_until     BIGINT,
    PRIMARY KEY (site_id, provider_id),
    FOREIGN KEY (site_id, provider_id) REFERENCES providers (site_id, id) ON DELETE CASCADE
);

CREATE TABLE ldap_sync_runs (
    site_id     TEXT NOT NULL,
    id          TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    full_sync   BIGINT NOT NULL CHECK (full_sync IN (0, 1)),
    succeeded   BIGINT NOT NULL CHECK (succeeded IN (0, 1)),
    served_by   TEXT,
    -- The outcome's counters and per-entry errors, as JSON.
    report      TEXT NOT NULL,
    PRIMARY KEY (site_id, id),
    FOREIGN KEY (site_id, provider_id) REFERENCES providers (site_id, id) ON DELETE CASCADE
);

CREATE INDEX ldap_sync_runs_newest ON ldap_sync_runs (site_id, provider_id, started_at);
