DROP TRIGGER legal_hold_guard ON legal_holds;
DROP FUNCTION legal_hold_guard();
GRANT DELETE, TRUNCATE ON legal_holds TO cyberbridge_service;
DROP INDEX audit_events_evidence;
CREATE OR REPLACE FUNCTION purge_signed_documents(requests uuid[]) RETURNS bigint
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
DROP FUNCTION request_evidence_expired(uuid);
