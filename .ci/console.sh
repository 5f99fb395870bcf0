#!/usr/bin/env bash
# The console in a real browser: Debian's Chromium (installed here when missing; no browser
# download), Playwright for Python and axe-core from npm (pinned, in target/ci), against
# `serve --demo` on a fresh database. Screenshots of every page checked go to target/console/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
ci=$root/target/ci
mkdir -p "$ci"

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing Debian's chromium"
  apt-get install -y -q chromium >/dev/null || (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)
fi
if [ ! -x "$ci/venv-console/bin/python" ] || ! "$ci/venv-console/bin/python" -c 'import playwright' 2>/dev/null; then
  python3 -m venv "$ci/venv-console"
  "$ci/venv-console/bin/pip" install --quiet --disable-pip-version-check playwright==1.65.3
fi
if [ ! -f "$ci/node-console/node_modules/axe-core/axe.min.js" ]; then
  mkdir -p "$ci/node-console"
  (cd "$ci/node-console" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund axe-core@4.14.1)
fi

cargo build --quiet
db="cb_ci_console_$$"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  psql -q -h localhost -U postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
rm -rf "$ci/data-console" "$root/target/console"
DATABASE_URL=postgres://postgres@localhost:5432/$db CYBERBRIDGE_BIND=127.0.0.1:$port CYBERBRIDGE_LOG=warn \
  CYBERBRIDGE_DATA_DIR="$ci/data-console" CYBERBRIDGE_RATE_LIMIT=0 \
  target/debug/cyberbridge serve --demo > "$ci/server-console.log" 2>&1 &
server_pid=$!
for _ in $(seq 120); do
  curl -sf "$url/readyz" >/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$ci/server-console.log" >&2; exit 1; }
  sleep 0.5
done
CYBERBRIDGE_URL=$url AXE_JS="$ci/node-console/node_modules/axe-core/axe.min.js" SCREENSHOTS="$root/target/console" \
  CHROMIUM="$(command -v chromium)" "$ci/venv-console/bin/python" tests/console/test_console.py
