-- SAML sign-in (SPEC §5):
-- - saml_requests: the AuthnRequests an SP sent and not yet answered; a
--   response must answer one of its provider's, before it expires. The id
--   is random (128 bits) and unique across sites, so the shared ACS can
--   find the request by InResponseTo alone.
-- - saml_assertions: the ids of accepted assertions, kept until they
--   expire, so that none is accepted twice (by any instance).
-- - sessions: signed-in people. Only the SHA-256 of the cookie's secret is
--   stored; the hash is unique across sites, so a cookie names its site.
-- - providers.saml_*: how people sign in through a provider: whether the
--   IdP may start a sign-in (NULL: the kind's default), what the NameID
--   names ('username' or 'email'), whether RSA-SHA1 is accepted.
-- The other dialect's file is the same schema.

CREATE TABLE saml_requests (
    site_id     TEXT    NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    id          TEXT    NOT NULL,
    provider_id TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (site_id, id),
    UNIQUE (id),
    FOREIGN KEY (site_id, provider_id) REFERENCES providers (site_id, id) ON DELETE CASCADE
);

CREATE INDEX saml_requests_expiry ON saml_requests (expires_at);

CREATE TABLE saml_assertions (
    site_id      TEXT    NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    issuer       TEXT    NOT NULL,
    assertion_id TEXT    NOT NULL,
    expires_at   INTEGER NOT NULL,
    PRIMARY KEY (site_id, issuer, assertion_id)
);

CREATE INDEX saml_assertions_expiry ON saml_assertions (expires_at);

CREATE TABLE sessions (
    site_id       TEXT    NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    secret_hash   TEXT    NOT NULL,
    user_id       TEXT    NOT NULL,
    -- The provider the person signed in through; NULL for a password.
    provider_id   TEXT,
    session_index TEXT,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    revoked_at    INTEGER,
    PRIMARY KEY (site_id, secret_hash),
    UNIQUE (secret_hash),
    FOREIGN KEY (site_id, user_id) REFERENCES users (site_id, id) ON DELETE CASCADE
);

CREATE INDEX sessions_user ON sessions (site_id, user_id);

-- The ACS URL names a provider by its id alone.
CREATE INDEX providers_id ON providers (id);

ALTER TABLE providers ADD COLUMN saml_idp_initiated INTEGER CHECK (saml_idp_initiated IN (0, 1));
ALTER TABLE providers ADD COLUMN saml_name_id TEXT NOT NULL DEFAULT 'username';
ALTER TABLE providers ADD COLUMN saml_allow_sha1 INTEGER NOT NULL DEFAULT 0 CHECK (saml_allow_sha1 IN (0, 1));

-- Password sign-in throttling: failed attempts per username of a site,
-- counted in a window that starts with the first failure.
CREATE TABLE password_failures (
    site_id      TEXT    NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    username_key TEXT    NOT NULL,
    failures     INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    PRIMARY KEY (site_id, username_key)
);

-- The hand-off to the application: after signing in, people go to the
-- site's application URL with a one-time ticket (only its SHA-256 is kept)
-- that the application redeems, server to server, within a minute.
ALTER TABLE sites ADD COLUMN application_url TEXT;

CREATE TABLE handoff_tickets (
    site_id     TEXT    NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    ticket_hash TEXT    NOT NULL,
    user_id     TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (site_id, ticket_hash),
    FOREIGN KEY (site_id, user_id) REFERENCES users (site_id, id) ON DELETE CASCADE
);
