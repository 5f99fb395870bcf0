DROP TABLE idempotency_keys;
DROP TABLE fraud_alert_outcomes;
DROP TABLE fraud_alerts;
