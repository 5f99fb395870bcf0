#!/usr/bin/env bash
# The README's Quick start, as a newcomer pastes it: `serve --demo` started as the README says,
# with no setting of its own (the database found on localhost:5432, the default address), then
# every following `sh` block of the Quick start in one shell, in order. A call answering an
# HTTP error fails the run (curl --fail-with-body), printing what it said.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
work=$(mktemp -d)
target/debug/cyberbridge serve --demo > "$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 120); do curl -sf http://127.0.0.1:8080/readyz >/dev/null && break; sleep 1; done
curl -sf http://127.0.0.1:8080/readyz >/dev/null || { cat "$work/server.log" >&2; exit 1; }
grep -q "cbk_demo-bank-a-key-for-this-machine-only" "$work/server.log" || { echo "the demo printed no key" >&2; exit 1; }
python3 - "$work/quickstart.sh" <<'PY'
import re, sys
readme = open("README.md").read()
start = readme.index("## Quick start")
end = readme.find("\n## ", start + 3)
section = readme[start:end if end > 0 else len(readme)]
blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
assert "serve --demo" in blocks[0], "the Quick start begins by starting the demo"
open(sys.argv[1], "w").write("\n".join(blocks[1:]))
PY
(cd "$work" && bash -c 'set -euo pipefail; curl() { command curl --fail-with-body "$@"; }; source ./quickstart.sh') \
  > "$work/out.log" 2>&1 || { cat "$work/out.log" >&2; echo "the Quick start failed" >&2; exit 1; }
cat "$work/out.log"
echo "quick start ran as pasted"
