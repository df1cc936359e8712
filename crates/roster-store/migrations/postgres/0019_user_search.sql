-- The administrators' user search (GET /api/admin/sites/{slug}/users?q=).
-- - users.search_key: the user's username, e-mail, full, first, last and
--   display names, each folded in Rust (roster_scim::fold, Unicode lower
--   case) and joined by line feeds, which no searched text may hold, so a
--   match never spans two fields. The search is a position function over
--   it (instr, strpos): no LIKE pattern is built from what an administrator
--   types, and both databases fold alike. NULL only for rows written
--   before this migration, which the store completes when it opens.
-- The sqlite file is the same schema.

ALTER TABLE users ADD COLUMN search_key TEXT;
