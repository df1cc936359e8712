-- Mail alerts to a site's administrators (SPEC §6, §8): SCIM tokens about
-- to expire, LDAP provisioning that switched itself off, SAML metadata that
-- fails to refresh.
--
-- mail_alerts: one row per alert, under a key that names what it is about
-- (a credential and a threshold, a switch-off, a failure streak). The row
-- is claimed before the mail goes out: inserted if absent, or taken over
-- when its last try failed or its sender's claim ran out, in one statement,
-- so that of several instances one sends. status is 'sending' while
-- claimed, then 'sent', 'failed' (tried again later), 'no_recipient' or
-- 'mail_off'; subject and body are what was (or would have been) sent.
-- The other dialect's file is the same schema.

CREATE TABLE mail_alerts (
    site_id       TEXT    NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    alert_key     TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    provider_id   TEXT,
    status        TEXT    NOT NULL
        CHECK (status IN ('sending', 'sent', 'failed', 'no_recipient', 'mail_off')),
    claim_owner   TEXT,
    claim_until   INTEGER,
    attempts      INTEGER NOT NULL,
    recipients    TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    error         TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (site_id, alert_key)
);

CREATE INDEX mail_alerts_status ON mail_alerts (status, updated_at);
