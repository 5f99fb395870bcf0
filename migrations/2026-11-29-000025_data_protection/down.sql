DROP INDEX outbox_events_match_report;
DROP FUNCTION current_link(uuid, uuid);
DROP TABLE mule_contest_answers;
DROP TABLE mule_contests;
ALTER TABLE fraud_alerts DROP COLUMN mule_flag_withdrawn_at;
DROP TABLE legal_holds;
ALTER TABLE report_indicators DROP COLUMN corrected_to, DROP COLUMN withdrawn_by, DROP COLUMN withdrawn_reason,
    DROP COLUMN withdrawn_at, DROP COLUMN valid_until, DROP COLUMN confidence;
DROP FUNCTION purge_signed_documents(uuid[]);
DROP FUNCTION audit_purge(timestamptz);
DROP TABLE audit_retention;
DROP TABLE audit_anchors;
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.hash IS NULL AND NEW.hash IS NOT NULL
       AND (NEW.id, NEW.at, NEW.user_id, NEW.api_key_id, NEW.organization_id, NEW.action, NEW.object_type,
            NEW.object_id, NEW.outcome, NEW.client_addr, NEW.request_id, NEW.details)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.at, OLD.user_id, OLD.api_key_id, OLD.organization_id, OLD.action, OLD.object_type,
            OLD.object_id, OLD.outcome, OLD.client_addr, OLD.request_id, OLD.details)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
DROP INDEX audit_events_case;
ALTER TABLE audit_events DROP COLUMN purpose, DROP COLUMN case_reference;
