-- Data requests from law enforcement to ISPs and banks, their history, messages and responses.

-- What each ISP and bank says it can answer (CoE guidelines: providers say what they hold).
CREATE TABLE capabilities (
    organization_id uuid PRIMARY KEY REFERENCES organizations (id),
    catalogue       jsonb NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE SEQUENCE data_request_reference_seq;

CREATE TABLE data_requests (
    id                            uuid PRIMARY KEY,
    reference                     text NOT NULL UNIQUE,
    type                          text NOT NULL,
    issuer_org_id                 uuid NOT NULL REFERENCES organizations (id),
    -- The user or API key that issued it.
    issuer_actor_id               uuid,
    addressee_org_id              uuid NOT NULL REFERENCES organizations (id),
    case_reference                text NOT NULL,
    legal_provision               text NOT NULL,
    legal_text                    text,
    data_categories               text[] NOT NULL,
    urgency                       text NOT NULL CHECK (urgency IN ('emergency', 'urgent', 'routine')),
    justification                 text,
    identifiers                   jsonb NOT NULL,
    period_from                   timestamptz,
    period_to                     timestamptz,
    report_ids                    uuid[] NOT NULL DEFAULT '{}',
    no_customer_notification_until date,
    status                        text NOT NULL,
    requested_deadline            timestamptz,
    received_at                   timestamptz,
    deadline                      timestamptz,
    acknowledged_at               timestamptz,
    preservation_until            timestamptz,
    validation_due_at             timestamptz,
    validated_at                  timestamptz,
    validated_by_org_id           uuid,
    -- Scheduler notices already sent: deadline_near, overdue, expiring.
    notices_sent                  text[] NOT NULL DEFAULT '{}',
    version                       integer NOT NULL DEFAULT 1,
    created_at                    timestamptz NOT NULL DEFAULT now(),
    updated_at                    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX data_requests_issuer ON data_requests (issuer_org_id, created_at);
CREATE INDEX data_requests_addressee ON data_requests (addressee_org_id, created_at);
CREATE INDEX data_requests_pending ON data_requests (status) WHERE status = 'pending_validation';
CREATE INDEX data_requests_deadline ON data_requests (deadline) WHERE deadline IS NOT NULL;

CREATE TABLE data_request_history (
    id           bigserial PRIMARY KEY,
    request_id   uuid NOT NULL REFERENCES data_requests (id),
    from_status  text,
    to_status    text NOT NULL,
    actor_org_id uuid NOT NULL,
    actor_id     uuid,
    reason_code  text,
    note         text,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX data_request_history_request ON data_request_history (request_id, id);

CREATE TABLE data_request_messages (
    id            uuid PRIMARY KEY,
    request_id    uuid NOT NULL REFERENCES data_requests (id),
    author_org_id uuid NOT NULL,
    author_id     uuid,
    body          text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX data_request_messages_request ON data_request_messages (request_id, created_at);
