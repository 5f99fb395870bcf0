-- Courts take part: they validate the data requests named to them.
ALTER TABLE organizations DROP CONSTRAINT organizations_kind_check;
ALTER TABLE organizations ADD CONSTRAINT organizations_kind_check
    CHECK (kind IN ('law_enforcement', 'prosecution', 'court', 'fiu', 'isp', 'bank', 'regulator', 'platform'));

-- The validation of a data request: the organisation the issuer named, the table that decided
-- it needs one, whether that validator reads the answers, and the seal a refusal puts on the
-- answers of a request that went out before it was validated.
ALTER TABLE data_requests ADD COLUMN validator_org_id uuid REFERENCES organizations (id);
ALTER TABLE data_requests ADD COLUMN validation_table text;
ALTER TABLE data_requests ADD COLUMN validator_reads_answers boolean NOT NULL DEFAULT false;
ALTER TABLE data_requests ADD COLUMN sealed_at timestamptz;
ALTER TABLE data_requests ADD COLUMN seal_reason text;
CREATE INDEX data_requests_validator ON data_requests (validator_org_id, created_at) WHERE validator_org_id IS NOT NULL;

-- A message goes to one side: issuer and validator talk before the request reaches the
-- addressee, issuer and addressee after. Older messages (no recipient) went between issuer
-- and addressee.
ALTER TABLE data_request_messages ADD COLUMN recipient_org_id uuid REFERENCES organizations (id);
