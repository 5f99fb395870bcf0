#!/usr/bin/env bash
# Console render times at 10^4 data requests and the heaviest page's weight (bench/console.py),
# against the release build serving the demo data on a fresh database.
# Settings: BENCH_REQUESTS (10000), BENCH_SAMPLES (300), BENCH_RUNS (3), BENCH_PORT, BENCH_PG.
source "$(dirname "$0")/lib.sh"
build
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
DATABASE_URL="$PG/$DB" CYBERBRIDGE_BIND="127.0.0.1:$PORT" CYBERBRIDGE_LOG=warn CYBERBRIDGE_RATE_LIMIT=0 \
  CYBERBRIDGE_DATA_DIR=/tmp/cyberbridge-bench-console CYBERBRIDGE_POOL_SIZE=${BENCH_POOL:-8} \
  "$BIN" serve --demo >/tmp/cyberbridge-bench.log 2>&1 &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null; wait $SERVER_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.2; done
CYBERBRIDGE_URL=$BASE python3 "$ROOT/bench/console.py"
for i in $(seq 2 "$RUNS"); do
  echo "run $i" >&2
  CYBERBRIDGE_URL=$BASE BENCH_REQUESTS=0 python3 "$ROOT/bench/console.py"
done
