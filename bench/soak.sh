#!/usr/bin/env bash
# The soak: the release server on a fresh database with the demo's organisations, a mixed
# workload (look-ups 70 %, fraud alerts 25 % with their webhooks delivered to a receiver,
# data requests answered with a 64 KiB file 5 %) first as fast as 8 connections go (its
# capacity), then at half of it for SOAK_MINUTES (30); each minute the server's resident
# memory, open files, database connections and each operation's p99 are printed; at the end
# their growth per hour and whether anything was lost (bench/soak.py). Summary JSON:
# target/soak.json.
source "$(dirname "$0")/lib.sh"
build
DB=cyberbridge_soak
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
DATABASE_URL="$PG/$DB" CYBERBRIDGE_BIND="127.0.0.1:$PORT" CYBERBRIDGE_LOG=warn CYBERBRIDGE_RATE_LIMIT=0 \
  CYBERBRIDGE_AUTH_RATE_LIMIT=0 CYBERBRIDGE_ALLOW_HTTP_WEBHOOKS=true CYBERBRIDGE_POOL_SIZE=${BENCH_POOL:-8} \
  CYBERBRIDGE_DATA_DIR="$ROOT/target/soak-data" "$BIN" serve --demo >/tmp/cyberbridge-soak.log 2>&1 &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null; wait $SERVER_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.5; done
curl -sf "$BASE/readyz" >/dev/null || { echo "server did not start; see /tmp/cyberbridge-soak.log"; exit 1; }
echo "soak: $(nproc) cores, release build, pool ${BENCH_POOL:-8}, $(date -u +%FT%TZ)"
SOAK_PORT=$PORT SOAK_SERVER_PID=$SERVER_PID SOAK_PSQL="psql -h 127.0.0.1 -U postgres $DB" \
  python3 "$ROOT/bench/soak.py" "$ROOT/target/soak.json"
