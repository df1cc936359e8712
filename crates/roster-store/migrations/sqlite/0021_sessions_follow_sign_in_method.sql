-- A session is good for as long as its user signs in the way it was opened
-- (a password, or one provider). When the user's sign-in method changes,
-- whoever changes it (an administrator, a password group, a provider taking
-- the user over by SCIM, the LDAP sync, the CLI, another instance), the
-- user's open sessions end at the time of the change. Reading a session
-- checks the method as well, but that alone would revive a session through
-- a provider the moment the user is moved back to it.
-- A trigger rather than a statement in the store's user writes: it costs
-- nothing when the method stays (every SCIM write updates the row), and no
-- path that writes users can miss it.
-- The postgres file is the same rule.

CREATE TRIGGER users_sign_in_method_changed
AFTER UPDATE OF auth_provider_id ON users
WHEN OLD.auth_provider_id IS NOT NEW.auth_provider_id
BEGIN
    UPDATE sessions SET revoked_at = NEW.updated_at
    WHERE site_id = NEW.site_id AND user_id = NEW.id AND revoked_at IS NULL;
END;
