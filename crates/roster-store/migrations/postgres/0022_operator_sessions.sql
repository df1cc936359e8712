-- The console sessions of operators. Signing in to the console with an
-- operator key opens one; the console's cookie carries its random secret,
-- stored here only as a hash, so the cookie is never the key.
-- - key_id: the operator key that opened it; the session counts only while
--   that key is in force, and goes with it.
-- - expires_at: eight hours after it opened; revoked_at: signed out.
-- The clean-up job deletes ended sessions. The sqlite file is the same
-- schema.

CREATE TABLE operator_sessions (
    secret_hash TEXT    NOT NULL PRIMARY KEY,
    key_id      TEXT    NOT NULL REFERENCES admin_keys (id) ON DELETE CASCADE,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    revoked_at  BIGINT
);

CREATE INDEX operator_sessions_expiry ON operator_sessions (expires_at);
CREATE INDEX operator_sessions_key ON operator_sessions (key_id);
