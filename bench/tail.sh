#!/usr/bin/env bash
# The single look-up's tail against PostgreSQL's own: each run drives GET /indicators/lookup
# (10^4 seeded indicators, API key) with wrk, then `pgbench -S` at the same client count with
# its per-transaction log (-l), and prints both throughputs, both p50/p99 and the ratios.
# Settings as in lib.sh; BENCH_PROFILE=1 also samples the server with `perf` during the
# first wrk run (perf must be installed) and PostgreSQL's wait events every 10 ms.
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
build
start_server
read -r BANK BANK_ADMIN < <(make_org bank "Bench Bank")
export BENCH_AUTH="ApiKey $(make_key "$BANK_ADMIN" '["indicators:lookup"]')"
IBANS=$(mktemp)
export BENCH_IBANS=$IBANS
psql "$PG/$DB" -q -v org="$BANK" -v r_from=1 -v r_to=10000 -v i_from=1 -v i_to=10000 -f "$HERE/seed.sql" >/dev/null
psql "$PG/$DB" -Atq -c "
  SELECT 'XK' || lpad((98 - (('1212' || lpad(n::text, 12, '0') || '332000')::numeric % 97))::text, 2, '0') || '1212' || lpad(n::text, 12, '0')
  FROM (SELECT (random() * 9999)::bigint + 1 AS n FROM generate_series(1, 5000)
        UNION ALL SELECT 2000000 + g FROM generate_series(1, 5000) g) s" >"$IBANS"
psql "$PG/$DB" -qc "ANALYZE" >/dev/null

psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS cyberbridge_pgbench" >/dev/null
psql "$PG/postgres" -qc "CREATE DATABASE cyberbridge_pgbench" >/dev/null
pgbench -q -i -s 10 "$PG/cyberbridge_pgbench" >/dev/null 2>&1
LOGS=$(mktemp -d)
to_ms() { # wrk latency (850.00us, 1.20ms, 2.00s) -> ms
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n *= 1000; printf "%.2f", n }'
}
echo "run: look-up req/s p50 p99 | pgbench -S tps p50 p99 | ratios (throughput, p99)"
for i in $(seq 1 "$RUNS"); do
  if [ "$i" = 1 ] && [ "${BENCH_PROFILE:-0}" = 1 ]; then
    (perf record -F 499 -g -p "$SERVER_PID" -o "$LOGS/perf.data" -- sleep "${DURATION%s}" >/dev/null 2>&1 &)
    (for _ in $(seq 1 $(( ${DURATION%s} * 100 ))); do
       psql "$PG/$DB" -Atqc "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') FROM pg_stat_activity WHERE datname = '$DB' AND state = 'active' AND pid <> pg_backend_pid()"
       sleep 0.01; done >"$LOGS/waits.txt" &)
  fi
  out=$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$HERE/lookup.lua" "$BASE")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(to_ms "$(echo "$out" | awk '$1=="50%" {print $2}')")
  p99=$(to_ms "$(echo "$out" | awk '$1=="99%" {print $2}')")
  rm -f "$LOGS"/pgbench_log.*
  tps=$(cd "$LOGS" && pgbench -S -n -l -c "$CONNS" -j 2 -T "${DURATION%s}" -h 127.0.0.1 -U postgres cyberbridge_pgbench 2>/dev/null | awk '/^tps/ {print $3}')
  read -r g50 g99 < <(cat "$LOGS"/pgbench_log.* | awk '{print $3}' | sort -n | awk '{a[NR] = $1} END {printf "%.2f %.2f\n", a[int(NR * 0.5)] / 1000, a[int(NR * 0.99)] / 1000}')
  echo "  run $i: $rps $p50 $p99 | $tps $g50 $g99 | $(awk -v a="$rps" -v b="$tps" 'BEGIN {printf "%.2f", a / b}') $(awk -v a="$p99" -v b="$g99" 'BEGIN {printf "%.1f", a / b}')"
done
if [ "${BENCH_PROFILE:-0}" = 1 ]; then
  echo "PostgreSQL backends by wait event (samples every 10 ms during run 1):"
  sort "$LOGS/waits.txt" | uniq -c | sort -rn | head -12
  [ -f "$LOGS/perf.data" ] && perf report -i "$LOGS/perf.data" --no-children --sort dso,sym --stdio 2>/dev/null | grep -v '^#' | grep '%' | head -25
fi
psql "$PG/postgres" -qc "DROP DATABASE cyberbridge_pgbench" >/dev/null
rm -rf "$IBANS" "$LOGS"
