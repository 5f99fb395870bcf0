-- What is hidden stays hidden on replicas: a commit that narrows what someone may see is
-- announced on `cyberbridge_visibility`; every instance raises its replicas' floor to the
-- primary's WAL position when it hears it (src/kernel/db/replicas.rs). These changes are rare:
-- the NOTIFY in their transaction costs them, not the writes that do not narrow anything.
CREATE FUNCTION notify_visibility_narrowed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cyberbridge_visibility', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER reports_visibility_narrowed AFTER UPDATE ON reports FOR EACH ROW
    WHEN (OLD.tlp IS DISTINCT FROM NEW.tlp OR OLD.shared_with IS DISTINCT FROM NEW.shared_with
          OR OLD.anonymous IS DISTINCT FROM NEW.anonymous)
    EXECUTE FUNCTION notify_visibility_narrowed();
CREATE TRIGGER reports_removed AFTER DELETE ON reports FOR EACH STATEMENT
    EXECUTE FUNCTION notify_visibility_narrowed();
CREATE TRIGGER report_values_withdrawn AFTER UPDATE ON report_indicators FOR EACH ROW
    WHEN (OLD.withdrawn_at IS DISTINCT FROM NEW.withdrawn_at)
    EXECUTE FUNCTION notify_visibility_narrowed();
CREATE TRIGGER organizations_deactivated AFTER UPDATE ON organizations FOR EACH ROW
    WHEN (OLD.active AND NOT NEW.active)
    EXECUTE FUNCTION notify_visibility_narrowed();
CREATE TRIGGER users_deactivated AFTER UPDATE ON users FOR EACH ROW
    WHEN (OLD.active AND NOT NEW.active OR OLD.role IS DISTINCT FROM NEW.role)
    EXECUTE FUNCTION notify_visibility_narrowed();
CREATE TRIGGER api_keys_narrowed AFTER UPDATE ON api_keys FOR EACH ROW
    WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
          OR OLD.scopes IS DISTINCT FROM NEW.scopes)
    EXECUTE FUNCTION notify_visibility_narrowed();
