-- Per-provider SAML sign-in settings (SPEC §5):
-- - saml_sign_requests: 1 signs AuthnRequests, 0 never does; NULL signs
--   them when the IdP's metadata asks (WantAuthnRequestsSigned).
-- - saml_*_attribute: the attribute an assertion's e-mail, first and last
--   name and groups are read from; NULL reads the presets.
-- The other dialect's file is the same schema.

ALTER TABLE providers ADD COLUMN saml_sign_requests BIGINT CHECK (saml_sign_requests IN (0, 1));
ALTER TABLE providers ADD COLUMN saml_email_attribute TEXT;
ALTER TABLE providers ADD COLUMN saml_first_name_attribute TEXT;
ALTER TABLE providers ADD COLUMN saml_last_name_attribute TEXT;
ALTER TABLE providers ADD COLUMN saml_groups_attribute TEXT;
