ALTER TABLE data_request_messages DROP COLUMN recipient_org_id;
DROP INDEX data_requests_validator;
ALTER TABLE data_requests DROP COLUMN seal_reason;
ALTER TABLE data_requests DROP COLUMN sealed_at;
ALTER TABLE data_requests DROP COLUMN validator_reads_answers;
ALTER TABLE data_requests DROP COLUMN validation_table;
ALTER TABLE data_requests DROP COLUMN validator_org_id;
ALTER TABLE organizations DROP CONSTRAINT organizations_kind_check;
ALTER TABLE organizations ADD CONSTRAINT organizations_kind_check
    CHECK (kind IN ('law_enforcement', 'prosecution', 'fiu', 'isp', 'bank', 'regulator', 'platform'));
