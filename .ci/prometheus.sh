#!/usr/bin/env bash
# The operator's alerting rules and dashboard: `promtool check rules` and `promtool test rules`
# (each alert fires on its trouble, stays quiet otherwise), the scrape configuration checked,
# and every query of the Grafana dashboard parsed by promtool (as recording rules). That each
# metric they name is one the server exposes is tested in tests/api/operations.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/tools.sh
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
promtool check rules deploy/prometheus/cyberbridge.rules.yml
(cd deploy/prometheus && promtool test rules cyberbridge.rules.test.yml)
cp deploy/prometheus/cyberbridge.rules.yml "$scratch/"
echo "a metrics token" > "$scratch/token"
sed "s|/etc/prometheus/cyberbridge-metrics-token|$scratch/token|" deploy/prometheus/prometheus.yml > "$scratch/prometheus.yml"
promtool check config "$scratch/prometheus.yml"
python3 - "$scratch/dashboard.rules.yml" <<'PY'
import json, sys
dash = json.load(open("deploy/grafana/cyberbridge.json"))
rules = []
for panel in dash["panels"]:
    assert panel["title"] and panel["targets"], panel
    for t in panel["targets"]:
        rules.append({"record": f"dashboard:panel_{panel['id']}_{t['refId']}", "expr": t["expr"]})
open(sys.argv[1], "w").write(json.dumps({"groups": [{"name": "dashboard", "rules": rules}]}))
print(f"{len(dash['panels'])} panels, {len(rules)} queries")
PY
promtool check rules "$scratch/dashboard.rules.yml"
