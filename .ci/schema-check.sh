#!/usr/bin/env bash
# Fails when src/kernel/db/schema.rs is not what `diesel print-schema` makes of the migrated
# database (with the patch named in diesel.toml). Needs diesel_cli (installed here when missing,
# with libpq, which only this tool links; the product binary does not) and the PostgreSQL on
# localhost:5432 that .ci/run starts.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v diesel >/dev/null 2>&1; then
  if ! ldconfig -p 2>/dev/null | grep -q 'libpq.so '; then
    echo "installing libpq-dev for diesel_cli"
    apt-get install -y -q libpq-dev >/dev/null || (apt-get update -q >/dev/null && apt-get install -y -q libpq-dev >/dev/null)
  fi
  echo "installing diesel_cli"
  cargo install diesel_cli --version 2.3.14 --no-default-features --features postgres --locked --quiet
fi

if ! pg_isready -q -h localhost -p 5432; then
  echo "schema check: no PostgreSQL on localhost:5432; cannot compare schema.rs with the migrations" >&2
  exit 1
fi

db="cb_schema_check_$$"
url="postgres://postgres@localhost:5432/$db"
trap 'psql -q -h localhost -U postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true' EXIT
DATABASE_URL="$url" CYBERBRIDGE_LOG=warn CYBERBRIDGE_ADMIN_PASSWORD=schema-check-only cargo run --quiet -- migrate
printed="$(mktemp)"
diesel print-schema --database-url "$url" > "$printed"
if ! diff -u src/kernel/db/schema.rs "$printed"; then
  echo "src/kernel/db/schema.rs differs from the migrations: run diesel print-schema (see diesel.toml) and commit it" >&2
  exit 1
fi
echo "schema.rs matches the migrations"
