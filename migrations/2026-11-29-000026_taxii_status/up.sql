-- TAXII 2.1 status resources of envelopes added to the submit collection: per-object success
-- or failure, readable by the organisation that added them.
CREATE TABLE taxii_status (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    total_count     integer NOT NULL,
    successes       jsonb NOT NULL DEFAULT '[]'::jsonb,
    failures        jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX taxii_status_created ON taxii_status (created_at);
