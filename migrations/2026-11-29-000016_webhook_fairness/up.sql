-- The claim takes each endpoint's due deliveries in turn: per endpoint, oldest first.
CREATE INDEX webhook_deliveries_endpoint_due ON webhook_deliveries (webhook_id, next_attempt_at) WHERE status = 'pending';
