-- Signed orders and receipts. The public half of every key that ever signed (the private key is
-- never here), and each signed document: its exact canonical JSON text and its detached JWS.
CREATE TABLE signing_keys (
    kid           text PRIMARY KEY,
    public_key    bytea NOT NULL,
    first_used_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE signed_documents (
    id         uuid PRIMARY KEY,
    request_id uuid NOT NULL REFERENCES data_requests (id),
    kind       text NOT NULL CHECK (kind IN ('order', 'validation', 'response')),
    object_id  uuid,
    payload    text NOT NULL,
    jws        text NOT NULL,
    kid        text NOT NULL REFERENCES signing_keys (kid),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signed_documents_request ON signed_documents (request_id, created_at);
