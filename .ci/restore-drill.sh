#!/usr/bin/env bash
# The restore drill, on this machine, with deploy/pgbackrest's settings (paths moved into a
# scratch folder): a private PostgreSQL cluster archiving its WAL to pgBackRest, `serve --demo`
# on it with keys from files and an audit witness file, writes (fraud alerts, data requests
# answered with files) during and after a full backup, a point in time T, more writes, an
# incremental backup; the cluster lost; restored to T; `serve` on the restored cluster; and
# `admin verify-restore` clean. Then restored again, one audit row altered and one chunk of a
# file removed: the verification names both and exits 1. Reports: target/ci/drill/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/target/ci/drill
BINDIR=$(dirname "$(readlink -f "$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")")
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
say() { echo "drill: $*"; }

.ci/tools.sh
cargo build --quiet
bin=$root/target/debug/cyberbridge
rm -rf "$out" && mkdir -p "$out"
work=$(mktemp -d /tmp/cyberbridge-drill.XXXX)
chmod 755 "$work"
[ "$(id -u)" = 0 ] && chown postgres "$work"
pg=$work/pg
port=$(free_port)
api_port=$(free_port)
api=http://127.0.0.1:$api_port
B=$api/api/v1
server_pid=""
load_pid=""
cleanup() {
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  as_pg "$BINDIR/pg_ctl" -D "$pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# pgBackRest's configuration: deploy/pgbackrest/pgbackrest.conf, paths moved into $work, the
# repository unencrypted (no passphrase to keep here).
conf=$work/pgbackrest.conf
sed -e "s|^repo1-path=.*|repo1-path=$work/repo|" -e "s|^log-path=.*|log-path=$work/log|" \
    -e "s|^lock-path=.*|lock-path=$work/lock|" -e "s|^pg1-path=.*|pg1-path=$pg|" \
    -e "s|^pg1-port=.*|pg1-port=$port|" -e "s|^pg1-socket-path=.*|pg1-socket-path=$work|" \
    -e "s|^repo1-cipher-type=.*||" -e "s|^\[cyberbridge\]|[drill]|" deploy/pgbackrest/pgbackrest.conf > "$conf"
chmod 644 "$conf"
as_pg mkdir -p "$work/repo" "$work/log" "$work/lock"
bk() { as_pg pgbackrest --config="$conf" --stanza=drill --log-level-console=warn "$@"; }

say "a cluster archiving its WAL to pgBackRest (port $port)"
as_pg "$BINDIR/initdb" -D "$pg" -U postgres -A trust -E UTF8 --no-locale >/dev/null
sed -e "s|--stanza=cyberbridge|--config=$conf --stanza=drill|" -e "s|^archive_timeout = 60|archive_timeout = 5|" \
  deploy/pgbackrest/postgresql.conf | as_pg tee -a "$pg/postgresql.conf" >/dev/null
pg_start() { as_pg "$BINDIR/pg_ctl" -D "$pg" -l "$work/postgresql.log" -o "-p $port -k $work -c listen_addresses=127.0.0.1" -w -t 120 start >/dev/null; }
pg_start
bk stanza-create
bk check

# The keys, from files only their owner reads; the witness file outside the database.
keys=$root/target/ci/drill-keys
rm -rf "$keys" && mkdir -p "$keys"
for k in jwt signing audit secrets; do openssl rand -base64 32 > "$keys/$k"; chmod 600 "$keys/$k"; done
witness=$out/witness.jsonl
export CYBERBRIDGE_JWT_SECRET_FILE=$keys/jwt CYBERBRIDGE_SIGNING_KEY_FILE=$keys/signing \
  CYBERBRIDGE_AUDIT_SIGNING_KEY_FILE=$keys/audit CYBERBRIDGE_SECRETS_KEY_FILE=$keys/secrets \
  CYBERBRIDGE_AUDIT_WITNESS_FILE=$witness CYBERBRIDGE_AUDIT_WITNESS_INTERVAL=1 \
  DATABASE_URL=postgres://postgres@127.0.0.1:$port/cyberbridge CYBERBRIDGE_BIND=127.0.0.1:$api_port \
  CYBERBRIDGE_DATA_DIR=$work/data CYBERBRIDGE_RATE_LIMIT=0 CYBERBRIDGE_LOG=info
serve() {
  "$bin" serve ${1:-} >> "$out/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 240); do curl -sf "$api/readyz" >/dev/null && return 0; sleep 0.5; done
  echo "the server did not start:"; tail -20 "$out/server.log"; exit 1
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""; }
serve --demo

iban() { python3 -c "
import sys
c, bank, n = 'XK', sys.argv[1], int(sys.argv[2])
bban = bank + str(n).zfill(16 - len(bank))
num = ''.join(str(int(ch, 36)) for ch in bban + c + '00')
print(f'{c}{98 - int(num) % 97:02d}{bban}')" "$1" "$2"; }
KEY=cbk_demo-bank-a-key-for-this-machine-only
VICTIM=$(iban 12 777001)
# alert REF N: a fraud alert from Bank A, to Bank B, its payment reference REF.
alert() {
  curl -sf "$B/fraud-alerts" -H "authorization: ApiKey $KEY" -H 'content-type: application/json' -d "{
    \"victim_account\": {\"iban\": \"$VICTIM\"}, \"beneficiary_account\": {\"iban\": \"$(iban 15 $((800000 + $2)))\"},
    \"beneficiary_name\": \"J. Doe\", \"amount\": {\"amount_minor\": $((1000 + $2)), \"currency\": \"EUR\"},
    \"executed_at\": \"2026-11-28T09:30:00+01:00\", \"payment_reference\": \"$1\", \"category\": \"investment_fraud\"}" >/dev/null
}
login() { curl -sf "$B/auth/login" -H 'content-type: application/json' \
  -d "{\"email\": \"$1\", \"password\": \"demo-password-2026\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'; }
POLICE=$(login detective@police.demo.example)
ISP=$(login admin@isp.demo.example)
ISP_ORG=$(curl -sf "$B/organizations?kind=isp" -H "authorization: Bearer $POLICE" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
# answered NAME SIZE: a request from the police, answered by the ISP with a file of SIZE bytes
# named NAME (kept in $out for comparison); its id in $answered_id.
answered() {
  local id
  id=$(curl -sf "$B/requests" -H "authorization: Bearer $POLICE" -H 'content-type: application/json' -d "{
    \"type\": \"subscriber_info\", \"addressee_id\": \"$ISP_ORG\", \"case_reference\": \"DRILL-$1\",
    \"legal_basis\": {\"provision\": \"CPC art. 123\"}, \"data_categories\": [\"subscriber\"], \"urgency\": \"routine\",
    \"identifiers\": [{\"type\": \"ipv4\", \"value\": \"192.0.2.44\", \"observed_at\": \"2026-11-20T10:15:00+01:00\"}]}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  curl -sf "$B/requests/$id/transitions" -H "authorization: Bearer $ISP" -H 'content-type: application/json' -d '{"to": "acknowledged"}' >/dev/null
  head -c "$2" /dev/urandom > "$out/$1"
  curl -sf "$B/requests/$id/responses" -H "authorization: Bearer $ISP" \
    -F 'records=[{"subscriber": "Drill Subscriber"}];type=application/json' -F "attachment=@$out/$1;type=application/octet-stream" >/dev/null
  answered_id=$id
}

say "writes before the backup, and alerts all through it"
answered drill-a.bin 300000
for n in $(seq 1 20); do alert BEFORE-BACKUP "$n"; done
( n=100; while true; do alert DURING-BACKUP "$n" || true; n=$((n + 1)); done ) 2>/dev/null &
load_pid=$!
bk --type=full backup
kill "$load_pid"; wait "$load_pid" 2>/dev/null || true; load_pid=""
say "more writes, then the point in time T"
answered drill-b.bin 2500000
request_b=$answered_id
for n in $(seq 1 20); do alert BEFORE-T "$n"; done
sleep 3   # sealed and witnessed
target=$(date -u '+%Y-%m-%d %H:%M:%S.%6N+00')
until=$(date -u -d "$target" '+%Y-%m-%dT%H:%M:%S.%6NZ')
sleep 2
say "writes after T ($target), then an incremental backup"
answered drill-c.bin 1000
for n in $(seq 1 20); do alert AFTER-T "$n"; done
sleep 2
bk --type=incr backup
bk info > "$out/backups.txt"
stop_server
count() { psql -qAt -h 127.0.0.1 -p "$port" -U postgres cyberbridge -c "$1"; }
before_t=$(count "SELECT count(*) FROM fraud_alerts WHERE payment_reference IN ('BEFORE-BACKUP', 'BEFORE-T')")
during=$(count "SELECT count(*) FROM fraud_alerts WHERE payment_reference = 'DURING-BACKUP'")
say "$before_t alerts before T and $during during the backup; the cluster is now lost"
as_pg "$BINDIR/pg_ctl" -D "$pg" -m immediate stop >/dev/null

restore() {
  as_pg "$BINDIR/pg_ctl" -D "$pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg"
  as_pg mkdir -m 700 "$pg"
  bk --type=time "--target=$target" --target-action=promote restore
  pg_start
  for _ in $(seq 120); do [ "$(count 'SELECT pg_is_in_recovery()')" = f ] && return 0; sleep 0.5; done
  echo "the restored cluster did not leave recovery"; tail -20 "$work/postgresql.log"; exit 1
}
say "restored to T"
restore
[ "$(count "SELECT count(*) FROM fraud_alerts WHERE payment_reference IN ('BEFORE-BACKUP', 'BEFORE-T')")" = "$before_t" ] \
  || { echo "alerts written before T are missing"; exit 1; }
[ "$(count "SELECT count(*) FROM fraud_alerts WHERE payment_reference = 'DURING-BACKUP'")" = "$during" ] \
  || { echo "alerts written during the backup are missing"; exit 1; }
[ "$(count "SELECT count(*) FROM fraud_alerts WHERE payment_reference = 'AFTER-T'")" = 0 ] \
  || { echo "alerts written after T were restored"; exit 1; }
[ "$(count "SELECT count(*) FROM data_requests WHERE case_reference = 'DRILL-drill-c.bin'")" = 0 ] \
  || { echo "the request made after T was restored"; exit 1; }

verify() {
  set +e
  "$bin" admin verify-restore --until "$until" > "$1" 2>> "$out/verify.log"
  local status=$?
  set -e
  cat "$1"
  return $status
}
say "verify-restore on the restored cluster, as restored"
verify "$out/report-clean.txt" || { echo "the restored database did not verify"; exit 1; }
grep -q "VERDICT: INTACT" "$out/report-clean.txt"
grep -Eq "[1-9][0-9]* signed after the restore point, not checked" "$out/report-clean.txt" \
  || { echo "the heads witnessed after T were not counted"; exit 1; }

say "serve on the restored cluster: the file answered before T downloads whole"
serve --demo   # the demo's logins have no second factor; it seeds nothing twice
POLICE=$(login detective@police.demo.example)
file_id=$(curl -sf "$B/requests/$request_b/responses" -H "authorization: Bearer $POLICE" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["attachments"][0]["id"])')
curl -sf "$B/requests/$request_b/attachments/$file_id" -H "authorization: Bearer $POLICE" -o "$work/downloaded"
cmp "$work/downloaded" "$out/drill-b.bin" || { echo "the restored file differs"; exit 1; }
stop_server
verify "$out/report-after-serve.txt" || { echo "the restored database did not verify after serving"; exit 1; }

say "restored again; one audit row altered and one chunk of a file removed"
restore
victim=$(count "SELECT id FROM audit_events WHERE hash IS NOT NULL ORDER BY id DESC OFFSET 10 LIMIT 1")
count "SET session_replication_role = replica;
  UPDATE audit_events SET details = details || '{\"altered\": true}' WHERE id = $victim;
  DELETE FROM attachment_chunks WHERE seq = 1 AND attachment_id = (SELECT id FROM data_request_attachments WHERE filename = 'drill-b.bin');" >/dev/null
if verify "$out/report-tampered.txt"; then echo "the tampered database verified"; exit 1; fi
grep -q "FINDING: row #$victim (" "$out/report-tampered.txt" || { echo "the altered row #$victim is not named"; exit 1; }
grep -q '"drill-b.bin" of request .*chunk(s) 1 missing' "$out/report-tampered.txt" || { echo "the removed chunk is not named"; exit 1; }
grep -q "VERDICT: NOT INTACT. 2 finding(s)" "$out/report-tampered.txt"

say "no key in any log"
for k in jwt signing audit secrets; do
  if grep -qF "$(cat "$keys/$k")" "$out/server.log" "$out/verify.log" "$work/postgresql.log"; then echo "the $k key is in a log"; exit 1; fi
done
say "passed: restored to T, verified, and both alterations named"
