ALTER TABLE fraud_alerts DROP COLUMN version;
