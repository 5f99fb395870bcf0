-- Where the last successful verification of the audit chain ended: the next one starts there
-- (`GET /audit/verify?full=true` starts from the genesis again).
CREATE TABLE audit_checkpoints (
    id bigint PRIMARY KEY,
    hash bytea NOT NULL,
    verified_at timestamptz NOT NULL DEFAULT now()
);
