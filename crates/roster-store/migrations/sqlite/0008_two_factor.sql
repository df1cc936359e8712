-- The second factor of SPEC §5: TOTP codes (RFC 6238).
--
-- user_totp: a user's enrolled authenticator. The shared secret is kept
-- as base32 (the server computes codes from it, so it cannot be hashed);
-- last_step is the last time step a code was accepted for, so that no
-- code signs in twice (RFC 6238 §5.2).
--
-- pending_sign_ins: a first factor passed (a password, or a SAML
-- assertion) and the second not yet. Only the SHA-256 of the secret in
-- the person's form is kept. The SAML columns carry what the session will
-- need for single logout; enrolment_secret is the TOTP secret offered to
-- a user who has none yet, enrolled when its first code is right.
-- failures counts wrong codes for this sign-in; a few end it.
--
-- second_factor_failures: wrong codes per user, across sign-ins, in a
-- window that starts with the first failure (as password_failures).
-- The other dialect's file is the same schema.

CREATE TABLE user_totp (
    site_id     TEXT    NOT NULL,
    user_id     TEXT    NOT NULL,
    secret      TEXT    NOT NULL,
    enrolled_at INTEGER NOT NULL,
    last_step   INTEGER NOT NULL,
    PRIMARY KEY (site_id, user_id),
    FOREIGN KEY (site_id, user_id) REFERENCES users (site_id, id) ON DELETE CASCADE
);

CREATE TABLE pending_sign_ins (
    site_id             TEXT    NOT NULL,
    secret_hash         TEXT    NOT NULL,
    user_id             TEXT    NOT NULL,
    provider_id         TEXT,
    session_index       TEXT,
    saml_name_id        TEXT,
    saml_name_id_format TEXT,
    enrolment_secret    TEXT,
    failures            INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    expires_at          INTEGER NOT NULL,
    PRIMARY KEY (site_id, secret_hash),
    FOREIGN KEY (site_id, user_id) REFERENCES users (site_id, id) ON DELETE CASCADE
);

CREATE INDEX pending_sign_ins_expiry ON pending_sign_ins (site_id, expires_at);

CREATE TABLE second_factor_failures (
    site_id      TEXT    NOT NULL,
    user_id      TEXT    NOT NULL,
    failures     INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    PRIMARY KEY (site_id, user_id),
    FOREIGN KEY (site_id, user_id) REFERENCES users (site_id, id) ON DELETE CASCADE
);
