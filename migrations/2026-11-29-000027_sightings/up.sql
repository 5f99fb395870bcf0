-- Sightings (as STIX and MISP have them): an organisation saw a value (in a payment attempt, a
-- log, a mailbox), or found it a false positive, or expired; with time and count.
CREATE TABLE sightings (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    type            text NOT NULL,
    value           text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('seen', 'false_positive', 'expired')),
    source          text NOT NULL CHECK (source IN ('payment_attempt', 'log', 'mailbox', 'network', 'other')),
    count           integer NOT NULL CHECK (count BETWEEN 1 AND 1000000),
    first_seen      timestamptz NOT NULL,
    last_seen       timestamptz NOT NULL,
    note            text,
    created_by      uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (first_seen <= last_seen)
);
CREATE INDEX sightings_value ON sightings (value, type);
CREATE INDEX sightings_created ON sightings (created_at);
