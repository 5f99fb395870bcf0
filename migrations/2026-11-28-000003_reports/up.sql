-- Reports, indicators and the links between them (the correlation).

CREATE SEQUENCE report_reference_seq;

CREATE TABLE reports (
    id                  uuid PRIMARY KEY,
    reference           text NOT NULL UNIQUE,
    reporter_org_id     uuid NOT NULL REFERENCES organizations (id),
    reporter_user_id    uuid REFERENCES users (id),
    reporter_api_key_id uuid REFERENCES api_keys (id),
    category            text NOT NULL CHECK (category IN ('phishing', 'business_email_compromise', 'investment_fraud',
                            'romance_scam', 'account_takeover', 'card_fraud', 'online_shop_fraud', 'ransomware', 'malware',
                            'ddos', 'sextortion', 'money_mule', 'crypto_fraud', 'identity_theft', 'other')),
    title               text NOT NULL,
    description         text NOT NULL,
    status              text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'under_investigation', 'closed')),
    tlp                 text NOT NULL CHECK (tlp IN ('clear', 'green', 'amber', 'amber_strict', 'red')),
    shared_with         uuid[] NOT NULL DEFAULT '{}',
    anonymous           boolean NOT NULL DEFAULT false,
    first_seen          timestamptz,
    last_seen           timestamptz,
    country             text CHECK (country ~ '^[A-Z]{2}$'),
    loss_amount_minor   bigint CHECK (loss_amount_minor >= 0),
    loss_currency       text CHECK (loss_currency ~ '^[A-Z]{3}$'),
    victim_count        integer CHECK (victim_count >= 0),
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    search              tsvector GENERATED ALWAYS AS (to_tsvector('simple', title || ' ' || description)) STORED,
    CHECK ((loss_amount_minor IS NULL) = (loss_currency IS NULL)),
    CHECK (first_seen IS NULL OR last_seen IS NULL OR first_seen <= last_seen)
);
CREATE INDEX reports_search ON reports USING gin (search);
CREATE INDEX reports_created ON reports (created_at, id);
CREATE INDEX reports_first_seen ON reports ((coalesce(first_seen, created_at)), id);
CREATE INDEX reports_loss ON reports ((coalesce(loss_amount_minor, -1)), id);
CREATE INDEX reports_reporter ON reports (reporter_org_id, created_at);
CREATE INDEX reports_shared_with ON reports USING gin (shared_with);

-- One row per (type, normalised value), with figures over every report naming it.
CREATE TABLE indicators (
    id           uuid PRIMARY KEY,
    type         text NOT NULL,
    value        text NOT NULL,
    first_seen   timestamptz NOT NULL,
    last_seen    timestamptz NOT NULL,
    report_count integer NOT NULL DEFAULT 0
);
-- value first: a batch look-up asks `value = ANY(...)`.
CREATE UNIQUE INDEX indicators_value_type ON indicators (value, type);

CREATE TABLE report_indicators (
    indicator_id uuid NOT NULL REFERENCES indicators (id),
    report_id    uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    role         text,
    PRIMARY KEY (indicator_id, report_id)
);
CREATE INDEX report_indicators_report ON report_indicators (report_id);
