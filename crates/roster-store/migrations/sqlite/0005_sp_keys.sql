-- The SAML service provider's own key pairs and single logout (SPEC §5).
--
-- sp_keys: the SP's own key pairs: one SP for every
-- site, so the keys are global, and stored here so that every instance
-- signs and decrypts with the same ones.
-- - purpose: 'signing' (AuthnRequests, logout messages) or 'encryption'
--   (assertions IdPs encrypt to the SP).
-- - generation: 1 for the first key of a purpose, one more per rotation;
--   unique per purpose, so two instances starting at once create one
--   first key between them.
-- - private_key: PKCS#8 DER, base64; certificate: X.509 DER, base64 (the
--   self-signed certificate the SP's metadata publishes).
-- - activates_at: from when a signing key signs (a rotation publishes the
--   new key first, so IdPs that pin certificates can take it up);
--   retires_at: from when a key is neither published nor used.
-- The other dialect's file is the same schema.

CREATE TABLE sp_keys (
    id           TEXT    NOT NULL PRIMARY KEY,
    purpose      TEXT    NOT NULL CHECK (purpose IN ('signing', 'encryption')),
    generation   INTEGER NOT NULL,
    private_key  TEXT    NOT NULL,
    certificate  TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    activates_at INTEGER NOT NULL,
    retires_at   INTEGER,
    UNIQUE (purpose, generation)
);

-- Single logout: a session started by a SAML assertion keeps the
-- assertion's NameID (and its format), which a LogoutRequest names, in
-- either direction.
ALTER TABLE sessions ADD COLUMN saml_name_id TEXT;
ALTER TABLE sessions ADD COLUMN saml_name_id_format TEXT;
