-- SAML trust by metadata URL (SPEC §5): what roster last fetched from a
-- provider's metadata URL. One row per provider whose trust is (or was
-- saved as) `metadata_url`:
-- - url: the URL the row's fetches came from; a row for another URL than
--   the provider's is stale and never trusted.
-- - metadata_xml, fetched_at: the last good document and when it came;
--   NULL until a fetch succeeds. A failed refresh keeps them.
-- - refresh_due_at: when the refresh job fetches it again.
-- - error, error_at: the last failed fetch, cleared by a success.
-- The other dialect's file is the same schema.

CREATE TABLE saml_idp_metadata (
    site_id        TEXT    NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    provider_id    TEXT    NOT NULL,
    url            TEXT    NOT NULL,
    metadata_xml   TEXT,
    fetched_at     INTEGER,
    refresh_due_at INTEGER NOT NULL,
    error          TEXT,
    error_at       INTEGER,
    PRIMARY KEY (site_id, provider_id),
    FOREIGN KEY (site_id, provider_id) REFERENCES providers (site_id, id) ON DELETE CASCADE
);

CREATE INDEX saml_idp_metadata_due ON saml_idp_metadata (refresh_due_at);
