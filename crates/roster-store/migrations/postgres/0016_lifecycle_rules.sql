-- User lifecycle rules (issue 18): per site, disable or delete the users
-- who have not signed in for inactive_days (counted from their creation
-- when they never did), optionally only those who sign in through one
-- provider (provider_id) or by one method (auth_method: 'password' or
-- 'sso'). The lifecycle-rules job applies them.
-- The other dialect's file is the same schema.

CREATE TABLE lifecycle_rules (
    site_id       TEXT    NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    id            TEXT    NOT NULL,
    action        TEXT    NOT NULL CHECK (action IN ('disable', 'delete')),
    inactive_days BIGINT NOT NULL CHECK (inactive_days > 0),
    provider_id   TEXT,
    auth_method   TEXT CHECK (auth_method IN ('password', 'sso')),
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (site_id, id),
    FOREIGN KEY (site_id, provider_id) REFERENCES providers (site_id, id) ON DELETE CASCADE
);

CREATE INDEX users_last_login ON users (site_id, last_login_at);
