#!/bin/sh
# The postgres image runs this once, on an empty data folder: the API's two roles (deploy/roles.sql).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v api_password="${CYBERBRIDGE_API_DB_PASSWORD:?set CYBERBRIDGE_API_DB_PASSWORD}" -f /cyberbridge/roles.sql
