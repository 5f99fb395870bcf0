-- Data protection by design (issue 15): the purpose of searches in the audit trail, confidence,
-- validity and withdrawal of indicators, legal holds, mule-flag contests, and retention (a purge
-- of the audit trail's oldest rows that leaves an anchor the chain verifies from).

-- The purpose of a search, stored with (and hashed into) its audit row.
ALTER TABLE audit_events ADD COLUMN case_reference text, ADD COLUMN purpose text
    CHECK (purpose IN ('criminal_investigation', 'criminal_proceedings', 'financial_analysis', 'fraud_prevention',
                       'victim_support', 'threat_intelligence', 'supervision', 'data_subject_request', 'other'));
CREATE INDEX audit_events_case ON audit_events (case_reference, id) WHERE case_reference IS NOT NULL;
GRANT INSERT (case_reference, purpose) ON audit_events TO cyberbridge_service;

-- Sealing sets the hash and nothing else; a purge (audit_purge, below) deletes a sealed prefix.
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.hash IS NULL AND NEW.hash IS NOT NULL
       AND (NEW.id, NEW.at, NEW.user_id, NEW.api_key_id, NEW.organization_id, NEW.action, NEW.object_type,
            NEW.object_id, NEW.outcome, NEW.client_addr, NEW.request_id, NEW.details, NEW.case_reference, NEW.purpose)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.at, OLD.user_id, OLD.api_key_id, OLD.organization_id, OLD.action, OLD.object_type,
            OLD.object_id, OLD.outcome, OLD.client_addr, OLD.request_id, OLD.details, OLD.case_reference, OLD.purpose)
    THEN
        RETURN NEW; -- the one-time sealing
    END IF;
    IF TG_OP = 'DELETE' AND OLD.hash IS NOT NULL AND current_setting('cyberbridge.audit_purge', true) = 'on'
       AND current_user = (SELECT t.tableowner FROM pg_catalog.pg_tables AS t
                           WHERE t.schemaname = 'public' AND t.tablename = 'audit_events') THEN
        RETURN OLD; -- the retention purge, inside audit_purge() (the owner's) only
    END IF;
    RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- Where the chain starts once its oldest rows are purged: the last purged row's id and hash.
CREATE TABLE audit_anchors (
    id            bigint PRIMARY KEY,
    hash          bytea NOT NULL,
    purged_before timestamptz NOT NULL,
    rows_purged   bigint NOT NULL,
    purged_at     timestamptz NOT NULL DEFAULT now()
);
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_anchors FROM cyberbridge_service;

-- How long audit rows are kept at least, in days (NULL: for ever). Set by the owner at each
-- start from CYBERBRIDGE_RETENTION_AUDIT_DAYS; the API's role can neither change it nor purge
-- younger rows.
CREATE TABLE audit_retention (
    id       boolean PRIMARY KEY DEFAULT true CHECK (id),
    min_days integer CHECK (min_days IS NULL OR min_days >= 365)
);
INSERT INTO audit_retention (id, min_days) VALUES (true, 3650);
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_retention FROM cyberbridge_service;

-- Deletes the sealed rows older than `before` (a prefix of the chain: it stops at the first
-- newer or unsealed row), records the anchor and writes the cut's own audit row. Never rows
-- younger than the owner's floor, whatever the caller asks. Runs as the owner.
CREATE FUNCTION audit_purge(before timestamptz) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    floor_days integer;
    stop      bigint;
    last_id   bigint;
    last_hash bytea;
    n         bigint;
BEGIN
    SELECT r.min_days INTO floor_days FROM public.audit_retention AS r;
    IF before IS NULL OR floor_days IS NULL OR before > now() - make_interval(days => floor_days) THEN
        RAISE EXCEPTION 'audit_purge: audit rows are kept % days', coalesce(floor_days::text, 'for ever')
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT min(a.id) INTO stop FROM public.audit_events AS a WHERE a.at >= before OR a.hash IS NULL;
    SELECT a.id, a.hash INTO last_id, last_hash FROM public.audit_events AS a
     WHERE a.hash IS NOT NULL AND a.at < before AND (stop IS NULL OR a.id < stop)
     ORDER BY a.id DESC LIMIT 1;
    IF last_id IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM set_config('cyberbridge.audit_purge', 'on', true);
    DELETE FROM public.audit_events AS a WHERE a.id <= last_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM set_config('cyberbridge.audit_purge', 'off', true);
    INSERT INTO public.audit_anchors (id, hash, purged_before, rows_purged) VALUES (last_id, last_hash, before, n);
    DELETE FROM public.audit_checkpoints AS c WHERE c.id <= last_id;
    INSERT INTO public.audit_events (action, object_type, object_id, outcome, details)
    VALUES ('retention.purge', 'audit_events', last_id::text, 'ok',
            jsonb_build_object('rule', 'audit rows: days after written', 'retention_days', floor_days,
                               'before', before, 'rows', n, 'anchor_id', last_id));
    RETURN n;
END;
$$;
REVOKE ALL ON FUNCTION audit_purge(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_purge(timestamptz) TO cyberbridge_service;

-- Signed documents are insert-only for the API; the retention purge removes those of a request
-- it purges through this function, which never deletes a document signed within 180 days (the
-- signing time is the document's own, which the API cannot change).
CREATE FUNCTION purge_signed_documents(requests uuid[]) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    DELETE FROM public.signed_documents AS s
     WHERE s.request_id = ANY (requests) AND s.created_at < now() - interval '180 days';
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END;
$$;
REVOKE ALL ON FUNCTION purge_signed_documents(uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_signed_documents(uuid[]) TO cyberbridge_service;

-- Confidence (0-100) and validity per report and value; a withdrawn link stays for the record
-- but no look-up, correlation or watchlist sees it.
ALTER TABLE report_indicators
    ADD COLUMN confidence smallint NOT NULL DEFAULT 50 CHECK (confidence BETWEEN 0 AND 100),
    ADD COLUMN valid_until timestamptz,
    ADD COLUMN withdrawn_at timestamptz,
    ADD COLUMN withdrawn_reason text,
    ADD COLUMN withdrawn_by uuid,
    ADD COLUMN corrected_to uuid; -- the indicator that replaced it (no foreign key: one join path to indicators)
UPDATE report_indicators AS ri
   SET valid_until = coalesce(r.last_seen, r.first_seen, r.created_at) + CASE i.type
        WHEN 'ipv4' THEN interval '30 days' WHEN 'ipv6' THEN interval '30 days'
        WHEN 'url' THEN interval '90 days' WHEN 'domain' THEN interval '180 days'
        WHEN 'email' THEN interval '365 days' WHEN 'phone' THEN interval '365 days'
        WHEN 'username' THEN interval '365 days' WHEN 'sha256' THEN interval '730 days'
        ELSE interval '365 days' END
  FROM reports AS r, indicators AS i
 WHERE r.id = ri.report_id AND i.id = ri.indicator_id;
ALTER TABLE report_indicators ALTER COLUMN valid_until SET NOT NULL;

-- Legal holds: an object of a case is kept past its retention period until the hold is lifted.
CREATE TABLE legal_holds (
    id              uuid PRIMARY KEY,
    object_type     text NOT NULL CHECK (object_type IN ('report', 'trace', 'data_request')),
    object_id       uuid NOT NULL,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    case_reference  text NOT NULL,
    reason          text NOT NULL,
    created_by      uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    lifted_at       timestamptz,
    lifted_by       uuid,
    lift_reason     text
);
CREATE INDEX legal_holds_object ON legal_holds (object_type, object_id) WHERE lifted_at IS NULL;
CREATE INDEX legal_holds_org ON legal_holds (organization_id, created_at);

-- Mule flags: the holder contests, each sending bank confirms or withdraws its alerts.
ALTER TABLE fraud_alerts ADD COLUMN mule_flag_withdrawn_at timestamptz;
CREATE TABLE mule_contests (
    id             uuid PRIMARY KEY,
    iban           text NOT NULL,
    holder_org_id  uuid NOT NULL REFERENCES organizations (id),
    reason         text NOT NULL,
    status         text NOT NULL CHECK (status IN ('open', 'upheld', 'lifted')),
    deadline       timestamptz NOT NULL,
    created_by     uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    closed_at      timestamptz
);
CREATE UNIQUE INDEX mule_contests_one_open ON mule_contests (iban) WHERE status = 'open';
CREATE INDEX mule_contests_iban ON mule_contests (iban, created_at);
CREATE TABLE mule_contest_answers (
    contest_id      uuid NOT NULL REFERENCES mule_contests (id) ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    decision        text CHECK (decision IN ('confirmed', 'withdrawn', 'lapsed')),
    reason          text,
    answered_by     uuid,
    answered_at     timestamptz,
    PRIMARY KEY (contest_id, organization_id)
);

-- Whether a report's link to a value is current: not withdrawn, not past its validity.
CREATE FUNCTION current_link(indicator uuid, report uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM report_indicators AS ri
                    WHERE ri.indicator_id = indicator AND ri.report_id = report
                      AND ri.withdrawn_at IS NULL AND ri.valid_until > now())
$$;

-- Who was told of a report's matches (a withdrawal tells them again).
CREATE INDEX outbox_events_match_report ON outbox_events ((payload->>'report_id')) WHERE type = 'report.indicator_match';
