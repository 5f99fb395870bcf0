ALTER TABLE users DROP COLUMN locale;
DROP INDEX sessions_console_secret;
ALTER TABLE sessions DROP COLUMN csrf_token, DROP COLUMN console_secret_hash;
