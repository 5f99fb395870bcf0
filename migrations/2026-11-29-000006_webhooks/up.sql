-- Webhook endpoints and their deliveries. A delivery row is made for every matching active
-- endpoint in the transaction that writes the outbox event, so no event is missed.

CREATE TABLE webhooks (
    id                   uuid PRIMARY KEY,
    organization_id      uuid NOT NULL REFERENCES organizations (id),
    url                  text NOT NULL,
    event_types          text[] NOT NULL DEFAULT '{}',
    -- `whsec_` + base64 key: needed in clear to sign; shown to the owner once.
    secret               text NOT NULL,
    active               boolean NOT NULL DEFAULT true,
    disabled_reason      text,
    consecutive_failures integer NOT NULL DEFAULT 0,
    version              integer NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_org ON webhooks (organization_id) WHERE active;

CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    webhook_id      uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    outbox_id       bigint NOT NULL REFERENCES outbox_events (id),
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_until   timestamptz,
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    UNIQUE (webhook_id, outbox_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, created_at);

-- The delivery log: one row per attempt.
CREATE TABLE webhook_attempts (
    id          bigserial PRIMARY KEY,
    delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    status      integer,
    error       text,
    duration_ms integer NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

CREATE OR REPLACE FUNCTION notify_outbox_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.type <> 'webhook.test' THEN
        INSERT INTO webhook_deliveries (webhook_id, outbox_id)
        SELECT w.id, NEW.id FROM webhooks w
        WHERE w.organization_id = NEW.recipient_org_id AND w.active
          AND (cardinality(w.event_types) = 0 OR NEW.type = ANY (w.event_types));
    END IF;
    PERFORM pg_notify('cyberbridge_events', NEW.recipient_org_id::text);
    RETURN NULL;
END;
$$;
