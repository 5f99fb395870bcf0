"""Pulls every object of one TAXII 2.1 collection page by page and prints
`objects seconds first_page_ms last_page_ms pages` (one line). A fresh connection per page, as
TAXII clients do by default; `next` as the server gives it.

usage: taxii_pull.py URL_OF_COLLECTION USER PASSWORD LIMIT
"""

import base64
import http.client
import json
import sys
import time
import urllib.parse

collection, user, password, limit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
parts = urllib.parse.urlsplit(collection)
auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
headers = {"Accept": "application/taxii+json;version=2.1", "Authorization": auth}

objects = 0
pages = []
nxt = None
start = time.perf_counter()
conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)
while True:
    query = f"limit={limit}" + (f"&next={urllib.parse.quote(nxt)}" if nxt else "")
    t0 = time.perf_counter()
    conn.request("GET", f"{parts.path}objects/?{query}", headers=headers)
    res = conn.getresponse()
    body = res.read()
    if res.status != 200:
        sys.exit(f"HTTP {res.status}: {body[:300]!r}")
    page = json.loads(body)
    pages.append((time.perf_counter() - t0) * 1000)
    got = len(page.get("objects", []))
    if got > limit:
        sys.exit(f"a page of {got} objects for limit {limit}")
    objects += got
    if not page.get("more"):
        break
    nxt = page["next"]
elapsed = time.perf_counter() - start
print(f"{objects} {elapsed:.3f} {pages[0]:.1f} {pages[-1]:.1f} {len(pages)}")
