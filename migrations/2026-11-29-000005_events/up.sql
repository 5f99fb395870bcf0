-- The transactional outbox, and watchlists whose matches it carries.

CREATE TABLE outbox_events (
    id               bigserial PRIMARY KEY,
    event_id         uuid NOT NULL UNIQUE,
    type             text NOT NULL,
    recipient_org_id uuid NOT NULL REFERENCES organizations (id),
    payload          jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX outbox_events_recipient ON outbox_events (recipient_org_id, id);

-- Wakes long-polling readers of the recipient's feed (delivered on commit).
CREATE FUNCTION notify_outbox_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cyberbridge_events', NEW.recipient_org_id::text);
    RETURN NULL;
END;
$$;
CREATE TRIGGER outbox_events_notify AFTER INSERT ON outbox_events
    FOR EACH ROW EXECUTE FUNCTION notify_outbox_event();

CREATE TABLE watchlists (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    name            text NOT NULL,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX watchlists_org ON watchlists (organization_id);

-- One normalised value, or for ipv4/ipv6 a CIDR network (`network` set) matching the
-- addresses inside it.
CREATE TABLE watchlist_items (
    watchlist_id uuid NOT NULL REFERENCES watchlists (id) ON DELETE CASCADE,
    type         text NOT NULL,
    value        text NOT NULL,
    network      inet,
    PRIMARY KEY (watchlist_id, type, value)
);
CREATE INDEX watchlist_items_value ON watchlist_items (value, type) WHERE network IS NULL;
CREATE INDEX watchlist_items_network ON watchlist_items USING gist (network inet_ops) WHERE network IS NOT NULL;

-- TLP 2.0 visibility, the one definition used by every query that reads reports (inlined by
-- the planner): the reporter and `shared_with` always; CLEAR and GREEN everyone; AMBER also
-- the public sector (law enforcement, prosecution, FIU); AMBER+STRICT and RED nobody else.
CREATE FUNCTION report_visible(reporter uuid, shared_with uuid[], tlp text, viewer uuid, viewer_public boolean)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT reporter = viewer OR shared_with @> ARRAY[viewer] OR tlp IN ('clear', 'green')
        OR (tlp = 'amber' AND viewer_public)
$$;
