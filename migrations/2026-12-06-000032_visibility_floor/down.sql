DROP TRIGGER api_keys_narrowed ON api_keys;
DROP TRIGGER users_deactivated ON users;
DROP TRIGGER organizations_deactivated ON organizations;
DROP TRIGGER report_values_withdrawn ON report_indicators;
DROP TRIGGER reports_removed ON reports;
DROP TRIGGER reports_visibility_narrowed ON reports;
DROP FUNCTION notify_visibility_narrowed();
