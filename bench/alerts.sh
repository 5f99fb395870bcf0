#!/usr/bin/env bash
# Fraud alert ingest over HTTP with an API key: each alert routed by its IBAN's bank code and
# announced by an alert.received event in the same transaction; and pgbench's own one-row
# INSERT rate at the same client count, for the ratio.
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
build
start_server
read -r _ SENDER_ADMIN < <(make_org bank "Sender Bank" ',"bank_identifiers":[{"country":"XK","bank_code":"15"}]')
read -r _ _ < <(make_org bank "Receiver Bank" ',"bank_identifiers":[{"country":"XK","bank_code":"12"}]')
export BENCH_AUTH="ApiKey $(make_key "$SENDER_ADMIN" '["alerts:write"]')"
IBANS=$(mktemp)
export BENCH_IBANS=$IBANS
psql "$PG/$DB" -Atq -c "
  SELECT 'XK' || lpad((98 - (('1212' || lpad(n::text, 12, '0') || '332000')::numeric % 97))::text, 2, '0') || '1212' || lpad(n::text, 12, '0')
  FROM generate_series(1, 2000) n" >"$IBANS"

SENT=$(mktemp)
export BENCH_SENT=$SENT
echo "alert ingest, $CONNS connections (req/s p50 p95 p99):"
wrk_median "POST /fraud-alerts" -s "$HERE/alerts.lua" "$BASE"
# Every answered request must be a stored alert: a replayed Idempotency-Key would store none.
read -r sent failed <<<"$(awk '{s += $1; f += $2} END {print s, f}' "$SENT")"
stored=$(psql "$PG/$DB" -Atc "SELECT count(*) FROM fraud_alerts")
echo "requests sent: $sent (non-2xx: $failed), alerts stored: $stored"
# (Requests still in flight when a run ends are stored but not counted: at most one per connection.)
if [ "$stored" -lt $((sent - failed)) ]; then
  echo "WARNING: $((sent - failed - stored)) answered requests stored no alert (replayed keys?)"
elif [ "$stored" -gt $((sent - failed + CONNS * RUNS)) ]; then
  echo "WARNING: $((stored - sent + failed)) more alerts stored than requests answered"
fi
psql "$PG/$DB" -Atc "SELECT 'alerts stored: ' || count(*) || ', routed: ' || count(*) FILTER (WHERE status = 'routed') FROM fraud_alerts"
psql "$PG/$DB" -Atc "SELECT 'alert.received events: ' || count(*) FROM outbox_events WHERE type = 'alert.received'"

echo "pgbench one-row INSERT (uuid, jsonb, text, btree), $CONNS clients:"
psql "$PG/$DB" -qc "DROP TABLE IF EXISTS bench_inserts; CREATE TABLE bench_inserts (id uuid PRIMARY KEY, body jsonb NOT NULL, ref text NOT NULL); CREATE INDEX ON bench_inserts (ref)"
SCRIPT=$(mktemp)
echo "INSERT INTO bench_inserts VALUES (gen_random_uuid(), '{\"amount\": 1000}', md5(random()::text));" >"$SCRIPT"
for i in $(seq 1 "$RUNS"); do
  pgbench -n -M prepared -c "$CONNS" -j 2 -T "${DURATION%s}" -f "$SCRIPT" -h 127.0.0.1 -U postgres "$DB" 2>/dev/null | awk '/^tps/ {print "  run: " $3 " tps"}'
done
rm -f "$IBANS" "$SCRIPT" "$SENT"
