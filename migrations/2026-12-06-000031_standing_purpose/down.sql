DROP INDEX audit_events_pulls;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_purpose_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_purpose_check
    CHECK (purpose IN ('criminal_investigation', 'criminal_proceedings', 'financial_analysis', 'fraud_prevention',
                       'victim_support', 'threat_intelligence', 'supervision', 'data_subject_request', 'other'))
    NOT VALID;
ALTER TABLE api_keys DROP CONSTRAINT api_keys_standing_purpose;
ALTER TABLE api_keys DROP COLUMN standing_purpose_until;
ALTER TABLE api_keys DROP COLUMN standing_case_reference;
