#!/usr/bin/env bash
# Reports and indicators benchmarks: single look-up at 10^4 and 10^6 seeded indicators,
# batch look-up of 1,000 values, text query at 10^5 reports, and pgbench -S for the ratio.
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
build
start_server
read -r BANK BANK_ADMIN < <(make_org bank "Bench Bank")
read -r _ POLICE_ADMIN < <(make_org law_enforcement "Bench Police")
KEY=$(make_key "$BANK_ADMIN" '["indicators:lookup","reports:read"]')
export BENCH_AUTH="ApiKey $KEY"
IBANS=$(mktemp)
export BENCH_IBANS=$IBANS

seed() { # r_from r_to i_from i_to
  local t0=$SECONDS
  psql "$PG/$DB" -q -v org="$BANK" -v r_from="$1" -v r_to="$2" -v i_from="$3" -v i_to="$4" -f "$HERE/seed.sql" >/dev/null
  echo "seeded reports $1..$2, indicators $3..$4 in $((SECONDS - t0)) s"
}
sample_ibans() { # half seeded (1..$1), half never seen
  psql "$PG/$DB" -Atq -c "
    SELECT 'XK' || lpad((98 - (('1212' || lpad(n::text, 12, '0') || '332000')::numeric % 97))::text, 2, '0') || '1212' || lpad(n::text, 12, '0')
    FROM (SELECT (random() * ($1 - 1))::bigint + 1 AS n FROM generate_series(1, 5000)
          UNION ALL SELECT $1 + 1000000 + g FROM generate_series(1, 5000) g) s" >"$IBANS"
}

seed 1 10000 1 10000
sample_ibans 10000
echo "single look-up, 10^4 indicators (req/s p50 p99):"
wrk_median "GET /indicators/lookup, 10^4 indicators" -s "$HERE/lookup.lua" "$BASE"

seed 10001 100000 10001 1000000
sample_ibans 1000000
echo "single look-up, 10^6 indicators:"
wrk_median "GET /indicators/lookup, 10^6 indicators" -s "$HERE/lookup.lua" "$BASE"

echo "batch look-up, 1,000 values per request, 10^6 indicators (requests/s; x1000 = values/s):"
CONNS=4 wrk_median "POST /indicators/lookup x1000" -s "$HERE/batch.lua" "$BASE"

echo "report query with a text filter, 10^5 reports, as law enforcement (sees green, clear, amber):"
BENCH_AUTH="Bearer $POLICE_ADMIN" wrk_median "GET /reports?q=..." -s "$HERE/query.lua" "$BASE"

echo "pgbench -S (select-only), $CONNS clients, same machine:"
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS cyberbridge_pgbench" >/dev/null
psql "$PG/postgres" -qc "CREATE DATABASE cyberbridge_pgbench" >/dev/null
pgbench -q -i -s 10 "$PG/cyberbridge_pgbench" >/dev/null 2>&1
for i in $(seq 1 "$RUNS"); do
  pgbench -S -n -c "$CONNS" -j 2 -T "${DURATION%s}" -h 127.0.0.1 -U postgres cyberbridge_pgbench 2>/dev/null | awk '/^tps/ {print "  run: " $3 " tps"}'
done
psql "$PG/postgres" -qc "DROP DATABASE cyberbridge_pgbench" >/dev/null
rm -f "$IBANS"
