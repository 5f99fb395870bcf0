-- Accredited officers. A user of a public-sector organisation carries an officer identity
-- (function and registration number, besides their name) and the authorisations their org_admin
-- grants: to issue data requests, to validate them. A request keeps who issued and who validated
-- it as they were then (a snapshot; the user may change or leave later).
ALTER TABLE users ADD COLUMN officer_function text;
ALTER TABLE users ADD COLUMN officer_registration text;
ALTER TABLE users ADD COLUMN may_issue_requests boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN may_validate boolean NOT NULL DEFAULT false;
ALTER TABLE data_requests ADD COLUMN issuing_officer jsonb;
ALTER TABLE data_requests ADD COLUMN validating_officer jsonb;
