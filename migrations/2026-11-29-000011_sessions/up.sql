-- Access tokens issued before `sessions_valid_after` are refused: a password change or reset
-- ends every session at once, not only the refresh tokens.
ALTER TABLE users ADD COLUMN sessions_valid_after timestamptz;
-- A generated first password must be changed before the account does anything else.
ALTER TABLE users ADD COLUMN password_change_required boolean NOT NULL DEFAULT false;
