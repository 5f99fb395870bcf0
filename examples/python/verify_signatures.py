"""What an ISP's or a bank's legal desk does to check that an order came through cyberbridge
unaltered, under which validation, and what was answered: verify the platform's detached JWS
on each signed document of its requests with a standard JOSE library (jwcrypto), against the
published keys (JWKS), and show that a changed byte fails.

Usage (see README, "Signed orders and receipts"):
    pip install jwcrypto
    CYBERBRIDGE_URL=http://127.0.0.1:8080 CYBERBRIDGE_TOKEN=<an access token> \
    python examples/python/verify_signatures.py
"""

import json
import os
import sys
import urllib.request

from jwcrypto import jwk, jws


def get(url, token=None):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request) as answer:
        return answer.read()


def main():
    host = os.environ.get("CYBERBRIDGE_URL", "http://127.0.0.1:8080")
    token = os.environ["CYBERBRIDGE_TOKEN"]
    # The keys: fetched once, kept; a signature is checked offline against them, years later.
    keys = jwk.JWKSet.from_json(get(f"{host}/api/v1/signing-keys"))
    requests = json.loads(get(f"{host}/api/v1/requests?box=received&limit=100", token))["items"]
    verified = 0
    for request in requests:
        documents = json.loads(get(f"{host}/api/v1/requests/{request['id']}/signed-documents", token))["items"]
        for document in documents:
            signature = jws.JWS()
            signature.deserialize(document["jws"])
            key = keys.get_key(document["kid"])
            signature.verify(key, detached_payload=document["payload"])  # raises if it does not verify
            signed = json.loads(document["payload"])
            print(f"{request['reference']}: {document['kind']} ({signed['type']}) verified with key {document['kid'][:12]}...")
            tampered = document["payload"].replace(request["reference"], request["reference"] + "X")
            try:
                check = jws.JWS()
                check.deserialize(document["jws"])
                check.verify(key, detached_payload=tampered)
            except jws.InvalidJWSSignature:
                pass
            else:
                sys.exit(f"a changed document verified: {document['id']}")
            verified += 1
    if verified == 0:
        sys.exit("no signed documents found")
    print(f"{verified} signed documents verified; a changed byte fails each")


if __name__ == "__main__":
    main()
