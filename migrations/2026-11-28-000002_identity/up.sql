-- Organisations, users, credentials and the tamper-evident audit log.

CREATE TABLE organizations (
    id             uuid PRIMARY KEY,
    name           text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('law_enforcement', 'prosecution', 'fiu', 'isp', 'bank', 'regulator', 'platform')),
    country        text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    contact_name   text NOT NULL,
    contact_email  text NOT NULL,
    contact_phone  text NOT NULL,
    active         boolean NOT NULL DEFAULT true,
    version        integer NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX organizations_name_key ON organizations (lower(name));
-- Exactly one platform operator.
CREATE UNIQUE INDEX organizations_one_platform ON organizations (kind) WHERE kind = 'platform';

-- How fraud alerts find the beneficiary bank: BIC, or country + national bank code in IBANs.
CREATE TABLE bank_identifiers (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    bic             text,
    country         text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    bank_code       text,
    CHECK (bic IS NOT NULL OR bank_code IS NOT NULL)
);
CREATE INDEX bank_identifiers_org ON bank_identifiers (organization_id);
CREATE UNIQUE INDEX bank_identifiers_bic_key ON bank_identifiers (bic) WHERE bic IS NOT NULL;
CREATE UNIQUE INDEX bank_identifiers_code_key ON bank_identifiers (country, bank_code) WHERE bank_code IS NOT NULL;

CREATE TABLE users (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    email           text NOT NULL,
    name            text NOT NULL,
    role            text NOT NULL CHECK (role IN ('member', 'org_admin')),
    password_hash   text NOT NULL,
    active          boolean NOT NULL DEFAULT true,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    last_login_at   timestamptz
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_org ON users (organization_id);

-- Opaque refresh tokens, stored as SHA-256; one family per login, rotated on every use.
CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY,
    family_id   uuid NOT NULL,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

-- Access tokens revoked before their expiry (logout); rows past expiry can be purged.
CREATE TABLE revoked_access_tokens (
    jti         uuid PRIMARY KEY,
    expires_at  timestamptz NOT NULL
);

-- Failed logins per account (lower-cased e-mail), for the lockout window.
CREATE TABLE login_failures (
    id          uuid PRIMARY KEY,
    email       text NOT NULL,
    failed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email ON login_failures (email, failed_at);

CREATE TABLE api_keys (
    id              uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    created_by      uuid REFERENCES users (id),
    name            text NOT NULL,
    prefix          text NOT NULL,
    key_hash        bytea NOT NULL UNIQUE,
    scopes          text[] NOT NULL,
    expires_at      timestamptz,
    last_used_at    timestamptz,
    revoked_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_org ON api_keys (organization_id);

-- The audit trail. Rows are inserted in the transaction of the change they record; the
-- sealer sets `hash` once, in id order: SHA-256(previous hash || canonical row content).
CREATE TABLE audit_events (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    user_id         uuid,
    api_key_id      uuid,
    organization_id uuid,
    action          text NOT NULL,
    object_type     text,
    object_id       text,
    outcome         text NOT NULL CHECK (outcome IN ('ok', 'denied', 'error')),
    client_addr     text,
    request_id      text,
    details         jsonb NOT NULL DEFAULT '{}'::jsonb,
    hash            bytea
);
CREATE INDEX audit_events_org ON audit_events (organization_id, id);
CREATE INDEX audit_events_unsealed ON audit_events (id) WHERE hash IS NULL;
CREATE INDEX audit_events_at ON audit_events (at);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.hash IS NULL AND NEW.hash IS NOT NULL
       AND (NEW.id, NEW.at, NEW.user_id, NEW.api_key_id, NEW.organization_id, NEW.action, NEW.object_type,
            NEW.object_id, NEW.outcome, NEW.client_addr, NEW.request_id, NEW.details)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.at, OLD.user_id, OLD.api_key_id, OLD.organization_id, OLD.action, OLD.object_type,
            OLD.object_id, OLD.outcome, OLD.client_addr, OLD.request_id, OLD.details)
    THEN
        RETURN NEW; -- the one-time sealing
    END IF;
    RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
REVOKE TRUNCATE ON audit_events FROM PUBLIC;
