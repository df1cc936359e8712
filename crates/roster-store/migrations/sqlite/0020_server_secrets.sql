-- Secrets of the roster server as a whole, shared by every instance on this
-- database, each created by the first instance that needs it (the store's
-- `server_secret`: insert if absent, then read what is stored).
-- - name: what the secret is for; `scim_cursor` keys the HMAC-SHA-256 tags
--   of SCIM paging cursors, so that a cursor one instance issued is honoured
--   by the others and a client cannot forge one.
-- - secret: 64 hex digits (256 random bits).
-- The postgres file is the same schema.

CREATE TABLE server_secrets (
    name TEXT NOT NULL PRIMARY KEY,
    secret TEXT NOT NULL
);
