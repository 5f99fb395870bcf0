#!/usr/bin/env bash
# Debian's packages the tests and drills use, installed when missing: SoftHSM2 (the PKCS#11
# token the key tests sign with), pgBackRest (the restore drill), promtool (the alerting rules'
# checks and unit tests; Debian ships it in the prometheus package), libsodium (the Python
# private screening client's ristretto255).
set -euo pipefail
missing=()
[ -f /usr/lib/softhsm/libsofthsm2.so ] || missing+=(softhsm2)
command -v pgbackrest >/dev/null 2>&1 || missing+=(pgbackrest)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
# libsodium, under the Python private screening client (pysodium).
ldconfig -p 2>/dev/null | grep -q 'libsodium.so' || missing+=(libsodium23)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian's ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${missing[@]}" >/dev/null || (apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null)
fi
