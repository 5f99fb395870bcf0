DROP TABLE enrolments;
ALTER TABLE second_factors DROP COLUMN session_id;
DELETE FROM approvals WHERE action IN ('organization.org_admin', 'organization.country', 'organization.reactivate');
ALTER TABLE approvals DROP CONSTRAINT approvals_action_check;
ALTER TABLE approvals ADD CONSTRAINT approvals_action_check CHECK (action IN (
    'organization.create', 'organization.bank_identifiers', 'user.platform_admin'));
