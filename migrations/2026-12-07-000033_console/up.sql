-- The console's sessions: the browser holds a random secret whose SHA-256 is kept here (never
-- the session id, which `/me/sessions` shows), rotated at each sign-in step, and the session's
-- token against cross-site requests. A console session has no refresh tokens.
ALTER TABLE sessions
    ADD COLUMN console_secret_hash bytea,
    ADD COLUMN csrf_token text;
CREATE UNIQUE INDEX sessions_console_secret ON sessions (console_secret_hash) WHERE console_secret_hash IS NOT NULL;

-- A person's language in the console (`en`, `sq`, `sr-Latn`, `sr-Cyrl`); unset: the browser's
-- `Accept-Language`.
ALTER TABLE users ADD COLUMN locale text;
