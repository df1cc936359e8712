-- SCIM fidelity (issue 16 §2 and §3): nothing an identity provider sent is
-- lost, and case-insensitive matching is the same on both databases.
-- - users.scim_resource: the attributes a SCIM client set, as a JSON object
--   in roster-scim's canonical form, without id, meta, schemas, groups and
--   password. What the client reads back; the profile columns (full_name,
--   email, ...) are what the application makes of it. NULL for a user no
--   SCIM client has written (one an administrator associated with a
--   provider): its SCIM view is derived from its columns.
-- - users.scim_match: that view (the resource, else the derived one) in
--   comparison form: the strings of case-insensitive attributes folded in
--   Rust (Unicode lower case), which filters and sort keys compare exactly.
--   SQLite's LOWER() folds ASCII only and PostgreSQL's follows the
--   collation, so neither is used. NULL only for rows written before this
--   migration, which the store completes when it opens.
-- - user_emails.kind_key: an e-mail's type, folded the same way.
-- - users.email_key: the user's e-mail folded the same way, which SAML
--   sign-in matches a NameID against (it compared lower(email) before).
-- users.scim_extra (migration 0002) is no longer written; the store turns
-- the rows that have it into scim_resource when it opens.
-- The sqlite file is the same schema.

ALTER TABLE users ADD COLUMN scim_resource TEXT;
ALTER TABLE users ADD COLUMN scim_match TEXT;
ALTER TABLE user_emails ADD COLUMN kind_key TEXT;
ALTER TABLE users ADD COLUMN email_key TEXT;
CREATE INDEX users_email_key ON users (site_id, email_key);
