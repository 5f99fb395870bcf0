#!/usr/bin/env bash
# Private screening at scale: the release server with an OPRF key, 10^6 IBANs (BENCH_VALUES)
# seeded into bank A's reports; timed: every tag computed and every set brought up to date;
# then bank A's whole set (10^6 tags, from its snapshot, then with 1,000 changes merged in,
# then once without a snapshot) and a delta of 1,000 values served (median of 5 reads), and
# evaluations of batches of 1,000 blinded elements (wrk, median of BENCH_RUNS runs: values/s =
# requests/s x 1,000, with p50/p99 per call). Needs pysodium (libsodium) for the elements
# (BENCH_PYTHON: a Python that has it).
# Figures: bench/README.md, "Private screening".
source "$(dirname "$0")/lib.sh"
HERE="$ROOT/bench"
N=${BENCH_VALUES:-1000000}
build
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
# The demo's organisations and fixed keys (bank A's key screens), its data set as well.
DATABASE_URL="$PG/$DB" CYBERBRIDGE_BIND="127.0.0.1:$PORT" CYBERBRIDGE_LOG=warn CYBERBRIDGE_RATE_LIMIT=0 \
  CYBERBRIDGE_POOL_SIZE=${BENCH_POOL:-8} CYBERBRIDGE_DATA_DIR="$ROOT/target/private-bench-data" \
  CYBERBRIDGE_PRIVATE_SCREENING_KEY="$(openssl rand -base64 32)" CYBERBRIDGE_PRIVATE_SCREENING_QUOTA=4000000000 \
  "$BIN" serve --demo >/tmp/cyberbridge-bench.log 2>&1 &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null; wait $SERVER_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.5; done
curl -sf "$BASE/readyz" >/dev/null || { echo "server did not start; see /tmp/cyberbridge-bench.log"; exit 1; }
BANK=$(psql "$PG/$DB" -tAc "SELECT id FROM organizations WHERE name = 'Demo Bank A'")
KEY=cbk_demo-bank-a-key-for-this-machine-only
AUTH="authorization: ApiKey $KEY"
echo "private screening: $(nproc) cores, release build, $N values, $(date -u +%FT%TZ)"

# Every value tagged and every set current: from the seed's commit to an empty queue.
start=$(date +%s.%N)
psql "$PG/$DB" -q -v org="$BANK" -v r_from=1 -v r_to=$((N / 10)) -v i_from=1 -v i_to="$N" -f "$HERE/seed.sql" >/dev/null
seeded=$(date +%s.%N)
q() { psql "$PG/$DB" -tAc "$1"; }
until [ "$(q "SELECT count(*) FROM private_screening_dirty")" = 0 ] \
  && [ "$(q "SELECT count(*) FROM private_screening_members WHERE removed IS NULL AND organization_id = '$BANK'")" -ge "$N" ]; do sleep 1; done
done_at=$(date +%s.%N)
printf 'seeded %d values in %.1f s; tagged and in the sets %.1f s later (%.0f values/s)\n' "$N" \
  "$(echo "$seeded - $start" | bc)" "$(echo "$done_at - $seeded" | bc)" "$(echo "$N / ($done_at - $seeded)" | bc -l)"

# The whole set, from its snapshot (the background step builds one within ten seconds).
until [ "$(q "SELECT count(*) FROM private_screening_snapshots WHERE organization_id = '$BANK'")" = 1 ]; do sleep 1; done
version=$(curl -sf "$BASE/api/v1/screening/private/config" -H "$AUTH" | jq .version)
median() { sort -n | sed -n "$(( ($1 + 1) / 2 ))p"; }
whole() { # label
  local t
  t=$(for _ in 1 2 3 4 5; do curl -sf -o /tmp/private-set.json -w '%{time_total}\n' "$BASE/api/v1/screening/private/tags" -H "$AUTH"; done | median 5)
  printf '%s: %s tags, %s bytes, median %.3f s\n' "$1" "$(jq .size /tmp/private-set.json)" "$(stat -c %s /tmp/private-set.json)" "$t"
}
whole "whole set (snapshot)"
# A delta of 1,000 new values, and the whole set then (the snapshot merged with them).
psql "$PG/$DB" -q -v org="$BANK" -v r_from=1 -v r_to=$((N / 10)) -v i_from=$((N + 1)) -v i_to=$((N + 1000)) -f "$HERE/seed.sql" >/dev/null
sleep 3
delta=$(for _ in 1 2 3 4 5; do curl -sf -o /tmp/private-delta.json -w '%{time_total}\n' "$BASE/api/v1/screening/private/tags?since=$version" -H "$AUTH"; done | median 5)
printf 'delta of 1,000 new values: %s added, %s bytes, median %.3f s\n' "$(jq -r .added /tmp/private-delta.json | base64 -d | wc -c | awk '{print $1 / 16}')" \
  "$(stat -c %s /tmp/private-delta.json)" "$delta"
whole "whole set (snapshot and 1,000 changes)"
# Without a snapshot: the set read from its entries (the step builds it again within 10 s).
q "DELETE FROM private_screening_snapshots" >/dev/null
t=$(curl -sf -o /tmp/private-set.json -w '%{time_total}' "$BASE/api/v1/screening/private/tags" -H "$AUTH")
printf 'whole set without a snapshot (one read): %s tags, %.3f s\n' "$(jq .size /tmp/private-set.json)" "$t"

# Evaluations: one body of 1,000 blinded elements (random valid points: the server's work is
# the same), replayed.
KEY_ID=$(curl -sf "$BASE/api/v1/screening/private/config" -H "$AUTH" | jq -r .key_id)
"${BENCH_PYTHON:-python3}" - "$KEY_ID" > /tmp/private-body.json <<'EOF'
import base64, json, sys
import pysodium
print(json.dumps({"key_id": sys.argv[1], "blinded": [base64.b64encode(pysodium.crypto_core_ristretto255_random()).decode() for _ in range(1000)]}))
EOF
cat > /tmp/private.lua <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "ApiKey $KEY"
local f = io.open("/tmp/private-body.json")
wrk.body = f:read("*a")
f:close()
EOF
for c in 2 4; do
  CONNS=$c wrk_median "evaluate 1,000 ($c connections)" -s /tmp/private.lua "$BASE/api/v1/screening/private/evaluate"
done
echo "(values/s = requests/s x 1,000)"
