DROP TRIGGER app_settings_keep_four_eyes ON app_settings;
DROP FUNCTION app_settings_keep_four_eyes();
ALTER TABLE second_factors DROP COLUMN code_tries_since;
ALTER TABLE second_factors DROP COLUMN code_tries;
DROP TRIGGER users_four_eyes ON users;
DROP FUNCTION note_four_eyes();
GRANT UPDATE, DELETE ON signing_keys, signed_documents TO cyberbridge_service;
GRANT INSERT ON audit_events TO cyberbridge_service;
DO $$ BEGIN
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC', current_database());
END $$;
