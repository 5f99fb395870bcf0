#!/usr/bin/env bash
# Single look-ups with one primary alone, then with one primary + one streaming replica, the two
# set-ups alternating run by run on the same data. Both PostgreSQL servers are private clusters
# of this script (initdb, then pg_basebackup -R), on this machine: with one machine's two cores
# shared by both servers, the API and wrk, this measures the overhead of the replica path, not a
# gain (a replica on its own machine adds that machine's cores to the reads).
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
BINDIR=$(dirname "$(readlink -f "$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb | tail -1)")")
WORK=$(mktemp -d /tmp/cyberbridge-bench-replicas.XXXX)
chmod 755 "$WORK"
P1=${BENCH_PRIMARY_PORT:-25432}
P2=${BENCH_REPLICA_PORT:-25433}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
OPTS="-c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200 -c shared_buffers=256MB"
cleanup_clusters() {
  as_pg "$BINDIR/pg_ctl" -D "$WORK/replica" -m immediate stop >/dev/null 2>&1 || true
  as_pg "$BINDIR/pg_ctl" -D "$WORK/primary" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
mkdir -p "$WORK/primary" "$WORK/replica"
[ "$(id -u)" = 0 ] && chown postgres: "$WORK/primary" "$WORK/replica"
chmod 700 "$WORK/primary" "$WORK/replica"
as_pg "$BINDIR/initdb" -D "$WORK/primary" -U postgres -A trust -E UTF8 --no-locale >/dev/null
as_pg "$BINDIR/pg_ctl" -D "$WORK/primary" -l "$WORK/primary/postgresql.log" -o "-p $P1 $OPTS" -w start >/dev/null

export BENCH_PG="postgres://postgres@127.0.0.1:$P1"
PG=$BENCH_PG
build
start_server
trap 'kill $SERVER_PID 2>/dev/null; wait $SERVER_PID 2>/dev/null || true; cleanup_clusters' EXIT
read -r BANK BANK_ADMIN < <(make_org bank "Bench Bank")
export BENCH_AUTH="ApiKey $(make_key "$BANK_ADMIN" '["indicators:lookup"]')"
IBANS=$(mktemp)
export BENCH_IBANS=$IBANS
psql "$PG/$DB" -q -v org="$BANK" -v r_from=1 -v r_to=10000 -v i_from=1 -v i_to=100000 -f "$HERE/seed.sql" >/dev/null
psql "$PG/$DB" -qc "ANALYZE" >/dev/null
psql "$PG/$DB" -Atq -c "
  SELECT 'XK' || lpad((98 - (('1212' || lpad(n::text, 12, '0') || '332000')::numeric % 97))::text, 2, '0') || '1212' || lpad(n::text, 12, '0')
  FROM (SELECT (random() * 99999)::bigint + 1 AS n FROM generate_series(1, 5000)
        UNION ALL SELECT 2000000 + g FROM generate_series(1, 5000) g) s" >"$IBANS"
as_pg "$BINDIR/pg_basebackup" -h 127.0.0.1 -p "$P1" -U postgres -D "$WORK/replica" -R -X stream -c fast >/dev/null
as_pg "$BINDIR/pg_ctl" -D "$WORK/replica" -l "$WORK/replica/postgresql.log" -o "-p $P2 $OPTS" -w start >/dev/null

restart() { # extra environment for the server
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  env "$@" DATABASE_URL="$PG/$DB" CYBERBRIDGE_BIND="127.0.0.1:$PORT" CYBERBRIDGE_LOG=warn CYBERBRIDGE_RATE_LIMIT=0 \
    CYBERBRIDGE_MFA_REQUIRED= CYBERBRIDGE_POOL_SIZE=${BENCH_POOL:-8} "$BIN" serve >>/tmp/cyberbridge-bench.log 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.2; done
  sleep 1 # the replica monitor's first polls
}
run() { # label
  local out
  out=$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$HERE/lookup.lua" "$BASE")
  echo "  $1: $(echo "$out" | awk '/Requests\/sec/ {print $2}') req/s  p50 $(echo "$out" | awk '$1=="50%" {print $2}')  p99 $(echo "$out" | awk '$1=="99%" {print $2}')$(echo "$out" | awk '/Non-2xx/ {print "  NON-2XX: " $5}')"
}
echo "single look-up, 10^5 indicators, $CONNS connections:"
for i in $(seq 1 "$RUNS"); do
  restart CYBERBRIDGE_REPLICA_URLS=
  run "run $i, primary alone        "
  restart CYBERBRIDGE_REPLICA_URLS="postgres://postgres@127.0.0.1:$P2/$DB"
  run "run $i, primary + 1 replica  "
done
echo "reads the replica served (its statistics: index scans on report_indicators):"
psql "postgres://postgres@127.0.0.1:$P2/$DB" -Atc "SELECT idx_scan FROM pg_stat_user_tables WHERE relname = 'report_indicators'"
rm -f "$IBANS"
