"""Checks the STIX 2.1 the platform exports, with the OASIS tools a CERT would use.

1. The STIX export of every report the caller may see validates with the OASIS validator
   (stix2-validator): zero errors.
2. Every observable of a type the specification defines has the id the OASIS stix2 library
   computes for it (deterministic ids, STIX 2.1 section 2.9): the same IBAN, address or hash is
   the same object here, in OpenCTI and in MISP.

Needs CYBERBRIDGE_URL and CYBERBRIDGE_TOKEN (a bearer token or `ApiKey ...`).
"""

import json
import os
import sys
import urllib.request

import stix2
from stix2validator import ValidationOptions, validate_string

url = os.environ["CYBERBRIDGE_URL"].rstrip("/")
token = os.environ["CYBERBRIDGE_TOKEN"]
auth = token if token.startswith("ApiKey ") else f"Bearer {token}"
query = os.environ.get("CYBERBRIDGE_QUERY", "")


def get(path):
    req = urllib.request.Request(f"{url}/api/v1{path}", headers={"Authorization": auth})
    with urllib.request.urlopen(req) as res:
        return res.read().decode()


text = get(f"/reports/export.stix{query}")
bundle = json.loads(text)
objects = bundle["objects"]
reports = [o for o in objects if o["type"] == "report"]
if not reports:
    sys.exit("the export holds no report")

results = validate_string(text, ValidationOptions(version="2.1"))
for e in results.errors:
    print("ERROR", e)
for w in results.warnings:
    print("warning", w)
if not results.is_valid or results.errors:
    sys.exit(f"the STIX export does not validate: {len(results.errors)} errors")

standard = {
    "ipv4-addr": lambda o: stix2.IPv4Address(value=o["value"]),
    "ipv6-addr": lambda o: stix2.IPv6Address(value=o["value"]),
    "domain-name": lambda o: stix2.DomainName(value=o["value"]),
    "url": lambda o: stix2.URL(value=o["value"]),
    "email-addr": lambda o: stix2.EmailAddress(value=o["value"]),
    "file": lambda o: stix2.File(hashes=o["hashes"]),
    "user-account": lambda o: stix2.UserAccount(
        **{k: o[k] for k in ("account_login", "account_type", "user_id") if k in o}
    ),
}
checked = 0
for o in objects:
    make = standard.get(o["type"])
    if make is None:
        continue
    expected = make(o).id
    if o["id"] != expected:
        sys.exit(f"{o['type']} {o['id']}: the stix2 library gives {expected}")
    checked += 1
print(
    f"STIX export: {len(reports)} reports, {len(objects)} objects valid (0 errors, "
    f"{len(results.warnings)} warnings); {checked} observable ids equal the stix2 library's"
)
