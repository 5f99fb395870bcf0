"""A TAXII 2.1 client (the OASIS taxii2-client, as MISP and OpenCTI connectors use) against the
platform: discovery, a full paged pull of every collection it may read, and an add to the
submit collection, then the REST look-up of what was added.

Needs CYBERBRIDGE_URL and CYBERBRIDGE_API_KEY (a key with reports:read, reports:write and
indicators:lookup,
given as the HTTP Basic password, the way TAXII clients authenticate).
"""

import json
import os
import sys
import urllib.request
import uuid

from taxii2client.v21 import Server, as_pages

url = os.environ["CYBERBRIDGE_URL"].rstrip("/")
key = os.environ["CYBERBRIDGE_API_KEY"]

server = Server(f"{url}/taxii2/", user="taxii-client", password=key)
print("discovery:", server.title, "-", [r.url for r in server.api_roots])
root = server.api_roots[0]
collections = {c.title: c for c in root.collections}
print("collections:", sorted(collections))

for title in ("Reports visible to you", "Indicators visible to you"):
    c = collections[title]
    seen = []
    pages = 0
    for envelope in as_pages(c.get_objects, per_request=2):
        pages += 1
        seen.extend(o["id"] for o in envelope.get("objects", []))
    if len(seen) != len(set(seen)):
        sys.exit(f"{title}: an object came twice in a paged pull")
    everything = c.get_objects(limit=10000).get("objects", [])
    if len(everything) != len(seen):
        sys.exit(f"{title}: {len(seen)} objects paged, {len(everything)} in one page")
    print(f"{title}: {len(seen)} objects in {pages} pages of 2, each once")

submit = collections["Submit"]
address = f"203.0.113.{uuid.uuid4().int % 200 + 20}"
indicator = {
    "type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
    "created": "2026-11-29T10:00:00.000Z", "modified": "2026-11-29T10:00:00.000Z",
    "pattern_type": "stix", "pattern": f"[ipv4-addr:value = '{address}']", "valid_from": "2026-11-29T10:00:00Z",
    "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],
}
status = submit.add_objects(json.dumps({"objects": [indicator]}), wait_for_completion=False)
if status.status != "complete" or status.success_count != 1:
    sys.exit(f"add: {status.status}, {status.success_count} successes, failures {status.failures}")
req = urllib.request.Request(
    f"{url}/api/v1/indicators/lookup?type=ipv4&value={address}", headers={"Authorization": f"ApiKey {key}"}
)
with urllib.request.urlopen(req) as res:
    answer = json.load(res)
if not answer["seen"]:
    sys.exit(f"the added indicator is not found by the REST look-up: {answer}")
print(f"added {address} over TAXII: status {status.status}, found by the REST look-up")
