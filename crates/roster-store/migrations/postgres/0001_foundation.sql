-- The foundation: sites, users, groups, memberships, SSO providers and admin
-- keys. Columns are TEXT or BIGINT only (booleans 0/1, times in
-- microseconds since the Unix epoch) so that one code path in roster-store
-- reads both dialects; sqlite/0001_foundation.sql is the same schema and a
-- test compares the two.

CREATE TABLE sites (
    id                  TEXT    NOT NULL PRIMARY KEY,
    slug                TEXT    NOT NULL UNIQUE,
    name                TEXT    NOT NULL,
    allow_manual_users  BIGINT  NOT NULL CHECK (allow_manual_users IN (0, 1)),
    allow_manual_groups BIGINT  NOT NULL CHECK (allow_manual_groups IN (0, 1)),
    two_factor          TEXT    NOT NULL,
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NOT NULL
);

CREATE TABLE providers (
    site_id                    TEXT    NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    id                         TEXT    NOT NULL,
    kind                       TEXT    NOT NULL,
    name                       TEXT    NOT NULL,
    name_key                   TEXT    NOT NULL,
    saml_trust                 TEXT    NOT NULL,
    saml_metadata_url          TEXT,
    saml_metadata_xml          TEXT,
    saml_fingerprint           TEXT,
    saml_sso_url               TEXT,
    saml_slo_url               TEXT,
    scim_auth                  TEXT    NOT NULL,
    scim_username              TEXT,
    scim_secret_hash           TEXT,
    scim_expires_at            BIGINT,
    scim_previous_secret_hash  TEXT,
    scim_previous_valid_until  BIGINT,
    scim_last_success_at       BIGINT,
    scim_last_failure_at       BIGINT,
    ldap_configured            BIGINT  NOT NULL CHECK (ldap_configured IN (0, 1)),
    ldap_enabled               BIGINT  NOT NULL CHECK (ldap_enabled IN (0, 1)),
    ldap_host                  TEXT,
    ldap_backup_host           TEXT,
    ldap_server_type           TEXT,
    ldap_port                  BIGINT,
    ldap_secure                BIGINT  NOT NULL CHECK (ldap_secure IN (0, 1)),
    ldap_username_attribute    TEXT,
    ldap_bind_username         TEXT,
    ldap_bind_password         TEXT,
    ldap_base_dn               TEXT,
    ldap_domain                TEXT,
    ldap_consecutive_failures  BIGINT  NOT NULL,
    provision_users_on_first_login BIGINT  NOT NULL CHECK (provision_users_on_first_login IN (0, 1)),
    deprovision_users              BIGINT  NOT NULL CHECK (deprovision_users IN (0, 1)),
    provision_group_memberships    BIGINT  NOT NULL CHECK (provision_group_memberships IN (0, 1)),
    deprovision_group_memberships  BIGINT  NOT NULL CHECK (deprovision_group_memberships IN (0, 1)),
    deprovisioning_method          TEXT    NOT NULL,
    provision_company              TEXT,
    default_groups                 TEXT    NOT NULL,
    only_users_in_groups           TEXT    NOT NULL,
    only_groups                    TEXT    NOT NULL,
    exclude_groups                 TEXT    NOT NULL,
    site_admin_groups              TEXT    NOT NULL,
    readonly_site_admin_groups     TEXT    NOT NULL,
    group_admin_groups             TEXT    NOT NULL,
    password_groups                TEXT    NOT NULL,
    two_factor                     TEXT    NOT NULL,
    webdav                         BIGINT  NOT NULL CHECK (webdav IN (0, 1)),
    ftp                            BIGINT  NOT NULL CHECK (ftp IN (0, 1)),
    sftp                           BIGINT  NOT NULL CHECK (sftp IN (0, 1)),
    default_time_zone              TEXT,
    created_at                 BIGINT  NOT NULL,
    updated_at                 BIGINT  NOT NULL,
    PRIMARY KEY (site_id, id),
    UNIQUE (site_id, name_key)
);

-- A SCIM credential identifies its provider (and so its site) by itself.
CREATE INDEX providers_scim_secret ON providers (scim_secret_hash);
CREATE INDEX providers_scim_previous_secret ON providers (scim_previous_secret_hash);

CREATE TABLE users (
    site_id                    TEXT    NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    id                         TEXT    NOT NULL,
    username                   TEXT    NOT NULL,
    username_key               TEXT    NOT NULL,
    full_name                  TEXT,
    first_name                 TEXT,
    last_name                  TEXT,
    display_name               TEXT,
    email                      TEXT,
    company                    TEXT,
    time_zone                  TEXT,
    enabled                    BIGINT  NOT NULL CHECK (enabled IN (0, 1)),
    -- NULL: password authentication; otherwise the SSO provider.
    auth_provider_id           TEXT,
    site_admin                 BIGINT  NOT NULL CHECK (site_admin IN (0, 1)),
    readonly_site_admin        BIGINT  NOT NULL CHECK (readonly_site_admin IN (0, 1)),
    two_factor                 TEXT    NOT NULL,
    webdav                     BIGINT  NOT NULL CHECK (webdav IN (0, 1)),
    ftp                        BIGINT  NOT NULL CHECK (ftp IN (0, 1)),
    sftp                       BIGINT  NOT NULL CHECK (sftp IN (0, 1)),
    external_id                TEXT,
    provisioned_by             TEXT    NOT NULL,
    -- Not a foreign key: deleting a provider clears it, keeping the method.
    provisioned_by_provider_id TEXT,
    created_at                 BIGINT  NOT NULL,
    updated_at                 BIGINT  NOT NULL,
    last_login_at              BIGINT,
    PRIMARY KEY (site_id, id),
    UNIQUE (site_id, username_key),
    FOREIGN KEY (site_id, auth_provider_id) REFERENCES providers (site_id, id)
);

CREATE INDEX users_auth_provider ON users (site_id, auth_provider_id);
CREATE INDEX users_provisioned_by_provider ON users (site_id, provisioned_by_provider_id);

CREATE TABLE groups (
    site_id                TEXT    NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    id                     TEXT    NOT NULL,
    name                   TEXT    NOT NULL,
    name_key               TEXT    NOT NULL,
    managed_by_provider_id TEXT,
    created_at             BIGINT  NOT NULL,
    updated_at             BIGINT  NOT NULL,
    PRIMARY KEY (site_id, id),
    UNIQUE (site_id, name_key),
    FOREIGN KEY (site_id, managed_by_provider_id) REFERENCES providers (site_id, id)
);

CREATE INDEX groups_managed_by ON groups (site_id, managed_by_provider_id);

CREATE TABLE group_members (
    site_id    TEXT    NOT NULL,
    group_id   TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    is_admin   BIGINT  NOT NULL CHECK (is_admin IN (0, 1)),
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (site_id, group_id, user_id),
    FOREIGN KEY (site_id, group_id) REFERENCES groups (site_id, id) ON DELETE CASCADE,
    FOREIGN KEY (site_id, user_id) REFERENCES users (site_id, id) ON DELETE CASCADE
);

CREATE INDEX group_members_user ON group_members (site_id, user_id);

CREATE TABLE admin_keys (
    id           TEXT    NOT NULL PRIMARY KEY,
    -- NULL: an operator key for the whole instance.
    site_id      TEXT    REFERENCES sites (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    secret_hash  TEXT    NOT NULL UNIQUE,
    prefix       TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);

CREATE INDEX admin_keys_site ON admin_keys (site_id);
