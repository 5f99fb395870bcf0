"""A bank's private screening client, written from RFC 9497 alone (no cyberbridge code): it
learns whether IBANs or phone numbers are known to the platform without telling the platform
which values it asked about.

1. Checks the OPRF key: signed by the platform (Ed25519, checked against the JWKS) and listed
   in the JWKS.
2. Syncs its tag set (16 bytes per value its audited look-up would find), then a delta.
3. Blinds each value (VOPRF, ristretto255-SHA512), has the platform evaluate the blinded
   elements, verifies the batched DLEQ proof, unblinds, finalizes, and compares the first 16
   bytes with its set. A hit is then read through the normal, audited look-up.

libsodium's ristretto255 through pysodium does the group arithmetic; the RFC's own test vectors
are checked first, so a wrong step fails before any value is screened.

Usage (docs/private-screening.md):
    pip install pysodium          # and libsodium (Debian: libsodium23)
    CYBERBRIDGE_URL=http://127.0.0.1:8080 CYBERBRIDGE_API_KEY=cbk_... \
    python examples/python/private_screening.py iban:XK051212012345678906 phone:+38344123456
With no values: the demo's GREEN mule account and a random valid IBAN, which must be a hit and
a miss (the CI runs it so against `serve --demo`).
"""

import base64
import hashlib
import json
import os
import random
import sys
import urllib.request

import pysodium as na

SUITE = "ristretto255-SHA512"
CONTEXT = b"OPRFV1-" + bytes([1]) + b"-" + SUITE.encode()  # mode 0x01: VOPRF


def i2osp(n, length):
    return n.to_bytes(length, "big")


def with_length(b):
    return i2osp(len(b), 2) + b


def expand_message_xmd(msg, dst, length):
    """RFC 9380, 5.3.1, with SHA-512 (64-byte output, 128-byte blocks)."""
    ell = -(-length // 64)
    dst_prime = dst + i2osp(len(dst), 1)
    b0 = hashlib.sha512(bytes(128) + msg + i2osp(length, 2) + b"\x00" + dst_prime).digest()
    out, prev = b"", bytes(64)
    for i in range(1, ell + 1):
        prev = hashlib.sha512(bytes(x ^ y for x, y in zip(b0, prev)) + i2osp(i, 1) + dst_prime).digest()
        out += prev
    return out[:length]


def hash_to_group(msg):
    return na.crypto_core_ristretto255_from_hash(expand_message_xmd(msg, b"HashToGroup-" + CONTEXT, 64))


def hash_to_scalar(msg):
    return na.crypto_core_ristretto255_scalar_reduce(expand_message_xmd(msg, b"HashToScalar-" + CONTEXT, 64))


def mul(scalar, point):
    return na.crypto_scalarmult_ristretto255(scalar, point)


def blind(value, r=None):
    """RFC 9497 Blind: (r, r * HashToGroup(input))."""
    r = r or na.crypto_core_ristretto255_scalar_random()
    return r, mul(r, hash_to_group(value))


def finalize(value, r, evaluated):
    """RFC 9497 Finalize: SHA-512 over the input and the unblinded element."""
    unblinded = mul(na.crypto_core_ristretto255_scalar_invert(r), evaluated)
    return hashlib.sha512(with_length(value) + with_length(unblinded) + b"Finalize").digest()


def verify_proof(pk, blinded, evaluated, proof):
    """RFC 9497 VerifyProof with ComputeComposites (2.2.1, 2.2.2): one proof for the batch."""
    seed = hashlib.sha512(with_length(pk) + with_length(b"Seed-" + CONTEXT)).digest()
    m = z = None
    for i, (c_i, d_i) in enumerate(zip(blinded, evaluated)):
        d = hash_to_scalar(with_length(seed) + i2osp(i, 2) + with_length(c_i) + with_length(d_i) + b"Composite")
        m = mul(d, c_i) if m is None else na.crypto_core_ristretto255_add(m, mul(d, c_i))
        z = mul(d, d_i) if z is None else na.crypto_core_ristretto255_add(z, mul(d, d_i))
    c, s = proof[:32], proof[32:]
    t2 = na.crypto_core_ristretto255_add(na.crypto_scalarmult_ristretto255_base(s), mul(c, pk))
    t3 = na.crypto_core_ristretto255_add(mul(s, m), mul(c, z))
    challenge = b"".join(with_length(x) for x in (pk, m, z, t2, t3)) + b"Challenge"
    return hash_to_scalar(challenge) == c


def check_rfc_vectors():
    """RFC 9497, A.1.2, test vectors 1 and 3: blind, proof and output, exactly."""
    h = bytes.fromhex
    pk = h("c803e2cc6b05fc15064549b5920659ca4a77b2cca6f04f6b357009335476ad4e")
    blind1 = h("64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706")
    blind2 = h("222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0e")
    inputs = [h("00"), h("5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a")]
    blinded = [blind(inputs[0], blind1)[1], blind(inputs[1], blind2)[1]]
    assert blinded[0] == h("863f330cc1a1259ed5a5998a23acfd37fb4351a793a5b3c090b642ddc439b945")
    assert blinded[1] == h("90a0145ea9da29254c3a56be4fe185465ebb3bf2a1801f7124bbbadac751e654")
    evaluated = [
        h("aa8fa048764d5623868679402ff6108d2521884fa138cd7f9c7669a9a014267e"),
        h("cc5ac221950a49ceaa73c8db41b82c20372a4c8d63e5dded2db920b7eee36a2a"),
    ]
    proof = h(
        "cc203910175d786927eeb44ea847328047892ddf8590e723c37205cb74600b0a"
        "5ab5337c8eb4ceae0494c2cf89529dcf94572ed267473d567aeed6ab873dee08"
    )
    assert verify_proof(pk, blinded, evaluated, proof), "RFC 9497 vector 3: the proof"
    assert not verify_proof(pk, blinded, evaluated[::-1], proof), "a proof binds the order"
    one = h(
        "ddef93772692e535d1a53903db24367355cc2cc78de93b3be5a8ffcc6985dd06"
        "6d4346421d17bf5117a2a1ff0fcb2a759f58a539dfbe857a40bce4cf49ec600d"
    )
    assert verify_proof(pk, blinded[:1], evaluated[:1], one), "RFC 9497 vector 1: the proof"
    assert finalize(inputs[0], blind1, evaluated[0]) == h(
        "b58cfbe118e0cb94d79b5fd6a6dafb98764dff49c14e1770b566e42402da1a7d"
        "a4d8527693914139caee5bd03903af43a491351d23b430948dd50cde10d32b3c"
    )


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Platform:
    def __init__(self, host, key):
        self.base = host.rstrip("/") + "/api/v1"
        self.auth = {"Authorization": f"ApiKey {key}"}

    def call(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        headers = dict(self.auth, **({"Content-Type": "application/json"} if data else {}))
        request = urllib.request.Request(self.base + path, data=data, headers=headers)
        with urllib.request.urlopen(request) as answer:
            return json.load(answer)


def checked_key(platform):
    """The OPRF key, signed by the platform's document key and published in its JWKS."""
    config = platform.call("/screening/private/config")
    assert config["suite"] == SUITE and config["tag_bytes"] == 16, config
    jwks = platform.call("/signing-keys")["keys"]
    # The signature: a detached JWS (EdDSA) over the RFC 8785 JSON of three strings.
    signed = {k: config[k] for k in ("key_id", "public_key", "suite")}
    payload = json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    header_b64, empty, signature_b64 = config["key_signature"].split(".")
    assert empty == "", "a detached JWS"
    header = json.loads(b64url_decode(header_b64))
    assert header["alg"] == "EdDSA"
    signer = next(k for k in jwks if k["kid"] == header["kid"] and k.get("use") == "sig")
    signing_input = header_b64.encode() + b"." + base64.urlsafe_b64encode(payload).rstrip(b"=")
    na.crypto_sign_verify_detached(b64url_decode(signature_b64), signing_input, b64url_decode(signer["x"]))
    public_key = base64.b64decode(config["public_key"])
    published = next(k for k in jwks if k["kid"] == config["key_id"] and k.get("use") == "oprf")
    assert b64url_decode(published["x"]) == public_key, "the JWKS lists the same OPRF key"
    return config, public_key


def sync(platform, key_id, held=None, since=0):
    """The whole set (since=0), or what changed since a version applied to what is held."""
    answer = platform.call(f"/screening/private/tags?since={since}&key_id={key_id}")

    def split(b64):
        raw = base64.b64decode(b64)
        return {raw[i : i + 16] for i in range(0, len(raw), 16)}

    tags = split(answer["added"]) if answer["full"] else (held | split(answer["added"])) - split(answer["removed"])
    assert len(tags) == answer["size"], (len(tags), answer["size"])
    return tags, answer["version"]


def screen(platform, config, public_key, tags, values):
    """Hit or miss for each (type, canonical value); the platform sees only blinded elements."""
    hits = []
    for start in range(0, len(values), config["max_batch"]):
        batch = values[start : start + config["max_batch"]]
        inputs = [kind.encode() + b"\x00" + value.encode() for kind, value in batch]
        blinds = [blind(i) for i in inputs]
        answer = platform.call(
            "/screening/private/evaluate",
            {"key_id": config["key_id"], "blinded": [base64.b64encode(b).decode() for _, b in blinds]},
        )
        evaluated = [base64.b64decode(e) for e in answer["evaluated"]]
        proof = base64.b64decode(answer["proof"])
        if not verify_proof(public_key, [b for _, b in blinds], evaluated, proof):
            raise SystemExit("the platform's proof does not verify: not evaluated with the published key")
        for value, (r, _), e in zip(inputs, blinds, evaluated):
            hits.append(finalize(value, r, e)[:16] in tags)
    return hits


def iban(country, bank, n):
    """A valid IBAN (the demo's shape: 16 digits after the check digits)."""
    bban = f"{bank}{n:0{16 - len(bank)}d}"
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def main():
    check_rfc_vectors()
    platform = Platform(os.environ.get("CYBERBRIDGE_URL", "http://127.0.0.1:8080"), os.environ["CYBERBRIDGE_API_KEY"])
    config, public_key = checked_key(platform)
    tags, version = sync(platform, config["key_id"])
    tags, version = sync(platform, config["key_id"], tags, version)  # a delta: nothing changed
    args = [a.split(":", 1) for a in sys.argv[1:]]
    demo = not args
    if demo:
        # Demo Bank A's GREEN report names this mule account; the other is a random valid IBAN.
        args = [("iban", iban("XK", "15", 1001)), ("iban", iban("XK", "15", random.randrange(10**9, 10**10)))]
    hits = screen(platform, config, public_key, tags, [tuple(a) for a in args])
    for (kind, value), hit in zip(args, hits):
        print(f"{kind} {value}: {'HIT: read it through the audited look-up' if hit else 'not known'}")
    print(f"{len(tags)} tags under key {config['key_id']} at version {version}; the proof verified")
    if demo and hits != [True, False]:
        raise SystemExit(f"expected the demo mule account found and the random IBAN missed, got {hits}")


if __name__ == "__main__":
    main()
