DROP TRIGGER api_keys_credentials_changed ON api_keys;
CREATE TRIGGER api_keys_credentials_changed AFTER UPDATE OF revoked_at, expires_at, scopes, organization_id OR DELETE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION notify_credentials_changed();
ALTER TABLE api_keys DROP COLUMN client_cert_sha256;
ALTER TABLE api_keys DROP COLUMN allowed_networks;
