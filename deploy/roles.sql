-- The two database roles of a deployment (README, Security model). Run once per PostgreSQL
-- cluster, as a role with CREATEROLE (the cluster's superuser will do):
--     psql -v api_password='...' -f deploy/roles.sql
-- cyberbridge_service is what the API may do (its grants come with the migrations, which run
-- as the schema owner: CYBERBRIDGE_OWNER_DATABASE_URL); cyberbridge_api is the login the API
-- connects as (DATABASE_URL). Idempotent: a second run only sets the password again.
\set ON_ERROR_STOP on
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cyberbridge_service') AS create_service \gset
\if :create_service
CREATE ROLE cyberbridge_service NOLOGIN;
\endif
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cyberbridge_api') AS create_api \gset
\if :create_api
CREATE ROLE cyberbridge_api LOGIN IN ROLE cyberbridge_service;
\endif
ALTER ROLE cyberbridge_api LOGIN PASSWORD :'api_password';
GRANT cyberbridge_service TO cyberbridge_api;
