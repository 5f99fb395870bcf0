-- Fraud alerts are versioned like every resource a state-changing POST acts on: an outcome
-- bumps the version, and `If-Match` on POST /fraud-alerts/{id}/outcomes is checked against it.
ALTER TABLE fraud_alerts ADD COLUMN version integer NOT NULL DEFAULT 1;
