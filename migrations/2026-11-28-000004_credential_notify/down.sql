DROP TRIGGER organizations_credentials_changed ON organizations;
DROP TRIGGER api_keys_credentials_changed ON api_keys;
DROP FUNCTION notify_credentials_changed();
