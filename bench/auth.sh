#!/usr/bin/env bash
# Identity benchmarks: login latency (argon2id), and authenticated GET throughput with a JWT,
# with an API key, and unauthenticated /healthz, at $BENCH_CONNECTIONS connections.
source "$(dirname "$0")/lib.sh"
build
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
