-- Set-up links: a time-limited, revocable link that lets a customer's IT
-- administrator configure one SSO provider of one site (its SAML trust,
-- its SCIM credential) and nothing else.
--
-- The link's secret is kept only as its SHA-256 (secret_hash), so a copy
-- of the database opens no link. created_by names the actor as the
-- history log does (operator, site_key, user:<id>). A revoked link keeps
-- its row (revoked_at) so administrators see what was handed out;
-- deleting the provider or the site deletes its links.
-- The other dialect's file is the same schema.

CREATE TABLE setup_links (
    site_id        TEXT    NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    id             TEXT    NOT NULL,
    provider_id    TEXT    NOT NULL,
    secret_hash    TEXT    NOT NULL UNIQUE,
    description    TEXT,
    created_by     TEXT    NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    revoked_at     BIGINT,
    last_opened_at BIGINT,
    PRIMARY KEY (site_id, id),
    FOREIGN KEY (site_id, provider_id) REFERENCES providers (site_id, id) ON DELETE CASCADE
);

CREATE INDEX setup_links_site ON setup_links (site_id, created_at);
