#!/usr/bin/env bash
# The contract banks build against, checked from outside the repository's Rust code:
#   1. openapi/openapi.json is valid OAS 3.1 (openapi-spec-validator) and passes Redocly's
#      recommended lint with no error;
#   2. a Python client (openapi-python-client) and TypeScript types (openapi-typescript, then
#      tsc --strict) generate from it without a warning;
#   3. against a fresh server: examples/walkthrough.sh (the README's examples) runs through;
#   4. against a server seeded with the demo data: examples/python/screening.py runs with the
#      generated client, and schemathesis fuzzes every operation for a bounded time, as a
#      police and as a bank user, with no failure of the checks named below.
# Tools go to target/ci (pinned versions, installed when missing); needs python3, npm, jq and
# the PostgreSQL on localhost:5432 that .ci/run starts.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
ci=$root/target/ci
mkdir -p "$ci"
fuzz_secs=${CYBERBRIDGE_FUZZ_SECS:-60}

step() { echo; echo "--- $*"; }

step "tools"
if [ ! -x "$ci/venv/bin/schemathesis" ] || ! "$ci/venv/bin/python" -c 'import jwcrypto, stix2validator, taxii2client, pysodium' 2>/dev/null; then
  python3 -m venv "$ci/venv"
  "$ci/venv/bin/pip" install --quiet --disable-pip-version-check \
    openapi-spec-validator==0.9.0 openapi-python-client==0.29.1 ruff==0.17.6 schemathesis==4.32.5 jwcrypto==1.5.6 \
    stix2==3.0.2 stix2-validator==3.3.2 taxii2-client==2.3.0 pysodium==0.7.18
fi
if [ ! -x "$ci/node/node_modules/.bin/redocly" ]; then
  mkdir -p "$ci/node"
  (cd "$ci/node" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund \
    @redocly/cli@2.77.0 openapi-typescript@7.13.0 typescript@5.9.3)
fi
command -v jq >/dev/null || apt-get install -y -q jq >/dev/null
export PATH="$ci/venv/bin:$ci/node/node_modules/.bin:$PATH"

step "1. the document: OAS 3.1 validation and Redocly's recommended lint"
openapi-spec-validator openapi/openapi.json
redocly lint openapi/openapi.json --format=summary 2>&1 | grep -v -e '║' -e '╔' -e '╚' || true
redocly lint openapi/openapi.json >/dev/null 2>&1 || { echo "Redocly lint found errors" >&2; exit 1; }

step "2. generated clients"
rm -rf "$ci/clients" && mkdir -p "$ci/clients"
generated=$(openapi-python-client generate --path openapi/openapi.json --meta none \
  --output-path "$ci/clients/cyberbridge_client" 2>&1)
echo "$generated"
if echo "$generated" | grep -qi -e warning -e error; then
  echo "openapi-python-client did not generate cleanly" >&2
  exit 1
fi
openapi-typescript openapi/openapi.json -o "$ci/clients/schema.d.ts"
tsc --noEmit --strict "$ci/clients/schema.d.ts"
echo "TypeScript types compile (tsc --strict)"

cargo build --quiet
server_pid=""
db=""
stop_server() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  server_pid=""
  if [ -n "$db" ]; then psql -q -h localhost -U postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; fi
  db=""
}
trap stop_server EXIT
# start_server NAME [serve flags]: a server on a new database; sets HOST. The settings beyond the
# README's (a known admin password, no rate limit, no second factors) come from $tuned, which the
# walk-through leaves empty: it runs against a server started as the README says.
tuned=(CYBERBRIDGE_ADMIN_PASSWORD=ci-admin-password-2026 CYBERBRIDGE_RATE_LIMIT=0 CYBERBRIDGE_MFA_REQUIRED=)
start_server() {
  db="cb_ci_$1_$$"
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  HOST=http://127.0.0.1:$port
  # Two roles, as deployed: the API connects as cyberbridge_api, migrations run as the owner.
  psql -q -h localhost -U postgres -v api_password=ci-api -f deploy/roles.sql >/dev/null
  DATABASE_URL=postgres://cyberbridge_api:ci-api@localhost:5432/$db \
    CYBERBRIDGE_OWNER_DATABASE_URL=postgres://postgres@localhost:5432/$db CYBERBRIDGE_BIND=127.0.0.1:$port CYBERBRIDGE_LOG=warn \
    CYBERBRIDGE_DATA_DIR="$ci/data-$1" env "${tuned[@]}" \
    target/debug/cyberbridge serve "${@:2}" > "$ci/server-$1.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 120); do
    curl -sf "$HOST/readyz" >/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.5
  done
  cat "$ci/server-$1.log" >&2
  echo "the server did not start" >&2
  exit 1
}

step "3. the README's walk-through against a fresh server"
rm -rf "$ci/data-walkthrough"
kept=("${tuned[@]}"); tuned=()
start_server walkthrough
tuned=("${kept[@]}")
CYBERBRIDGE_URL=$HOST ADMIN_PASSWORD="$(cat "$ci"/data-walkthrough/*/admin-password)" \
  examples/walkthrough.sh > "$ci/walkthrough.log" 2>&1 || { tail -40 "$ci/walkthrough.log" >&2; exit 1; }
tail -1 "$ci/walkthrough.log"
stop_server

step "4. the demo: the Python example with the generated client, and schemathesis"
start_server demo --demo
B=$HOST/api/v1
token() {
  curl -sf "$B/auth/login" -H 'content-type: application/json' \
    -d "{\"email\": \"$1\", \"password\": \"demo-password-2026\"}" | jq -r .access_token
}
key() {
  curl -sf "$B/api-keys" -H "authorization: Bearer $1" -H 'content-type: application/json' \
    -d "{\"name\": \"ci\", \"scopes\": $2}" | jq -r .key
}
BANK_A=$(token admin@bank-a.demo.example)
BANK_B=$(token admin@bank-b.demo.example)
POLICE=$(token admin@police.demo.example)
PYTHONPATH="$ci/clients" CYBERBRIDGE_URL=$HOST \
  CYBERBRIDGE_API_KEY=$(key "$BANK_A" '["indicators:lookup", "alerts:write", "alerts:read"]') \
  CYBERBRIDGE_RECEIVER_KEY=$(key "$BANK_B" '["alerts:write", "alerts:read"]') \
  python examples/python/screening.py
# Private screening from RFC 9497 alone (libsodium's ristretto255): the key's signature, a
# synced set and a delta, a verified batched proof; the demo mule account found, a random IBAN not.
CYBERBRIDGE_URL=$HOST CYBERBRIDGE_API_KEY=cbk_demo-bank-b-key-for-this-machine-only python examples/python/private_screening.py
# The signed orders and receipts, checked by the ISP with a standard JOSE library.
CYBERBRIDGE_URL=$HOST CYBERBRIDGE_TOKEN=$(token admin@isp.demo.example) python examples/python/verify_signatures.py
# The demo data as STIX 2.1: the OASIS validator finds no error, the stix2 library the same ids.
CYBERBRIDGE_URL=$HOST CYBERBRIDGE_TOKEN=$POLICE CYBERBRIDGE_QUERY='?purpose=threat_intelligence&case_reference=CI-STIX' \
  python examples/python/check_stix.py
# The OASIS TAXII 2.1 client: discovery, a paged pull of each collection, an add.
CYBERBRIDGE_URL=$HOST CYBERBRIDGE_API_KEY=$(key "$BANK_A" '["reports:read", "reports:write", "indicators:lookup"]') \
  python examples/python/taxii_client.py
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
for who in POLICE BANK_A; do
  echo "schemathesis as $who for ${fuzz_secs}s"
  schemathesis run openapi/openapi.json --url "$HOST" -H "Authorization: Bearer ${!who}" \
    --checks "$checks" --exclude-operation-id logout --exclude-operation-id end_session --max-time "$fuzz_secs" --no-color --seed 20261129 \
    > "$ci/schemathesis-$who.log" 2>&1 || { tail -80 "$ci/schemathesis-$who.log" >&2; exit 1; }
  grep -E "test cases|generated|passed|failed" "$ci/schemathesis-$who.log" | tail -3
done
stop_server
echo
echo "contract checks passed"
