-- Responses to data requests: structured records and file attachments kept in PostgreSQL with
-- their SHA-256 (every download is audited: chain of custody).
CREATE TABLE data_request_responses (
    id            uuid PRIMARY KEY,
    request_id    uuid NOT NULL REFERENCES data_requests (id),
    records       jsonb NOT NULL,
    author_org_id uuid NOT NULL,
    author_id     uuid,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX data_request_responses_request ON data_request_responses (request_id, created_at);

CREATE TABLE data_request_attachments (
    id           uuid PRIMARY KEY,
    response_id  uuid NOT NULL REFERENCES data_request_responses (id),
    request_id   uuid NOT NULL REFERENCES data_requests (id),
    filename     text NOT NULL,
    content_type text NOT NULL,
    size         bigint NOT NULL,
    sha256       bytea NOT NULL,
    content      bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX data_request_attachments_response ON data_request_attachments (response_id);
