-- The payment an alert is about, as the payment network names it: the SWIFT gpi / ISO 20022
-- UETR (a UUID v4, kept in lower case) and the end-to-end identification the payer's bank
-- gave the transfer (Max35Text). A desk finds an alert by either and matches it to the
-- recall it sends on its own network.
ALTER TABLE fraud_alerts ADD COLUMN uetr text, ADD COLUMN end_to_end_id text;
CREATE INDEX fraud_alerts_uetr ON fraud_alerts (uetr) WHERE uetr IS NOT NULL;
CREATE INDEX fraud_alerts_end_to_end_id ON fraud_alerts (end_to_end_id) WHERE end_to_end_id IS NOT NULL;

-- A notice may be about an alert (received: the alert; an outcome along a trail: the trail,
-- named by its first alert's id): the console page it links to.
ALTER TABLE notices ADD COLUMN alert_id uuid;
