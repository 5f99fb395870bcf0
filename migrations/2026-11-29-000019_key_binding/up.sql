-- Machine credentials bound to where they are used: an API key may carry the client networks it
-- is valid from (CIDR) and the SHA-256 fingerprint of the client certificate a TLS-terminating
-- proxy verified (taken from a configured header). Empty / NULL: no binding.
ALTER TABLE api_keys ADD COLUMN allowed_networks text[] NOT NULL DEFAULT '{}';
ALTER TABLE api_keys ADD COLUMN client_cert_sha256 text;
-- A change of binding reaches every instance's key cache like a revocation.
DROP TRIGGER api_keys_credentials_changed ON api_keys;
CREATE TRIGGER api_keys_credentials_changed
    AFTER UPDATE OF revoked_at, expires_at, scopes, organization_id, allowed_networks, client_cert_sha256 OR DELETE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION notify_credentials_changed();
