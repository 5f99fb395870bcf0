-- Fraud alerts between banks, their outcomes, and the traces (money trails) they form.

CREATE TABLE fraud_alerts (
    id                     uuid PRIMARY KEY,
    trace_id               uuid NOT NULL,
    parent_alert_id        uuid REFERENCES fraud_alerts (id),
    hop                    integer NOT NULL DEFAULT 1,
    sender_org_id          uuid NOT NULL REFERENCES organizations (id),
    receiver_org_id        uuid REFERENCES organizations (id),
    status                 text NOT NULL CHECK (status IN ('routed', 'unrouted', 'acted')),
    victim_iban            text,
    beneficiary_iban       text,
    beneficiary_account    text,
    beneficiary_bic        text,
    beneficiary_name       text,
    amount_minor           bigint NOT NULL CHECK (amount_minor > 0),
    currency               text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    executed_at            timestamptz NOT NULL,
    payment_reference      text,
    category               text NOT NULL,
    bank_case_reference    text,
    report_id              uuid REFERENCES reports (id),
    description            text,
    first_outcome_at       timestamptz,
    created_at             timestamptz NOT NULL DEFAULT now(),
    CHECK (beneficiary_iban IS NOT NULL OR beneficiary_account IS NOT NULL)
);
CREATE INDEX fraud_alerts_trace ON fraud_alerts (trace_id, hop);
CREATE INDEX fraud_alerts_sender ON fraud_alerts (sender_org_id, created_at);
CREATE INDEX fraud_alerts_receiver ON fraud_alerts (receiver_org_id, created_at);
CREATE INDEX fraud_alerts_beneficiary ON fraud_alerts (beneficiary_iban);

CREATE TABLE fraud_alert_outcomes (
    id           uuid PRIMARY KEY,
    alert_id     uuid NOT NULL REFERENCES fraud_alerts (id),
    outcome      text NOT NULL CHECK (outcome IN ('funds_frozen', 'funds_returned', 'already_moved', 'account_unknown', 'no_action')),
    amount_minor bigint CHECK (amount_minor > 0),
    reason       text,
    created_by   uuid,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fraud_alert_outcomes_alert ON fraud_alert_outcomes (alert_id, created_at);

-- A retried creating POST with the same key answers what the first one answered.
CREATE TABLE idempotency_keys (
    organization_id uuid NOT NULL,
    key             text NOT NULL,
    scope           text NOT NULL,
    request_hash    bytea NOT NULL,
    status          integer NOT NULL,
    body            jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, scope, key)
);
