ALTER TABLE sessions DROP COLUMN case_reference, DROP COLUMN case_purpose;
ALTER TABLE users DROP COLUMN time_zone;
