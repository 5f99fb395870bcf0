# Shared helpers of the benchmark scripts: start the release server on a fresh database,
# create organisations, users and keys over HTTP, run wrk and take medians.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$ROOT/target/release/cyberbridge"
PORT=${BENCH_PORT:-18080}
BASE="http://127.0.0.1:$PORT"
PG=${BENCH_PG:-postgres://postgres@localhost:5432}
DB=${BENCH_DB:-cyberbridge_bench}
ADMIN_EMAIL=admin@bench.test
ADMIN_PASSWORD="bench admin password"
RUNS=${BENCH_RUNS:-3}
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-16}

need() { command -v "$1" >/dev/null || { echo "missing $1 (apt-get install $2)"; exit 1; }; }
need wrk wrk
need curl curl
need psql postgresql-client
need jq jq

build() { [ "${BENCH_BUILD:-1}" = 0 ] || (cd "$ROOT" && cargo build --release --quiet); }

# Starts the server on a new, empty database; stops it when the script exits.
start_server() {
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
  DATABASE_URL="$PG/$DB" CYBERBRIDGE_BIND="127.0.0.1:$PORT" CYBERBRIDGE_LOG=warn \
    CYBERBRIDGE_RATE_LIMIT=0 CYBERBRIDGE_MFA_REQUIRED= CYBERBRIDGE_ADMIN_EMAIL=$ADMIN_EMAIL CYBERBRIDGE_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    CYBERBRIDGE_POOL_SIZE=${BENCH_POOL:-8} "$BIN" serve >/tmp/cyberbridge-bench.log 2>&1 &
  SERVER_PID=$!
  trap 'kill $SERVER_PID 2>/dev/null; wait $SERVER_PID 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do curl -sf "$BASE/readyz" >/dev/null && return 0; sleep 0.2; done
  echo "server did not start; see /tmp/cyberbridge-bench.log"; exit 1
}

login() { # email password -> access token
  curl -sf "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"$2\"}" | jq -r .access_token
}

# Creates an organisation of kind $1 named $2 (extra JSON fields in $3) with an org_admin
# admin@<slug>.bench and prints "<org id> <admin token>".
make_org() {
  local admin org slug
  admin=$(login $ADMIN_EMAIL "$ADMIN_PASSWORD")
  org=$(curl -sf "$BASE/api/v1/organizations" -H "authorization: Bearer $admin" -H 'content-type: application/json' \
    -d "{\"name\":\"$2\",\"kind\":\"$1\",\"country\":\"XK\",\"contact\":{\"name\":\"Desk\",\"email\":\"desk@example.org\",\"phone\":\"+38344111222\"}${3:-}}" | jq -r .id)
  slug=$(echo "$2" | tr -dc 'a-z0-9A-Z' | tr 'A-Z' 'a-z')
  curl -sf "$BASE/api/v1/organizations/$org/users" -H "authorization: Bearer $admin" -H 'content-type: application/json' \
    -d "{\"email\":\"admin@$slug.bench\",\"name\":\"Admin\",\"role\":\"org_admin\",\"password\":\"$ADMIN_PASSWORD\"}" >/dev/null
  echo "$org $(login "admin@$slug.bench" "$ADMIN_PASSWORD")"
}

make_key() { # admin token, scopes JSON array -> key
  curl -sf "$BASE/api/v1/api-keys" -H "authorization: Bearer $1" -H 'content-type: application/json' \
    -d "{\"name\":\"bench\",\"scopes\":$2}" | jq -r .key
}

# wrk_median LABEL wrk-args...: runs wrk $RUNS times, prints each run and the median
# requests/s with the p50/p99 latency of the median run.
wrk_median() {
  local label=$1; shift
  local results=()
  for i in $(seq 1 "$RUNS"); do
    local out rps p50 p99
    out=$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency "$@")
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1=="50%" {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    local non2xx p95
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
    p95=$(echo "$out" | awk '$1=="p95" {print $2}')
    echo "  run $i: $rps req/s  p50 $p50  ${p95:+p95 $p95  }p99 $p99 ${non2xx:+ NON-2XX: $non2xx}" >&2
    results+=("$rps $p50 ${p95:+$p95 }$p99")
  done
  local median
  median=$(printf '%s\n' "${results[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
  printf '%-44s %s\n' "$label" "$median"
}
