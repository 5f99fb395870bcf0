-- Two roles. The owner, who runs these migrations, owns every table, function and the audit
-- trail. The API runs as a login role that is a member of cyberbridge_service: it reads and
-- writes the application's tables, but may only append to the audit trail and set each row's
-- chain hash once, through audit_seal(). It cannot edit or delete audit rows, disable their
-- trigger, or touch the migrations' bookkeeping.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cyberbridge_service') THEN
        CREATE ROLE cyberbridge_service NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object THEN
    NULL; -- created by a migration of another database at the same moment
END $$;

GRANT USAGE ON SCHEMA public TO cyberbridge_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO cyberbridge_service;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO cyberbridge_service;
-- Tables and sequences of later migrations (created by the owner) get the same.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO cyberbridge_service;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO cyberbridge_service;

REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_events FROM cyberbridge_service;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON __diesel_schema_migrations FROM cyberbridge_service;

-- Sets the chain hash of unsealed rows, which must all come after the sealed head (a seal never
-- reaches back). Runs as the owner; the trigger still refuses anything but setting a NULL hash.
CREATE FUNCTION audit_seal(ids bigint[], hashes bytea[]) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    head bigint;
    sealed integer;
BEGIN
    IF cardinality(ids) IS DISTINCT FROM cardinality(hashes) THEN
        RAISE EXCEPTION 'audit_seal: % ids but % hashes', cardinality(ids), cardinality(hashes);
    END IF;
    SELECT id INTO head FROM audit_events WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1;
    IF head IS NOT NULL AND (SELECT min(i) FROM unnest(ids) AS i) <= head THEN
        RAISE EXCEPTION 'audit_seal: row % is not after the sealed head %', (SELECT min(i) FROM unnest(ids) AS i), head
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE audit_events AS a SET hash = v.hash
    FROM unnest(ids, hashes) AS v(id, hash)
    WHERE a.id = v.id AND a.hash IS NULL AND v.hash IS NOT NULL;
    GET DIAGNOSTICS sealed = ROW_COUNT;
    RETURN sealed;
END;
$$;
REVOKE ALL ON FUNCTION audit_seal(bigint[], bytea[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_seal(bigint[], bytea[]) TO cyberbridge_service;
