-- Tell every instance when a credential's validity may have changed, whatever changed it
-- (API, CLI or SQL), so that cached API-key look-ups are dropped at once.
CREATE FUNCTION notify_credentials_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cyberbridge_credentials', TG_TABLE_NAME);
    RETURN NULL;
END;
$$;
CREATE TRIGGER api_keys_credentials_changed AFTER UPDATE OF revoked_at, expires_at, scopes, organization_id OR DELETE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION notify_credentials_changed();
CREATE TRIGGER organizations_credentials_changed AFTER UPDATE OF active, kind OR DELETE ON organizations
    FOR EACH STATEMENT EXECUTE FUNCTION notify_credentials_changed();
