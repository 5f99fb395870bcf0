-- /metrics reads the age of the oldest waiting webhook delivery at each scrape: a partial index
-- keeps that a probe however long the backlog grows.
CREATE INDEX webhook_deliveries_pending_age ON webhook_deliveries (created_at) WHERE status = 'pending';
