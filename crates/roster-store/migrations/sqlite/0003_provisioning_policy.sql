-- The provisioning policy (SPEC §4, roster_domain::policy):
-- - provisioning_state: 'active' (the application sees it), 'pending'
--   (outside the provider's group filters: kept for the identity provider,
--   invisible to the application) or, for users, 'released' (removed by its
--   source, kept by the options; no longer managed by the source).
-- - users.provider_grants: the roles the provider's group mappings granted
--   ('site_admin', 'readonly_site_admin', 'password_login', joined by ','),
--   so that leaving a group takes back exactly those.
-- - group_members.admin_granted: the group-admin flag came from the
--   provider's group admin groups.
-- - users.password_hash: the Argon2id PHC string of a password set for the
--   user (password groups sign in with one), NULL when none was set.
-- The other dialect's file is the same schema.

ALTER TABLE users ADD COLUMN provisioning_state TEXT NOT NULL DEFAULT 'active';
ALTER TABLE users ADD COLUMN provider_grants TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN password_hash TEXT;
ALTER TABLE groups ADD COLUMN provisioning_state TEXT NOT NULL DEFAULT 'active';
ALTER TABLE group_members ADD COLUMN admin_granted INTEGER NOT NULL DEFAULT 0 CHECK (admin_granted IN (0, 1));

-- SCIM lists leave out released users: the index that serves their pages
-- and counts holds the state too, so that a count stays inside the index.
DROP INDEX users_created;
CREATE INDEX users_created ON users (site_id, created_at, id, provisioned_by_provider_id, auth_provider_id, provisioning_state);
