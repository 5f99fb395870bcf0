ALTER TABLE notices DROP COLUMN alert_id;
DROP INDEX fraud_alerts_end_to_end_id;
DROP INDEX fraud_alerts_uetr;
ALTER TABLE fraud_alerts DROP COLUMN end_to_end_id, DROP COLUMN uetr;
