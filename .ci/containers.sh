#!/usr/bin/env bash
# The containers, checked without a Docker engine:
#   1. docker-compose.yml is valid (Debian's docker-compose validates it offline), and refuses to
#      start without the first admin's password;
#   2. the image's build stage copies every folder the compiler reads;
#   3. the image's first start, as its layout has it: the release binary run as an unprivileged
#      user (uid 10001) from its own mode-700 data folder, a one-shot `migrate` holding the
#      owner's credentials, then `serve` with the API's role only. Once with the admin password
#      given (as compose requires), once without it (a generated password written to the data
#      folder, never to the log).
# Needs the PostgreSQL on localhost:5432 that .ci/run starts.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { echo; echo "--- $*"; }

step "1. docker-compose.yml"
command -v docker-compose >/dev/null || apt-get install -y -q docker-compose >/dev/null \
  || (apt-get update -q >/dev/null && apt-get install -y -q docker-compose >/dev/null)
CYBERBRIDGE_ADMIN_PASSWORD=ci-admin-password-2026 docker-compose -f docker-compose.yml config -q
echo "valid"
if env -u CYBERBRIDGE_ADMIN_PASSWORD docker-compose -f docker-compose.yml config -q 2>/dev/null; then
  echo "docker-compose.yml starts without CYBERBRIDGE_ADMIN_PASSWORD" >&2
  exit 1
fi
echo "refuses to start without CYBERBRIDGE_ADMIN_PASSWORD"

step "2. the image's build stage copies everything the build reads"
# No engine builds the image here: every folder the compiler reads (the sources, the
# migrations, the askama templates, what include_str!/include_bytes! name) must be copied.
python3 - <<'EOF'
import pathlib, re, sys
copied = set()
for line in open("Dockerfile"):
    line = line.strip()
    if line.startswith("COPY ") and "--from" not in line:
        copied.update(line.split()[1:-1])
read = {"Cargo.toml", "Cargo.lock", "src", "migrations", "templates"}
root = pathlib.Path.cwd().resolve()
for f in pathlib.Path("src").rglob("*.rs"):
    for target in re.findall(r'include_(?:str|bytes)!\("([^"]+)"\)', f.read_text()):
        read.add((f.parent / target).resolve().relative_to(root).parts[0])
missing = sorted(read - copied)
if missing:
    sys.exit(f"the Dockerfile's build stage does not copy {missing}")
print("the build stage copies " + ", ".join(sorted(read)))
EOF

step "3. the image's first start, as uid 10001"
cargo build --release --locked --quiet
id -u cyberbridge >/dev/null 2>&1 || useradd --system --uid 10001 --home-dir /nonexistent cyberbridge
home=$(mktemp -d /tmp/cyberbridge-image.XXXXXX)
chmod 755 "$home"
install -m 755 target/release/cyberbridge "$home/cyberbridge"
pid=""
# runuser stays the parent of the server: stop the server itself.
stop() { pkill -f "$home/cyberbridge" 2>/dev/null || true; [ -z "$pid" ] || wait "$pid" 2>/dev/null || true; pid=""; }
cleanup() {
  stop
  for db in cb_image_given cb_image_generated; do
    psql -q -h localhost -U postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
  rm -rf "$home"
}
trap cleanup EXIT
psql -q -h localhost -U postgres -v api_password=ci-api -f deploy/roles.sql >/dev/null
# as_image DATA_DIR CMD ENV...: the binary as the image runs it (its user, its WORKDIR, no other environment).
as_image() {
  local data=$1 cmd=$2; shift 2
  (cd "$data" && runuser -u cyberbridge -- env -i PATH=/usr/bin:/bin HOME="$data" CYBERBRIDGE_DATA_DIR="$data" \
    CYBERBRIDGE_LOG_FORMAT=json "$@" "$home/cyberbridge" "$cmd")
}
first_start() {
  local db=$1 password=$2
  local data="$home/data-$db"
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  install -d -m 700 -o 10001 -g 10001 "$data"
  local api="postgres://cyberbridge_api:ci-api@localhost:5432/$db"
  local owner="postgres://postgres@localhost:5432/$db"
  local given=()
  [ -n "$password" ] && given=(CYBERBRIDGE_ADMIN_PASSWORD="$password")
  as_image "$data" migrate DATABASE_URL="$api" CYBERBRIDGE_OWNER_DATABASE_URL="$owner" "${given[@]}" > "$data.migrate.log" 2>&1 \
    || { cat "$data.migrate.log" >&2; exit 1; }
  as_image "$data" serve DATABASE_URL="$api" CYBERBRIDGE_BIND="127.0.0.1:$port" > "$data.serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 60); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 1; done
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$data.serve.log" >&2; exit 1; }
  if [ -z "$password" ]; then
    local file
    file=$(find "$data" -name admin-password)
    [ -n "$file" ] || { echo "no generated password file under $data" >&2; exit 1; }
    [ "$(stat -c '%a %u' "$file")" = "600 10001" ] || { echo "the password file is not the user's alone" >&2; exit 1; }
    password=$(cat "$file")
    if grep -q "$password" "$data.migrate.log" "$data.serve.log"; then echo "the password is in the log" >&2; exit 1; fi
  fi
  local status
  status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\": \"admin@cyberbridge.local\", \"password\": \"$password\"}")
  [ "$status" = 200 ] || { echo "the first admin cannot log in ($db): $status" >&2; cat "$data.serve.log" >&2; exit 1; }
  stop
  echo "$db: migrated by the owner, served by the API's role as uid 10001, the admin logs in"
}
first_start cb_image_given ci-admin-password-2026
first_start cb_image_generated ""
echo
echo "container checks passed"
