-- A machine pulling the TAXII feed for an organisation that owes a purpose for every search
-- states it once, on its key: purpose `standing_feed`, a case reference, and an end within 90
-- days of the key's creation. Every pull's audit row carries it.
ALTER TABLE api_keys ADD COLUMN standing_case_reference text;
ALTER TABLE api_keys ADD COLUMN standing_purpose_until timestamptz;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_standing_purpose
    CHECK ((standing_case_reference IS NULL) = (standing_purpose_until IS NULL));

ALTER TABLE audit_events DROP CONSTRAINT audit_events_purpose_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_purpose_check
    CHECK (purpose IN ('criminal_investigation', 'criminal_proceedings', 'financial_analysis', 'fraud_prevention',
                       'victim_support', 'threat_intelligence', 'supervision', 'data_subject_request', 'other',
                       'standing_feed'));

-- "Who read report X": feed pulls name the reports they served (details.reports).
CREATE INDEX audit_events_pulls ON audit_events USING gin ((details -> 'reports')) WHERE action = 'taxii.read';
