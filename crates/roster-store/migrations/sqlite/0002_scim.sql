-- SCIM: what the protocol keeps beyond SPEC §1's user model.
-- - users.scim_extra: the SCIM attributes without a column of their own
--   (phoneNumbers, title, addresses, enterprise department, ...), as a JSON
--   object in the resource's canonical form; '{}' when there are none.
-- - users.version / groups.version: the ETag counter, bumped by every change.
-- - user_emails: every e-mail of a user, so that `emails.value eq` uses an
--   index; users.email stays the primary (or first work) address.
-- - group_member_groups: groups that are members of groups.
-- postgres/0002_scim.sql is the same schema.

ALTER TABLE users ADD COLUMN scim_extra TEXT NOT NULL DEFAULT '{}';
ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX users_external_id ON users (site_id, external_id);
-- Lists without sortBy are ordered by creation; this index serves their pages
-- and, holding the columns of a SCIM client's scope, their counts.
CREATE INDEX users_created ON users (site_id, created_at, id, provisioned_by_provider_id, auth_provider_id);

ALTER TABLE groups ADD COLUMN external_id TEXT;
ALTER TABLE groups ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX groups_external_id ON groups (site_id, external_id);
CREATE INDEX groups_created ON groups (site_id, created_at, id);

CREATE TABLE user_emails (
    site_id    TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    position   INTEGER NOT NULL,
    value      TEXT    NOT NULL,
    value_key  TEXT    NOT NULL,
    kind       TEXT,
    is_primary INTEGER NOT NULL CHECK (is_primary IN (0, 1)),
    PRIMARY KEY (site_id, user_id, position),
    FOREIGN KEY (site_id, user_id) REFERENCES users (site_id, id) ON DELETE CASCADE
);

CREATE INDEX user_emails_value ON user_emails (site_id, value_key);

CREATE TABLE group_member_groups (
    site_id         TEXT    NOT NULL,
    group_id        TEXT    NOT NULL,
    member_group_id TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (site_id, group_id, member_group_id),
    FOREIGN KEY (site_id, group_id) REFERENCES groups (site_id, id) ON DELETE CASCADE,
    FOREIGN KEY (site_id, member_group_id) REFERENCES groups (site_id, id) ON DELETE CASCADE
);

CREATE INDEX group_member_groups_member ON group_member_groups (site_id, member_group_id);
