DROP TRIGGER IF EXISTS bank_identifiers_changed ON bank_identifiers;
-- The trigger as migration 000013 left it: it notifies in the transaction.
CREATE OR REPLACE FUNCTION notify_outbox_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.type <> 'webhook.test' THEN
        INSERT INTO webhook_deliveries (webhook_id, outbox_id)
        SELECT w.id, NEW.id FROM webhooks w JOIN organizations o ON o.id = w.organization_id
        WHERE w.organization_id = NEW.recipient_org_id AND w.active AND o.active
          AND (cardinality(w.event_types) = 0 OR NEW.type = ANY (w.event_types));
    END IF;
    PERFORM pg_notify('cyberbridge_events', NEW.recipient_org_id::text);
    RETURN NULL;
END;
$$;
