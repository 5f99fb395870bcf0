-- A NOTIFY inside a writing transaction takes a database-wide lock from its commit until the
-- commit is flushed, so every transaction that notifies commits after the previous one's
-- flush: no group commit (measured: one-row inserts at 16 clients, 5,400 tps without, 2,600
-- with). The API now announces new events after its transaction committed, batched in a
-- transaction of their own (src/kernel/notify.rs); the trigger only queues webhook deliveries.
CREATE OR REPLACE FUNCTION notify_outbox_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.type <> 'webhook.test' THEN
        INSERT INTO webhook_deliveries (webhook_id, outbox_id)
        SELECT w.id, NEW.id FROM webhooks w JOIN organizations o ON o.id = w.organization_id
        WHERE w.organization_id = NEW.recipient_org_id AND w.active AND o.active
          AND (cardinality(w.event_types) = 0 OR NEW.type = ANY (w.event_types));
    END IF;
    RETURN NULL;
END;
$$;

-- Each instance caches the banks' routing identifiers for the alert path; a change to them
-- empties the caches as a change to an organisation's status does.
CREATE TRIGGER bank_identifiers_changed AFTER INSERT OR UPDATE OR DELETE ON bank_identifiers
    FOR EACH STATEMENT EXECUTE FUNCTION notify_credentials_changed();
