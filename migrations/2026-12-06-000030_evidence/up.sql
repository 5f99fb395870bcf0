-- Evidence the API's role cannot destroy. The owner's purge of signed documents refuses what
-- the retention purge would never take: a request under an active legal hold, a request not
-- closed, and anything younger than the 180 days a request's documents are kept at least. A
-- legal hold is never deleted by the API: lifting it is an update recording who, when and why,
-- made once.
-- What the function trusts is what the API's role cannot forge: the audit trail (append-only,
-- its times the database's) and the holds (never deleted, lifted once). A request's own status
-- and times are the API's to write, so they are checked too but not relied on alone: a request
-- with an audited step, or a hold lifted, within 180 days is refused however its row reads.
CREATE INDEX audit_events_evidence ON audit_events (object_type, object_id, at)
    WHERE object_type IN ('data_request', 'legal_hold', 'user');
-- Whether a request's evidence may go: closed, unchanged and without an audited step for 180
-- days, and never held but by holds lifted (with an audited lift) over 180 days ago. The
-- retention purge selects by it; the owner's purge refuses anything else. Audit rows are the
-- clock the API's role cannot turn back; a lift it forged, audit row and all, still waits 180
-- days in plain view of every verifier of the trail.
CREATE FUNCTION request_evidence_expired(r uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM public.data_requests d
                    WHERE d.id = r
                      AND d.status NOT IN ('pending_validation', 'submitted', 'acknowledged', 'in_progress',
                                           'clarification_requested')
                      AND d.updated_at < now() - interval '180 days')
       AND NOT EXISTS (SELECT 1 FROM public.audit_events a
                        WHERE a.object_type = 'data_request' AND a.object_id = r::text
                          AND a.outcome = 'ok' AND a.at >= now() - interval '180 days'
                          -- reads are not steps of the request
                          AND a.action NOT IN ('request.read', 'request.list', 'request.messages',
                                               'request.attachment.download'))
       AND NOT EXISTS (SELECT 1 FROM public.legal_holds h
                        WHERE h.object_type = 'data_request' AND h.object_id = r
                          AND (h.lifted_at IS NULL
                               OR h.lifted_at >= now() - interval '180 days'
                               OR NOT EXISTS (SELECT 1 FROM public.audit_events a
                                               WHERE a.object_type = 'legal_hold' AND a.object_id = h.id::text
                                                 AND a.action = 'legal_hold.lift' AND a.outcome = 'ok'
                                                 AND a.at < now() - interval '180 days')))
$$;
REVOKE ALL ON FUNCTION request_evidence_expired(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION request_evidence_expired(uuid) TO cyberbridge_service;

CREATE OR REPLACE FUNCTION purge_signed_documents(requests uuid[]) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
    refused uuid;
BEGIN
    SELECT r INTO refused FROM unnest(requests) AS r WHERE NOT public.request_evidence_expired(r) LIMIT 1;
    IF refused IS NOT NULL THEN
        RAISE EXCEPTION 'purge_signed_documents: request % is open, held, unknown or active within 180 days', refused
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    DELETE FROM public.signed_documents AS s
     WHERE s.request_id = ANY (requests) AND s.created_at < now() - interval '180 days';
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END;
$$;
REVOKE ALL ON FUNCTION purge_signed_documents(uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_signed_documents(uuid[]) TO cyberbridge_service;

REVOKE DELETE, TRUNCATE ON legal_holds FROM cyberbridge_service;
CREATE FUNCTION legal_hold_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'legal holds are never deleted; lift them' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.lifted_at IS NOT NULL
       OR NEW.lifted_at IS NULL OR NEW.lift_reason IS NULL
       OR (NEW.id, NEW.object_type, NEW.object_id, NEW.organization_id, NEW.case_reference, NEW.reason,
           NEW.created_by, NEW.created_at)
          IS DISTINCT FROM
          (OLD.id, OLD.object_type, OLD.object_id, OLD.organization_id, OLD.case_reference, OLD.reason,
           OLD.created_by, OLD.created_at) THEN
        RAISE EXCEPTION 'a legal hold changes only once, when it is lifted (who, when, why)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- When is the database's to say.
    NEW.lifted_at := now();
    RETURN NEW;
END;
$$;
CREATE TRIGGER legal_hold_guard BEFORE UPDATE OR DELETE ON legal_holds
    FOR EACH ROW EXECUTE FUNCTION legal_hold_guard();
