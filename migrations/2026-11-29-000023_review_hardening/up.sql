-- From an adversarial review of this round's changes.

-- audit_seal runs as the owner: with pg_temp absent from its search_path, PostgreSQL looks in
-- the caller's temporary schema first, so a temporary `audit_events` with a trigger would run
-- the caller's code as the owner. pg_temp goes last and every name is qualified. A seal also
-- never skips a row: the batch is every unsealed row up to its last id.
CREATE OR REPLACE FUNCTION audit_seal(ids bigint[], hashes bytea[]) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    head   bigint;
    first  bigint;
    last   bigint;
    sealed integer;
BEGIN
    IF cardinality(ids) IS DISTINCT FROM cardinality(hashes) THEN
        RAISE EXCEPTION 'audit_seal: % ids but % hashes', cardinality(ids), cardinality(hashes);
    END IF;
    IF coalesce(cardinality(ids), 0) = 0 THEN
        RETURN 0;
    END IF;
    IF array_position(ids, NULL) IS NOT NULL OR array_position(hashes, NULL) IS NOT NULL
       OR (SELECT count(DISTINCT i) FROM unnest(ids) AS i) <> cardinality(ids) THEN
        RAISE EXCEPTION 'audit_seal: ids and hashes must be distinct and not null' USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT min(i), max(i) INTO first, last FROM unnest(ids) AS i;
    SELECT a.id INTO head FROM public.audit_events AS a WHERE a.hash IS NOT NULL ORDER BY a.id DESC LIMIT 1;
    IF head IS NOT NULL AND first <= head THEN
        RAISE EXCEPTION 'audit_seal: row % is not after the sealed head %', first, head
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF EXISTS (SELECT 1 FROM public.audit_events AS a WHERE a.hash IS NULL AND a.id < last AND a.id <> ALL (ids)) THEN
        RAISE EXCEPTION 'audit_seal: a row before % would be left unsealed', last
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE public.audit_events AS a SET hash = v.hash
    FROM unnest(ids, hashes) AS v(id, hash)
    WHERE a.id = v.id AND a.hash IS NULL AND v.hash IS NOT NULL;
    GET DIAGNOSTICS sealed = ROW_COUNT;
    IF sealed <> cardinality(ids) THEN
        RAISE EXCEPTION 'audit_seal: % of % rows sealed', sealed, cardinality(ids) USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN sealed;
END;
$$;
REVOKE ALL ON FUNCTION audit_seal(bigint[], bytea[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_seal(bigint[], bytea[]) TO cyberbridge_service;

-- No temporary objects for anyone but the owner (defence in depth; PostgreSQL 15 and later
-- already keep everyone but the owner from creating objects in public).
DO $$ BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END $$;

-- An audit row's id, time and hash come from the table, never from the API: no backdated rows
-- in the gaps below the sealed head, no row pre-sealed with a hash of the caller's choosing.
REVOKE INSERT ON audit_events FROM cyberbridge_service;
GRANT INSERT (user_id, api_key_id, organization_id, action, object_type, object_id, outcome, client_addr, request_id, details)
    ON audit_events TO cyberbridge_service;

-- Signed documents and the keys that signed them are evidence too: insert-only for the API.
REVOKE UPDATE, DELETE, TRUNCATE ON signing_keys, signed_documents FROM cyberbridge_service;

-- Once the platform has had two platform admins, four eyes stay on (whoever made them: the API
-- or the operator's command line), however many are active later.
CREATE FUNCTION note_four_eyes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO app_settings (key, value)
    SELECT 'four_eyes_since', now()::text
    WHERE (SELECT count(*) FROM users AS u JOIN organizations AS o ON o.id = u.organization_id
           WHERE o.kind = 'platform' AND o.active AND u.role = 'org_admin' AND u.active) >= 2
    ON CONFLICT (key) DO NOTHING;
    RETURN NULL;
END;
$$;
CREATE TRIGGER users_four_eyes AFTER INSERT OR UPDATE OF role, active, organization_id ON users
    FOR EACH STATEMENT EXECUTE FUNCTION note_four_eyes();
INSERT INTO app_settings (key, value)
SELECT 'four_eyes_since', now()::text
WHERE (SELECT count(*) FROM users AS u JOIN organizations AS o ON o.id = u.organization_id
       WHERE o.kind = 'platform' AND o.active AND u.role = 'org_admin' AND u.active) >= 2
ON CONFLICT (key) DO NOTHING;

-- Codes tried against a second factor, across login tokens: 10 an hour, counted before each
-- check (a password holder cannot walk the 10^6 codes five at a time).
ALTER TABLE second_factors ADD COLUMN code_tries integer NOT NULL DEFAULT 0;
ALTER TABLE second_factors ADD COLUMN code_tries_since timestamptz;

-- That note stays: the API may not remove or change it.
CREATE FUNCTION app_settings_keep_four_eyes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.key = 'four_eyes_since' THEN
        RAISE EXCEPTION 'four eyes, once on, stay on' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
CREATE TRIGGER app_settings_keep_four_eyes BEFORE UPDATE OR DELETE ON app_settings
    FOR EACH ROW EXECUTE FUNCTION app_settings_keep_four_eyes();
