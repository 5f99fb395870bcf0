#!/usr/bin/env bash
# TAXII 2.1 pull: every object of the indicators collection of a reader, 10^5 indicators (10 per
# report, TLP GREEN), page by page, 1,000 per page: objects/s and the time of the last page
# against the first (keyset paging: equal). For reference, medallion (the OASIS reference TAXII
# server, memory backend, from PyPI) on this machine, in the same run, with 10^4 indicators: at
# 10^5 its first page did not answer within 10 minutes (its memory backend walks the whole data
# on every request).
#   BENCH_TAXII_INDICATORS (100000), BENCH_MEDALLION_INDICATORS (10000), BENCH_RUNS (3);
#   needs python3 (medallion goes into a venv).
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
N=${BENCH_TAXII_INDICATORS:-100000}
PAGE=1000
build
start_server
read -r BANK _ <<<"$(make_org bank 'Bank A')"
read -r _ READER <<<"$(make_org bank 'Bank B')"
KEY=$(make_key "$READER" '["reports:read"]')
psql "$PG/$DB" -q -v org="$BANK" -v r_from=1 -v r_to=$((N / 10)) -v i_from=1 -v i_to="$N" -f "$HERE/seed.sql" >/dev/null
psql "$PG/$DB" -qc "UPDATE reports SET tlp = 'green'; ANALYZE" >/dev/null
COLLECTION="$BASE/taxii2/api/collections/5c1b8e2a-7d4f-4e0b-9a61-3c2f1e0d9b02/"

summarise() { # label, lines of "objects seconds first_ms last_ms pages"
  local label=$1; shift
  local median
  median=$(printf '%s\n' "$@" | sort -k2 -n | sed -n "$(( (RUNS + 1) / 2 ))p")
  read -r objects secs first last pages <<<"$median"
  printf '%-34s %8.0f objects/s  (%s objects, %s pages, %.1f s)  first page %s ms, last page %s ms\n' \
    "$label" "$(echo "$objects / $secs" | bc -l)" "$objects" "$pages" "$secs" "$first" "$last"
}

echo "cyberbridge: $N indicators, pages of $PAGE"
runs=()
for i in $(seq 1 "$RUNS"); do
  line=$(python3 "$HERE/taxii_pull.py" "$COLLECTION" bench "$KEY" "$PAGE")
  echo "  run $i: $line" >&2
  runs+=("$line")
done
summarise "cyberbridge /taxii2/" "${runs[@]}"

# medallion with the same number of indicator objects.
venv=${BENCH_VENV:-/tmp/cyberbridge-bench-venv}
[ -x "$venv/bin/medallion" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q medallion==3.0.0; }
data=$(mktemp -d)
"$venv/bin/python" - "${BENCH_MEDALLION_INDICATORS:-10000}" "$data" <<'PY'
import json, sys, uuid
n, out = int(sys.argv[1]), sys.argv[2]
col = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
objects, manifest = [], []
for i in range(n):
    oid = f"indicator--{uuid.uuid5(uuid.NAMESPACE_URL, str(i))}"
    t = f"2026-11-29T00:{i // 60000 % 60:02d}:{i // 1000 % 60:02d}.{i % 1000:03d}Z"
    objects.append({"type": "indicator", "spec_version": "2.1", "id": oid, "created": t, "modified": t,
                    "pattern_type": "stix", "pattern": f"[ipv4-addr:value = '10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}']",
                    "valid_from": t})
    manifest.append({"id": oid, "date_added": t, "version": t, "media_type": "application/stix+json;version=2.1"})
data = {"/discovery": {"title": "bench", "default": "http://127.0.0.1/api1/", "api_roots": ["http://127.0.0.1/api1/"]},
        "api1": {"information": {"title": "bench", "versions": ["application/taxii+json;version=2.1"], "max_content_length": 100000000},
                 "status": [], "collections": [{"id": col, "title": "bench", "can_read": True, "can_write": False,
                 "media_types": ["application/stix+json;version=2.1"], "objects": objects, "manifest": manifest}]}}
json.dump(data, open(f"{out}/data.json", "w"))
json.dump({"backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend", "filename": f"{out}/data.json"},
           "users": {"bench": "bench"}, "taxii": {"max_page_size": 1000}}, open(f"{out}/config.json", "w"))
PY
MPORT=$((PORT + 1))
"$venv/bin/medallion" --port "$MPORT" "$data/config.json" >/tmp/medallion-bench.log 2>&1 &
MPID=$!
trap 'kill $MPID $SERVER_PID 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 300); do curl -sf -u bench:bench -H 'Accept: application/taxii+json;version=2.1' "http://127.0.0.1:$MPORT/taxii2/" >/dev/null && break; sleep 0.5; done
echo "medallion: ${BENCH_MEDALLION_INDICATORS:-10000} indicators, pages of $PAGE"
runs=()
for i in $(seq 1 "$RUNS"); do
  line=$(python3 "$HERE/taxii_pull.py" "http://127.0.0.1:$MPORT/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/" bench bench "$PAGE")
  echo "  run $i: $line" >&2
  runs+=("$line")
done
summarise "medallion 3.0.0 (memory backend)" "${runs[@]}"
