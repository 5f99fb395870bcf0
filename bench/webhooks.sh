#!/usr/bin/env bash
# Webhook delivery benchmarks, one instance, to a local receiver (examples/webhook_receiver.rs):
# throughput from outbox to receiver, and commit-to-delivery delay at 100 events/s, alone and
# while another organisation's endpoint hangs (a tarpit holding every request for 30 s).
source "$(dirname "$0")/lib.sh"
(cd "$ROOT" && cargo build --release --quiet --example webhook_receiver)
build
RECV_PORT=${BENCH_RECEIVER_PORT:-19090}
"$ROOT/target/release/examples/webhook_receiver" "127.0.0.1:$RECV_PORT" >/dev/null 2>&1 &
RECV_PID=$!
export CYBERBRIDGE_ALLOW_HTTP_WEBHOOKS=1
start_server
trap 'kill $SERVER_PID $RECV_PID 2>/dev/null; wait 2>/dev/null || true' EXIT
read -r BANK BANK_ADMIN < <(make_org bank "Bench Bank")
curl -sf "$BASE/api/v1/webhooks" -H "authorization: Bearer $BANK_ADMIN" -H 'content-type: application/json' \
  -d "{\"url\":\"http://127.0.0.1:$RECV_PORT/hooks\"}" >/dev/null
RECV="http://127.0.0.1:$RECV_PORT/stats"
N=${BENCH_EVENTS:-20000}

emit_events() { # count: one transaction writing `count` events for the bank (as report matches would)
  psql "$PG/$DB" -qc "INSERT INTO outbox_events (event_id, type, recipient_org_id, payload)
    SELECT gen_random_uuid(), 'report.indicator_match', '$BANK',
           jsonb_build_object('report_id', gen_random_uuid(), 'reference', 'RPT-BENCH-' || g, 'tlp', 'green',
                              'matches', jsonb_build_array(jsonb_build_object('type', 'iban', 'value', 'XK051212012345678906')))
    FROM generate_series(1, $1) g" >/dev/null
}
wait_for() { # count
  for _ in $(seq 1 600); do
    [ "$(curl -s "$RECV" | jq .count)" -ge "$1" ] && return 0
    sleep 0.2
  done
  echo "timed out waiting for $1 deliveries"; return 1
}

echo "throughput: $N events written at once, delivered to the receiver (median of $RUNS):"
for i in $(seq 1 "$RUNS"); do
  curl -s -X DELETE "$RECV" >/dev/null
  t0=$(date +%s.%N)
  emit_events "$N"
  wait_for "$N"
  t1=$(date +%s.%N)
  echo "  run $i: $(echo "$N / ($t1 - $t0)" | bc -l | xargs printf '%.0f') events/s ($(curl -s "$RECV" | jq -c .))"
done

echo "delay from commit to delivery at 100 events/s for 10 s (pgbench -R 100):"
curl -s -X DELETE "$RECV" >/dev/null
SCRIPT=$(mktemp)
echo "INSERT INTO outbox_events (event_id, type, recipient_org_id, payload) VALUES (gen_random_uuid(), 'report.indicator_match', '$BANK', '{\"bench\": true}');" >"$SCRIPT"
pgbench -n -R 100 -T 10 -c 2 -j 1 -f "$SCRIPT" -h 127.0.0.1 -U postgres "$DB" 2>/dev/null | grep -E "^tps" | sed 's/^/  pgbench: /'
sleep 2
echo "  receiver: $(curl -s "$RECV" | jq -c .)"
rm -f "$SCRIPT"

echo "delay from commit to delivery at 100 events/s for 10 s while another bank's endpoint hangs:"
read -r TARPIT TARPIT_ADMIN < <(make_org bank "Tarpit Bank")
curl -sf "$BASE/api/v1/webhooks" -H "authorization: Bearer $TARPIT_ADMIN" -H 'content-type: application/json' \
  -d "{\"url\":\"http://127.0.0.1:$RECV_PORT/hang\"}" >/dev/null
curl -s -X DELETE "$RECV" >/dev/null
SCRIPT=$(mktemp)
cat >"$SCRIPT" <<SQL
INSERT INTO outbox_events (event_id, type, recipient_org_id, payload) VALUES
  (gen_random_uuid(), 'report.indicator_match', '$BANK', '{"bench": true}'),
  (gen_random_uuid(), 'report.indicator_match', '$TARPIT', '{"bench": true}');
SQL
pgbench -n -R 100 -T 10 -c 2 -j 1 -f "$SCRIPT" -h 127.0.0.1 -U postgres "$DB" 2>/dev/null | grep -E "^tps" | sed 's/^/  pgbench: /'
sleep 2
echo "  healthy receiver: $(curl -s "$RECV" | jq -c .)"
echo "  tarpit deliveries claimed: $(psql "$PG/$DB" -tAc "SELECT count(*) FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE w.organization_id = '$TARPIT' AND d.claimed_until > now() AND d.status = 'pending'") (a batch of 4 x 4, sent 4 at a time)"
rm -f "$SCRIPT"
