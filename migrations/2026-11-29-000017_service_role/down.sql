DROP FUNCTION audit_seal(bigint[], bytea[]);
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM cyberbridge_service;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM cyberbridge_service;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM cyberbridge_service;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM cyberbridge_service;
REVOKE USAGE ON SCHEMA public FROM cyberbridge_service;
-- The role itself is shared by every database of the cluster: left in place.
