ALTER TABLE data_requests DROP COLUMN validating_officer;
ALTER TABLE data_requests DROP COLUMN issuing_officer;
ALTER TABLE users DROP COLUMN may_validate;
ALTER TABLE users DROP COLUMN may_issue_requests;
ALTER TABLE users DROP COLUMN officer_registration;
ALTER TABLE users DROP COLUMN officer_function;
