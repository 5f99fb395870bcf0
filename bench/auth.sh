#!/usr/bin/env bash
# Identity benchmarks: login latency (argon2id), and authenticated GET throughput with a JWT,
# with an API key, and unauthenticated /healthz, at $BENCH_CONNECTIONS connections; then
# API-key look-ups and JWT requests while 64 connections flood /auth/login with unknown
# e-mails, from one address and from a new address per request.
source "$(dirname "$0")/lib.sh"
build
# Trust X-Forwarded-For as a proxy would set it, so the flood can come from many addresses.
export CYBERBRIDGE_CLIENT_ADDRESS_HEADER=X-Forwarded-For
start_server
read -r BANK BANK_ADMIN < <(make_org bank "Bench Bank")
KEY=$(make_key "$BANK_ADMIN" '["indicators:lookup"]')

echo "login latency (50 sequential logins, release build):"
times=$(for _ in $(seq 1 50); do
  curl -s -o /dev/null -w '%{time_total}\n' "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"admin@benchbank.bench\",\"password\":\"$ADMIN_PASSWORD\"}"
done | sort -n)
echo "  median $(echo "$times" | sed -n 25p) s, p90 $(echo "$times" | sed -n 45p) s"

echo "throughput, wrk -t2 -c$CONNS -d$DURATION, median of $RUNS runs (req/s p50 p99):"
wrk_median "GET /healthz (no auth)" "$BASE/healthz"
wrk_median "GET /api/v1/me with JWT" -H "Authorization: Bearer $BANK_ADMIN" "$BASE/api/v1/me"
wrk_median "GET /api/v1/me with API key" -H "Authorization: ApiKey $KEY" "$BASE/api/v1/me"

LOOKUP="$BASE/api/v1/indicators/lookup?type=iban&value=XK051212012345678906"
FLOOD_CONNS=${BENCH_FLOOD_CONNECTIONS:-64}
# under_flood SPOOF: look-ups and JWT reads while a login flood runs (started 1 s before).
under_flood() {
  local d=${DURATION%s}
  BENCH_SPOOF=$1 wrk -t1 -c"$FLOOD_CONNS" -d"$((d * 2 * RUNS + 4))s" -s "$ROOT/bench/login_flood.lua" \
    "$BASE/api/v1/auth/login" >/tmp/cyberbridge-flood.out 2>&1 &
  local flood=$!
  sleep 1
  wrk_median "  look-up with API key" -H "Authorization: ApiKey $KEY" "$LOOKUP"
  wrk_median "  GET /api/v1/me with JWT" -H "Authorization: Bearer $BANK_ADMIN" "$BASE/api/v1/me"
  local t0 t1
  t0=$(date +%s.%N)
  code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"admin@benchbank.bench\",\"password\":\"$ADMIN_PASSWORD\"}")
  t1=$(date +%s.%N)
  echo "  a real login during the flood: $code in $(echo "$t1 - $t0" | bc) s"
  wait $flood || true
  awk '/Requests\/sec/ {print "  flood: " $2 " logins/s answered"} /flood statuses/ {print "  " $0}' /tmp/cyberbridge-flood.out
}
echo "idle, wrk -t2 -c$CONNS -d$DURATION, median of $RUNS runs (req/s p50 p99):"
wrk_median "  look-up with API key" -H "Authorization: ApiKey $KEY" "$LOOKUP"
wrk_median "  GET /api/v1/me with JWT" -H "Authorization: Bearer $BANK_ADMIN" "$BASE/api/v1/me"
echo "under a flood of logins from one address ($FLOOD_CONNS connections):"
under_flood 0
echo "under a flood of logins from a new address per request ($FLOOD_CONNS connections):"
under_flood 1
