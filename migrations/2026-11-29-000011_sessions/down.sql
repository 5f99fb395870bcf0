ALTER TABLE users DROP COLUMN password_change_required;
ALTER TABLE users DROP COLUMN sessions_valid_after;
