#!/usr/bin/env bash
# The README's walk-through, runnable: every example of docs/tour.md is a line of this script (a
# test checks it), in an order that works against a fresh server started as the README says
# (second factors required, the admin's generated password). It creates every organisation and
# user it uses and sets every variable; each call says which role makes it.
#
#   CYBERBRIDGE_URL=http://127.0.0.1:8080 ADMIN_PASSWORD="$(cat <data dir>/<database>/admin-password)" \
#   examples/walkthrough.sh
#
# Needs curl, jq, python3 and openssl. A call that fails stops the script, printing the call's
# status and body (except where a refusal is the point, which uses `command curl`).
set -Eeuo pipefail
work=$(mktemp -d)
cd "$work"
mkdir totp
trap '[ "$BASH_SUBSHELL" -gt 0 ] || echo "walkthrough stopped at line $LINENO" >&2' ERR
# In this script an HTTP error fails the call and prints its status and body; a copied line works
# the same without it.
curl() { local out status
  out=$(command curl --no-progress-meter -w '\n%{http_code}' "$@") || { echo "curl could not complete: $*" >&2; return 1; }
  status=${out##*$'\n'}; out=${out%$'\n'*}
  if [ "$status" -ge 400 ]; then
    echo "HTTP $status from $(printf '%s\n' "$@" | grep -m1 '^http')" >&2; echo "$out" >&2; return 22
  fi
  [ -z "$out" ] || printf '%s\n' "$out"; }
etag() { command curl -s -D - -o /dev/null "$@" | awk 'tolower($1) == "etag:" {print $2}' | tr -d '\r'; }
# totp SECRET OFFSET: the code an authenticator app shows OFFSET seconds from now (RFC 6238).
totp() { python3 -c 'import base64,hmac,struct,sys,time; k=base64.b32decode(sys.argv[1]+"="*(-len(sys.argv[1])%8)); h=hmac.new(k,struct.pack(">Q",(int(time.time())+int(sys.argv[2]))//30),"sha1").digest(); o=h[-1]&15; print("%06d"%((struct.unpack(">I",h[o:o+4])[0]&0x7fffffff)%1000000))' "$1" "$2"; }
# code EMAIL: the next unused code of EMAIL's authenticator, whose secret is kept in totp/EMAIL. Each
# 30-second code works once, so a third login within a minute waits for the next one.
code() { local last step; last=$(cat "totp/$1.step" 2>/dev/null || echo 0)
  step=$(( $(date +%s) / 30 )); [ "$step" -gt "$last" ] || step=$(( last + 1 ))
  while [ "$step" -gt $(( $(date +%s) / 30 + 1 )) ]; do sleep 1; done
  echo "$step" > "totp/$1.step"; totp "$(cat "totp/$1")" $(( step * 30 - $(date +%s) )); }
# enrol_factor EMAIL TOKEN: enrols and confirms a second factor, keeping its secret in totp/EMAIL.
enrol_factor() { curl -s -X POST $B/me/second-factor -H "authorization: Bearer $2" | jq -r .secret > "totp/$1"
  curl -s $B/me/second-factor/confirm -H "authorization: Bearer $2" -H 'content-type: application/json' \
    -d "{\"code\": \"$(code "$1")\"}" >/dev/null; }
# login EMAIL PASSWORD: an access token. An account with a second factor takes the second step with
# the next code; an account that must enrol one (org_admins, police, prosecution, ... by default)
# enrols it here.
login() { local answer token
  answer=$(curl -s $B/auth/login -H 'content-type: application/json' -d "{\"email\": \"$1\", \"password\": \"$2\"}")
  if [ "$(echo "$answer" | jq -r .second_factor_required)" = true ]; then
    answer=$(curl -s $B/auth/login/second-factor -H 'content-type: application/json' \
      -d "{\"login_token\": \"$(echo "$answer" | jq -r .login_token)\", \"code\": \"$(code "$1")\"}")
  fi
  token=$(echo "$answer" | jq -r .access_token)
  if [ "$(echo "$answer" | jq -r .second_factor_enrollment_required)" = true ]; then enrol_factor "$1" "$token"; fi
  echo "$token"; }
# enrol TOKEN: the holder of an enrolment link sets their password.
enrol() { curl -s $B/auth/enrolment -H 'content-type: application/json' -d "{\"token\": \"$1\", \"password\": \"$PASSWORD\"}"; }

HOST=${CYBERBRIDGE_URL:-http://127.0.0.1:8080}
ADMIN_EMAIL=${ADMIN_EMAIL:-admin@cyberbridge.local}
B=$HOST/api/v1
PASSWORD="a long passphrase of words"
echo "== System"
curl -i $HOST/readyz      # 200 {"status":"ready"}; 503 problem when the database does not answer within 1 s
curl -s $HOST/metrics | grep -c cyberbridge_http_requests_total >/dev/null  # Prometheus: requests, latency histograms, pool usage, replicas
# with CYBERBRIDGE_METRICS_TOKEN set: curl -s $HOST/metrics -H "authorization: Bearer $METRICS_TOKEN"

echo "== Authentication (platform admin)"
TOKENS=$(curl -s $B/auth/login -H 'content-type: application/json' \
  -d "{\"email\": \"$ADMIN_EMAIL\", \"password\": \"$ADMIN_PASSWORD\"}")
# {"access_token": "eyJ...", "token_type": "Bearer", "expires_in": 900, "refresh_token": "...",
#  "password_change_required": true, "second_factor_enrollment_required": true}
ADMIN=$(echo "$TOKENS" | jq -r .access_token)
curl -s $B/me -H "authorization: Bearer $ADMIN"       # who am I: organisation, role, permissions
# A generated password is changed first (until then every other call answers 403 saying so), then a
# second factor is enrolled (required of platform admins by default): enrol_factor does what an
# authenticator app and its user do, shown call by call for the teller below.
ADMIN_ID=$(curl -s $B/me -H "authorization: Bearer $ADMIN" | jq -r .user_id)
if [ "$(echo "$TOKENS" | jq -r .password_change_required)" = true ]; then
  curl -s $B/users/$ADMIN_ID/password -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' \
    -d "{\"current_password\": \"$ADMIN_PASSWORD\", \"new_password\": \"$PASSWORD\"}"
  ADMIN_PASSWORD=$PASSWORD   # the change ended every session: log in again
  TOKENS=$(curl -s $B/auth/login -H 'content-type: application/json' \
    -d "{\"email\": \"$ADMIN_EMAIL\", \"password\": \"$ADMIN_PASSWORD\"}")
  ADMIN=$(echo "$TOKENS" | jq -r .access_token)
fi
enrol_factor "$ADMIN_EMAIL" "$ADMIN"
TOKENS=$(curl -s $B/auth/refresh -H 'content-type: application/json' -d "{\"refresh_token\": \"$(echo "$TOKENS" | jq -r .refresh_token)\"}")
ADMIN=$(echo "$TOKENS" | jq -r .access_token)

echo "== Organisations (platform admin)"
BANK_A=$(curl -s $B/organizations -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' -d '{
  "name": "Bank A", "kind": "bank", "country": "XK",
  "contact": {"name": "Fraud desk", "email": "fraud@bank-a.example", "phone": "+38344123456"},
  "bank_identifiers": [{"bic": "BANKXKPR", "country": "XK", "bank_code": "12"}],
  "first_admin": {"email": "ana@bank-a.example", "name": "Ana"}, "document_reference": "Bank A letter 2026/114"}')
# 201 {"id": "...", "name": "Bank A", ..., "first_admin": {"id": "...", "email": "ana@bank-a.example", "role": "org_admin", ...,
#   "enrolment": {"token": "...", "expires_at": "<in 72 hours>"}}}   shown once: hand the token to Ana
BANK_A_ORG=$(echo "$BANK_A" | jq -r .id)
# Ana sets her own password with it (nobody else ever knows it); the link is spent.
curl -s $B/auth/enrolment -H 'content-type: application/json' \
  -d "{\"token\": \"$(echo "$BANK_A" | jq -r .first_admin.enrolment.token)\", \"password\": \"$PASSWORD\"}"
# 200 {"user_id": "...", "email": "ana@bank-a.example", "organization_id": "...", "second_factor_enrollment_required": false}
# org NAME KIND DOMAIN FIRST_ADMIN [BANK_IDENTIFIERS]: the same for each organisation; prints its id.
org() { local made; made=$(curl -s $B/organizations -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' -d "{
  \"name\": \"$1\", \"kind\": \"$2\", \"country\": \"${6:-XK}\",
  \"contact\": {\"name\": \"Duty desk\", \"email\": \"desk@$3\", \"phone\": \"+38344100200\"}, \"bank_identifiers\": ${5:-[]},
  \"first_admin\": {\"email\": \"$4\", \"name\": \"Org admin\"}, \"document_reference\": \"Letter of $1\"}")
  enrol "$(echo "$made" | jq -r .first_admin.enrolment.token)" >/dev/null; echo "$made" | jq -r .id; }
BANK_B_ORG=$(org "Bank B" bank bank-b.example admin@bank-b.example '[{"bic": "BNKBXKPR", "country": "XK", "bank_code": "15"}]')
BANK_C_ORG=$(org "Bank C" bank bank-c.example admin@bank-c.example '[{"bic": "COBADEFF", "country": "DE", "bank_code": "37040044"}]' DE)
POLICE_ORG=$(org "Cybercrime Unit" law_enforcement police.example officer@police.example)
PROSECUTION_ORG=$(org "Basic Prosecution Office" prosecution prosecution.example prosecutor@prosecution.example)
ISP=$(org "ISP One" isp isp.example legal@isp.example)
REGULATOR_ORG=$(org "Central Bank Supervision" regulator regulator.example supervisor@regulator.example)
curl -s "$B/organizations?kind=bank" -H "authorization: Bearer $ADMIN"

echo "== Users (org_admins)"
BANK_A=$(login ana@bank-a.example "$PASSWORD")
BANK_B=$(login admin@bank-b.example "$PASSWORD")
BANK_C=$(login admin@bank-c.example "$PASSWORD")
POLICE=$(login officer@police.example "$PASSWORD")
PROSECUTOR=$(login prosecutor@prosecution.example "$PASSWORD")
ISP_ADMIN=$(login legal@isp.example "$PASSWORD")
REGULATOR=$(login supervisor@regulator.example "$PASSWORD")
# Bank A's org_admin adds a member (no password: the answer holds its enrolment link, shown once).
TELLER_ACCOUNT=$(curl -s $B/organizations/$BANK_A_ORG/users -H "authorization: Bearer $BANK_A" -H 'content-type: application/json' \
  -d '{"email": "teller@bank-a.example", "name": "Teller", "role": "member"}')
# 201 {"id": "...", "email": "teller@bank-a.example", "role": "member", ..., "enrolment": {"token": "...", "expires_at": "..."}}
USER=$(echo "$TELLER_ACCOUNT" | jq -r .id)
enrol "$(echo "$TELLER_ACCOUNT" | jq -r .enrolment.token)"   # the teller sets their password
curl -s $B/organizations/$BANK_A_ORG/users -H "authorization: Bearer $BANK_A"
TELLER=$(login teller@bank-a.example "$PASSWORD")
curl -s $B/users/$USER/password -H "authorization: Bearer $TELLER" -H 'content-type: application/json' \
  -d "{\"current_password\": \"$PASSWORD\", \"new_password\": \"a new passphrase of words\"}"
# A forgotten password: the org_admin sends a new link (the old password stops at once, sessions end).
RESET=$(curl -s -X POST $B/users/$USER/enrolment -H "authorization: Bearer $BANK_A" | jq -r .token)
curl -s $B/auth/enrolment -H 'content-type: application/json' -d "{\"token\": \"$RESET\", \"password\": \"a new passphrase of words\"}"
# Accredited officers: another org_admin of the officer's organisation, who has a second factor,
# records each officer's identity and what they may do (nobody accredits themselves; an organisation
# with one org_admin accredits no one); only they issue and validate data requests, and the
# addressee sees who did. deputy ORG ORG_ADMIN EMAIL: a second org_admin with a second factor.
deputy() { enrol "$(curl -s $B/organizations/$1/users -H "authorization: Bearer $2" -H 'content-type: application/json' \
  -d "{\"email\": \"$3\", \"name\": \"Deputy\", \"role\": \"org_admin\"}" | jq -r .enrolment.token)" >/dev/null
  login "$3" "$PASSWORD"; }
CHIEF=$(deputy $POLICE_ORG "$POLICE" chief@police.example)
POLICE_ID=$(curl -s $B/me -H "authorization: Bearer $POLICE" | jq -r .user_id)
curl -s -X PATCH $B/users/$POLICE_ID -H "authorization: Bearer $CHIEF" -H "If-Match: $(etag $B/users/$POLICE_ID -H "authorization: Bearer $CHIEF")" \
  -H 'content-type: application/json' -d '{"officer": {"function": "Detective inspector, cybercrime unit", "registration_number": "KP-4471"}, "authorisations": ["issue_data_requests"]}'
CHIEF_PROSECUTOR=$(deputy $PROSECUTION_ORG "$PROSECUTOR" chief@prosecution.example)
PROSECUTOR_ID=$(curl -s $B/me -H "authorization: Bearer $PROSECUTOR" | jq -r .user_id)
curl -s -X PATCH $B/users/$PROSECUTOR_ID -H "authorization: Bearer $CHIEF_PROSECUTOR" -H "If-Match: $(etag $B/users/$PROSECUTOR_ID -H "authorization: Bearer $CHIEF_PROSECUTOR")" \
  -H 'content-type: application/json' -d '{"officer": {"function": "Public prosecutor", "registration_number": "PP-0193"}, "authorisations": ["validate_data_requests"]}'
# Second factor (TOTP, RFC 6238): enrol, confirm with a first code, and from then on a login takes two
# steps. `totp SECRET OFFSET` stands in for the authenticator app (a few lines of Python).
TELLER=$(login teller@bank-a.example "a new passphrase of words")
SECRET=$(curl -s -X POST $B/me/second-factor -H "authorization: Bearer $TELLER" | jq -r .secret)
# 201 {"secret": "JBSW...", "otpauth_uri": "otpauth://totp/cyberbridge:teller%40bank-a.example?secret=...", "digits": 6, "period": 30}
curl -s $B/me/second-factor/confirm -H "authorization: Bearer $TELLER" -H 'content-type: application/json' -d "{\"code\": \"$(totp "$SECRET" -30)\"}"
# 200 {"recovery_codes": ["k3x9p-a7mq2", ...]}   shown once; each works once in place of a code
LOGIN_TOKEN=$(curl -s $B/auth/login -H 'content-type: application/json' \
  -d '{"email": "teller@bank-a.example", "password": "a new passphrase of words"}' | jq -r .login_token)
# 202 {"second_factor_required": true, "login_token": "...", "methods": ["totp", "recovery_code"], "expires_in": 300}
TELLER=$(curl -s $B/auth/login/second-factor -H 'content-type: application/json' \
  -d "{\"login_token\": \"$LOGIN_TOKEN\", \"code\": \"$(totp "$SECRET" 0)\"}" | jq -r .access_token)
curl -s $B/me/sessions -H "authorization: Bearer $TELLER"   # every login on every device; DELETE /me/sessions/{id} ends one at once
echo "$SECRET" > totp/teller@bank-a.example; echo $(( $(date +%s) / 30 )) > totp/teller@bank-a.example.step
# Later, once the teller has a second factor (above), the org_admin makes them an org_admin too:
# PATCH needs the ETag read (If-Match).
ETAG=$(etag $B/users/$USER -H "authorization: Bearer $BANK_A")
curl -s -X PATCH $B/users/$USER -H "authorization: Bearer $BANK_A" -H "If-Match: $ETAG" -H 'content-type: application/json' -d '{"role": "org_admin"}'

echo "== API keys (Bank A's and Bank B's org_admins)"
BANK_A_KEY=$(curl -s $B/api-keys -H "authorization: Bearer $BANK_A" -H 'content-type: application/json' \
  -d '{"name": "payments", "scopes": ["indicators:lookup", "alerts:write", "alerts:read", "events:read"], "expires_at": "2027-12-31T00:00:00Z"}' | jq -r .key)
# {"id": "...", "key": "cbk_...", "prefix": "cbk_ab12", "name": "payments", "scopes": [...], "expires_at": "..."}
curl -s $B/me -H "authorization: ApiKey $BANK_A_KEY"
curl -s $B/api-keys -H "authorization: Bearer $BANK_A"              # never shows the key
# A key usable only from the bank's own servers (CIDR networks); from anywhere else it answers 401, audited.
BATCH_KEY=$(curl -s $B/api-keys -H "authorization: Bearer $BANK_A" -H 'content-type: application/json' \
  -d '{"name": "batch screening", "scopes": ["indicators:lookup"], "allowed_networks": ["127.0.0.1/32", "198.51.100.0/24"]}' | jq -r .key)
curl -s $B/me -H "authorization: ApiKey $BATCH_KEY"
BANK_B_KEY=$(curl -s $B/api-keys -H "authorization: Bearer $BANK_B" -H 'content-type: application/json' \
  -d '{"name": "payments", "scopes": ["alerts:write", "alerts:read", "events:read"]}' | jq -r .key)

echo "== Reports (Bank A)"
REPORT=$(curl -s $B/reports -H "authorization: Bearer $BANK_A" -H 'content-type: application/json' -d '{
  "category": "phishing", "title": "Fake bank login", "description": "SMS with a link to a fake login page",
  "tlp": "amber", "shared_with": [], "anonymous": false,
  "first_seen": "2026-11-20T10:15:00+01:00", "country": "XK",
  "loss": {"amount_minor": 125000, "currency": "EUR"}, "victim_count": 3,
  "indicators": [{"type": "iban", "value": "XK05 1212 0123 4567 8906", "role": "beneficiary_account"},
                 {"type": "domain", "value": "secure-bank-login.example", "role": "phishing_site"}]}' | jq -r .id)
# 201, ETag: "1": {"id": "...", "reference": "RPT-2026-000001", "status": "open", "version": 1, "indicators": [...]}
# The public sector states why it searches: a reason code and its case (422 without; see Data protection).
WHY='purpose=criminal_investigation&case_reference=PK-2026-1142'
curl -s "$B/reports?q=%22fake%20login%22&category=phishing&sort=-created&limit=50&count=estimate&$WHY" -H "authorization: Bearer $POLICE"
curl -s "$B/reports?indicator_type=iban&indicator_value=xk051212012345678906&$WHY" -H "authorization: Bearer $POLICE"
# Update: reporter only, If-Match required (428 without, 412 stale); TLP only raised, shared_with only widened.
curl -s -X PATCH $B/reports/$REPORT -H "authorization: Bearer $BANK_A" -H 'If-Match: "1"' \
  -H 'content-type: application/json' -d '{"status": "under_investigation", "tlp": "amber_strict",
  "shared_with": ["'$POLICE_ORG'"], "indicators": [{"type": "url", "value": "https://secure-bank-login.example/login"}]}'
# Export the same query as CSV (streamed; spreadsheet formulas are defused with a leading ').
curl -s "$B/reports/export.csv?category=phishing&$WHY" -H "authorization: Bearer $POLICE" -o reports.csv

echo "== Indicator look-up (Bank A's payment system)"
curl -s "$B/indicators/lookup?type=iban&value=XK051212012345678906" -H "authorization: ApiKey $BANK_A_KEY"
curl -s $B/indicators/lookup -H "authorization: ApiKey $BANK_A_KEY" -H 'content-type: application/json' \
  -d '{"items": [{"type": "iban", "value": "XK05 1212 0123 4567 8906"}, {"type": "domain", "value": "bücher.example"},
                 {"type": "iban", "value": "XK05 1212 0123 4567 8907"}]}'
# {"results": [{"type": "iban", "value": "XK051212012345678906", "seen": true, "stale": false, "report_count": 1,
#   "stale_report_count": 0, "confidence": 50, "first_seen": "...", "last_seen": "...",
#   "reports": [{"id": "...", "category": "phishing", "tlp": "amber_strict", "confidence": 50, "valid_until": "...", "stale": false}]},
#   {"type": "domain", "value": "xn--bcher-kva.example", "seen": false, "stale": false, "report_count": 0, ...},
#   {"type": "iban", "value": "XK05 1212 0123 4567 8907", "error": "IBAN checksum failed"}]}
curl -s "$B/indicators/iban/XK051212012345678906/reports?$WHY" -H "authorization: Bearer $POLICE"   # correlation

echo "== Watchlists, events and webhooks (Bank B watches; Bank A reports)"
# Watch values (up to 10,000 per call); ipv4/ipv6 entries may be CIDR networks.
WL=$(curl -s $B/watchlists -H "authorization: Bearer $BANK_B" -H 'content-type: application/json' \
  -d '{"name": "Customers", "items": [{"type": "iban", "value": "XK40 1500 0000 0000 1001"}, {"type": "ipv4", "value": "192.0.2.0/24"}]}' | jq -r .id)
curl -s -X PATCH $B/watchlists/$WL -H "authorization: Bearer $BANK_B" -H 'If-Match: "1"' -H 'content-type: application/json' \
  -d '{"add": [{"type": "domain", "value": "bank-b.example"}], "remove": [{"type": "ipv4", "value": "192.0.2.0/24"}]}'
curl -s $B/reports -H "authorization: Bearer $BANK_A" -H 'content-type: application/json' -d '{
  "category": "investment_fraud", "title": "Fake trading platform", "description": "Victims paid into a mule account",
  "tlp": "green", "indicators": [{"type": "iban", "value": "XK40 1500 0000 0000 1001", "role": "beneficiary_account"}]}'
# The feed: oldest first; pass next_cursor back as `after` (empty: from the start). `wait=30s`
# holds an empty answer until an event arrives (LISTEN/NOTIFY): loop on it without polling.
CURSOR=""
FEED=$(curl -s "$B/events?after=$CURSOR&wait=30s&types=report.indicator_match" -H "authorization: ApiKey $BANK_B_KEY")
# {"items": [{"id": "<stable event id>", "type": "report.indicator_match", "created_at": "...",
#   "data": {"report_id": "...", "reference": "RPT-2026-000002", "tlp": "green", "category": "...",
#            "matches": [{"watchlist_id": "...", "watchlist": "Customers", "type": "iban", "value": "...", "item": "..."}]}}],
#  "next_cursor": "..."}
CURSOR=$(echo "$FEED" | jq -r .next_cursor)
test "$(echo "$FEED" | jq '.items | length')" = 1
# Webhooks: https only; targets in loopback, private and link-local ranges are refused (the
# development flag CYBERBRIDGE_ALLOW_HTTP_WEBHOOKS=1 allows http and local targets).
HOOK=$(curl -s $B/webhooks -H "authorization: Bearer $BANK_B" -H 'content-type: application/json' \
  -d '{"url": "https://hooks.bank-b.example/cyberbridge", "event_types": ["report.indicator_match", "alert.received"]}' | jq -r .id)
# {"id": "...", "secret": "whsec_...", ...}   (the secret is shown once)
curl -s -X POST $B/webhooks/$HOOK/test -H "authorization: Bearer $BANK_B"      # a webhook.test delivery
curl -s $B/webhooks/$HOOK/deliveries -H "authorization: Bearer $BANK_B"        # the delivery log, attempt by attempt

echo "== Data requests (police, prosecutor, ISP)"
# 1. The ISP publishes its catalogue (its org_admin); asking for a type it declared it cannot answer is a 422.
curl -s -X PUT $B/organizations/$ISP/capabilities -H "authorization: Bearer $ISP_ADMIN" -H 'content-type: application/json' -d '{
  "request_types": [{"type": "subscriber_info", "supported": true, "data_held": ["subscriber", "ip_identification"],
                     "retention": "IP assignment logs: 12 months", "legal_requirements": "Court order for traffic data"},
                    {"type": "content_data", "supported": false}],
  "emergency_contact": {"name": "NOC 24/7", "email": "noc@isp.example", "phone": "+38344999000"}}'
# 2. The police issue a request. An IP address needs the time it was used, with its UTC offset.
REQ=$(curl -s $B/requests -H "authorization: Bearer $POLICE" -H 'content-type: application/json' -d '{
  "type": "subscriber_info", "addressee_id": "'$ISP'", "case_reference": "PK-2026-1142",
  "legal_basis": {"provision": "CPC art. 123; Budapest Convention art. 18", "text": "Order of 2026-11-20"},
  "data_categories": ["subscriber", "ip_identification"], "urgency": "routine",
  "identifiers": [{"type": "ipv4", "value": "192.0.2.10", "port": 51234, "observed_at": "2026-11-20T10:15:00+01:00"}],
  "period": {"from": "2026-11-19T00:00:00+01:00", "to": "2026-11-21T00:00:00+01:00"},
  "no_customer_notification_until": "2027-06-01"}' | jq -r .id)
# 201 {"id": "...", "reference": "REQ-2026-000001", "status": "submitted", "deadline": "<received + 10 days>", ...}
# (emergency: 8 hours, urgent: 3 days, routine: 10 days, unless a later "deadline" is asked for)
# 3. The ISP sees it (request.received event), acknowledges, asks, and the police answer.
curl -s $B/requests/$REQ/transitions -H "authorization: Bearer $ISP_ADMIN" -H 'content-type: application/json' -d '{"to": "acknowledged"}'
curl -s $B/requests/$REQ/transitions -H "authorization: Bearer $ISP_ADMIN" -H 'content-type: application/json' -d '{"to": "clarification_requested"}'
curl -s $B/requests/$REQ/messages -H "authorization: Bearer $ISP_ADMIN" -H 'content-type: application/json' -d '{"body": "Which port range?"}'
curl -s $B/requests/$REQ/messages -H "authorization: Bearer $POLICE" -H 'content-type: application/json' -d '{"body": "51234 only."}'
curl -s $B/requests/$REQ/transitions -H "authorization: Bearer $POLICE" -H 'content-type: application/json' -d '{"to": "acknowledged"}'
# A move not allowed from the state, or not to your side, is 409 with "allowed_transitions":
command curl -s $B/requests/$REQ/transitions -H "authorization: Bearer $POLICE" -H 'content-type: application/json' -d '{"to": "fulfilled"}' | jq -e '.status == 409'
# 4. The ISP responds: records and files (sniffed type, SHA-256 stored), then closes it.
printf '%%PDF-1.4\n%% RADIUS accounting, 2026-11-20\n' > radius-log.pdf
curl -s $B/requests/$REQ/responses -H "authorization: Bearer $ISP_ADMIN" \
  -F 'records=[{"subscriber": "A. Person", "address": "Rr. Nena Tereze 1", "assigned_from": "2026-11-20T09:00:00+01:00"}];type=application/json' \
  -F 'attachment=@radius-log.pdf'
curl -s $B/requests/$REQ/transitions -H "authorization: Bearer $ISP_ADMIN" -H 'content-type: application/json' -d '{"to": "fulfilled"}'
# (rejected needs a reason_code: data_not_held, not_our_service, request_incomplete, identifier_invalid,
#  legal_basis_insufficient, conflicting_obligation, technically_impossible, other; and a note)
# 5. The police read the request (history, responses) and download the file: X-Content-SHA256 carries its hash,
#    and every download is in the audit trail.
ATTACHMENT=$(curl -s $B/requests/$REQ -H "authorization: Bearer $POLICE" | jq -r '.responses[0].attachments[0].id')
curl -s -D - $B/requests/$REQ/attachments/$ATTACHMENT -H "authorization: Bearer $POLICE" -o radius-log.pdf
# The order as it reached the ISP and the ISP's response, signed by the platform (detached JWS, EdDSA,
# over RFC 8785 canonical JSON); the public keys that verify them, for anyone, offline, years later.
curl -s $B/requests/$REQ/signed-documents -H "authorization: Bearer $ISP_ADMIN"
curl -s $B/signing-keys
# 6. Validation. Traffic or content data from the police names its validator (a prosecution office of
#    its country, by id): the request waits in pending_validation, unseen by the ISP; police and
#    prosecutor talk in its messages; the prosecutor approves (or rejects, with reasons).
REQ2=$(curl -s $B/requests -H "authorization: Bearer $POLICE" -H 'content-type: application/json' -d '{
  "type": "traffic_data", "addressee_id": "'$ISP'", "case_reference": "PK-2026-1142", "validator_id": "'$PROSECUTION_ORG'",
  "legal_basis": {"provision": "CPC art. 124"}, "data_categories": ["traffic"], "urgency": "urgent",
  "identifiers": [{"type": "ipv4", "value": "192.0.2.10", "observed_at": "2026-11-20T10:15:00+01:00"}]}' | jq -r .id)
# 201 {"status": "pending_validation", "validator_id": "...", "validation_table": "domestic:XK", "data_categories": ["ip_identification", "traffic"], ...}
curl -s $B/requests/$REQ2/messages -H "authorization: Bearer $POLICE" -H 'content-type: application/json' -d '{"body": "Needed to place the suspect at the bank on 20 November."}'
command curl -s $B/requests/$REQ2 -H "authorization: Bearer $ISP_ADMIN" | jq -e '.status == 404'
curl -s $B/requests/$REQ2/validate -H "authorization: Bearer $PROSECUTOR" -H 'content-type: application/json' -d '{"decision": "approve", "note": "Proportionate"}'
# 7. Emergency: out at once where the table allows it, validated within 48 hours (request.validation_due
#    at 36 hours, request.validation_overdue after, to issuer and validator). A refusal, even after the
#    answer, seals it: responses and downloads answer 410, and the ISP gets request.sealed (delete or
#    restrict what it produced).
REQ3=$(curl -s $B/requests -H "authorization: Bearer $POLICE" -H 'content-type: application/json' -d '{
  "type": "traffic_data", "addressee_id": "'$ISP'", "case_reference": "PK-2026-1143", "validator_id": "'$PROSECUTION_ORG'",
  "legal_basis": {"provision": "CPC art. 124"}, "data_categories": ["traffic"], "urgency": "emergency",
  "justification": "A kidnapper connects from this address; the connections locate the victim, whose life is at risk.",
  "identifiers": [{"type": "ipv4", "value": "198.51.100.7", "observed_at": "2026-11-28T22:40:00+01:00"}]}' | jq -r .id)
# 201 {"status": "submitted", "deadline": "<8 hours>", "validation_due_at": "<48 hours>", ...}
curl -s $B/requests/$REQ3/transitions -H "authorization: Bearer $ISP_ADMIN" -H 'content-type: application/json' -d '{"to": "acknowledged"}'
curl -s $B/requests/$REQ3/responses -H "authorization: Bearer $ISP_ADMIN" -F 'records=[{"peer": "203.0.113.9", "at": "2026-11-28T22:41:07+01:00"}];type=application/json'
curl -s $B/requests/$REQ3/validate -H "authorization: Bearer $PROSECUTOR" -H 'content-type: application/json' -d '{"decision": "reject", "note": "No threat to life was shown: ordinary procedure"}'
command curl -s $B/requests/$REQ3/responses -H "authorization: Bearer $POLICE" | jq -e '.status == 410'
# Preservation: 90 days from acknowledgement; the issuer extends it by 90 days at a time.
PRES=$(curl -s $B/requests -H "authorization: Bearer $POLICE" -H 'content-type: application/json' -d '{
  "type": "preservation", "addressee_id": "'$ISP'", "case_reference": "PK-2026-1142",
  "legal_basis": {"provision": "Budapest Convention art. 16"}, "data_categories": ["subscriber"], "urgency": "routine",
  "identifiers": [{"type": "ipv4", "value": "192.0.2.10", "observed_at": "2026-11-20T10:15:00+01:00"}]}' | jq -r .id)
curl -s $B/requests/$PRES/transitions -H "authorization: Bearer $ISP_ADMIN" -H 'content-type: application/json' -d '{"to": "acknowledged"}'
curl -s -X POST $B/requests/$PRES/extend -H "authorization: Bearer $POLICE"
# Lists and figures
curl -s "$B/requests?box=received&overdue=true" -H "authorization: Bearer $ISP_ADMIN"
curl -s "$B/requests?expiring_within=120d" -H "authorization: Bearer $POLICE"
curl -s "$B/statistics/requests?from=2026-11-01T00:00:00Z" -H "authorization: Bearer $REGULATOR"

echo "== Fraud alerts (Bank A's payment system alerts Bank B; Bank B answers)"
ALERT=$(curl -s $B/fraud-alerts -H "authorization: ApiKey $BANK_A_KEY" -H 'Idempotency-Key: pay-2026-11-28-000917' \
  -H 'content-type: application/json' -d '{
  "victim_account": {"iban": "XK05 1212 0123 4567 8906"}, "beneficiary_account": {"iban": "XK40 1500 0000 0000 1001"},
  "beneficiary_name": "J. Doe", "amount": {"amount_minor": 950000, "currency": "EUR"},
  "executed_at": "2026-11-28T09:30:00+01:00", "payment_reference": "INV 4711",
  "uetr": "eb6305c9-1f7f-49de-aed0-16487c27b42d", "end_to_end_id": "E2E-2026-0917",
  "category": "investment_fraud", "bank_case_reference": "FR-2026-0917", "description": "Fake trading platform"}' | jq -r .id)
# 201 {"id": "...", "trace_id": "...", "status": "routed", "routed_to": "<Bank B's id>", "hop": 1, ...}
# The receiving bank answers; outcomes may follow each other (part frozen, the rest moved on).
# Frozen + returned + moved on never exceed what reached this hop (422 otherwise).
curl -s $B/fraud-alerts/$ALERT/outcomes -H "authorization: ApiKey $BANK_B_KEY" -H 'content-type: application/json' \
  -d '{"outcome": "funds_frozen", "amount": {"amount_minor": 200000, "currency": "EUR"}}'
curl -s $B/fraud-alerts/$ALERT/outcomes -H "authorization: ApiKey $BANK_B_KEY" -H 'content-type: application/json' \
  -d '{"outcome": "already_moved", "onward_transfers": [{"beneficiary_account": {"iban": "DE89 3704 0044 0532 0130 00"},
       "amount": {"amount_minor": 700000, "currency": "EUR"}, "executed_at": "2026-11-28T09:41:00+01:00"}]}'
# each onward transfer becomes the next hop's alert, routed and announced to the next bank (Bank C);
# the sender and every earlier bank of the trail get an alert.outcome event.
# Other outcomes: funds_returned (amount), account_unknown, no_action (reason).
curl -s "$B/fraud-alerts?box=received&status=routed" -H "authorization: Bearer $BANK_C"
curl -s "$B/fraud-alerts?uetr=eb6305c9-1f7f-49de-aed0-16487c27b42d" -H "authorization: ApiKey $BANK_A_KEY"   # by the payment
TRACE=$ALERT   # a trace is named after its first alert
curl -s $B/fraud-traces/$TRACE -H "authorization: Bearer $POLICE"     # hops, amounts, times, totals
curl -s "$B/fraud-traces/$TRACE/graph?format=dot" -H "authorization: Bearer $POLICE" -o trail.dot   # dot -Tsvg trail.dot
curl -s $B/mule-accounts -H "authorization: Bearer $POLICE"           # IBANs alerted by 2+ different banks
curl -s "$B/statistics/proceeds?from=2026-11-01T00:00:00Z" -H "authorization: Bearer $REGULATOR"

echo "== Data protection (reporter, police, banks, platform operator)"
# A reporter withdraws a value of its report (or corrects it: .../correct with {"value", "reason"}); look-ups and
# watchlists no longer see it, and the organisations it matched get indicator.withdrawn.
curl -s $B/reports/$REPORT/indicators/domain/secure-bank-login.example/withdraw -H "authorization: Bearer $BANK_A" \
  -H 'If-Match: "2"' -H 'content-type: application/json' -d '{"reason": "The domain belongs to an uninvolved shop: mistyped"}'
# Police keep an object of their case past its retention period: a report, a trace, a request they issued.
HOLD=$(curl -s $B/legal-holds -H "authorization: Bearer $POLICE" -H 'content-type: application/json' -d '{
  "object_type": "trace", "object_id": "'$TRACE'", "case_reference": "PK-2026-1142", "reason": "Evidence in proceedings"}' | jq -r .id)
curl -s "$B/legal-holds?active=true" -H "authorization: Bearer $POLICE"
curl -s $B/legal-holds/$HOLD/lift -H "authorization: Bearer $POLICE" -H 'content-type: application/json' \
  -d '{"reason": "Judgment final"}'
# A second bank's alert names the account Bank B's money moved on to: two banks flag it as a mule account.
curl -s $B/fraud-alerts -H "authorization: Bearer $BANK_A" -H 'content-type: application/json' -d '{
  "victim_account": {"iban": "XK05 1212 0123 4567 8906"}, "beneficiary_account": {"iban": "DE89 3704 0044 0532 0130 00"},
  "amount": {"amount_minor": 120000, "currency": "EUR"}, "executed_at": "2026-11-28T11:00:00+01:00",
  "category": "investment_fraud"}'
MULE=DE89370400440532013000
curl -s $B/mule-accounts/$MULE -H "authorization: Bearer $BANK_C"   # {"flagged": true, "sending_banks": 2, "contested": false, ...}
# Its bank contests the flag; each bank behind it confirms or withdraws within 14 days (silence: withdrawn).
curl -s $B/mule-accounts/$MULE/contest -H "authorization: Bearer $BANK_C" -H 'content-type: application/json' \
  -d '{"reason": "Salary account of a verified employer; the payments were refunded"}'
curl -s $B/mule-accounts/$MULE/contest/answer -H "authorization: Bearer $BANK_A" -H 'content-type: application/json' \
  -d '{"decision": "withdraw", "reason": "Our customer recovered the funds"}'
curl -s $B/mule-accounts/$MULE/contest/answer -H "authorization: Bearer $BANK_B" -H 'content-type: application/json' \
  -d '{"decision": "confirm"}'
# {"status": "lifted", "answers": [{"decision": "withdrawn", ...}, {"decision": "confirmed", ...}], ...}
# Every search of the case, and the searches per case and purpose:
curl -s "$B/audit?case_reference=PK-2026-1142" -H "authorization: Bearer $ADMIN"
curl -s "$B/statistics/consultations?from=2026-11-01T00:00:00Z" -H "authorization: Bearer $REGULATOR"
# The operator answers a subject access request: all held about one identifier, and who looked at it and why.
curl -s "$B/subject-access?type=iban&value=XK051212012345678906&purpose=data_subject_request&case_reference=SAR-2026-001" \
  -H "authorization: Bearer $ADMIN"

echo "== STIX 2.1 and TAXII 2.1 (police, Bank B's threat-intelligence platform)"
curl -s $B/reports/$REPORT/stix -H "authorization: Bearer $POLICE"   # a bundle: report, identity, indicators, observables, TLP
curl -s "$B/reports/export.stix?category=phishing&$WHY" -H "authorization: Bearer $POLICE" -o reports.stix.json
curl -s $B/stix/extension-definitions   # public: the new SCOs bank-account, cryptocurrency-wallet, phone-number
# TAXII: give MISP or OpenCTI the discovery URL below and an API key as the password (any user name).
FEED_KEY=$(curl -s $B/api-keys -H "authorization: Bearer $BANK_B" -H 'content-type: application/json' \
  -d '{"name": "taxii feed", "scopes": ["reports:read", "reports:write"]}' | jq -r .key)
curl -s $HOST/taxii2/ -u "opencti:$FEED_KEY" -H 'Accept: application/taxii+json;version=2.1'
curl -s $HOST/taxii2/api/collections/ -u "opencti:$FEED_KEY" -H 'Accept: application/taxii+json;version=2.1'
curl -s "$HOST/taxii2/api/collections/5c1b8e2a-7d4f-4e0b-9a61-3c2f1e0d9b02/objects/?limit=500" -u "opencti:$FEED_KEY" \
  -H 'Accept: application/taxii+json;version=2.1'
# {"more": false, "objects": [{"type": "indicator", "pattern": "[bank-account:iban = 'XK40...']", ...}]}
curl -s $HOST/taxii2/api/collections/5c1b8e2a-7d4f-4e0b-9a61-3c2f1e0d9b03/objects/ -u "opencti:$FEED_KEY" \
  -H 'Accept: application/taxii+json;version=2.1' -H 'Content-Type: application/taxii+json;version=2.1' -d '{"objects": [
  {"type": "indicator", "spec_version": "2.1", "id": "indicator--5d0ad2d1-3f5c-4a47-9c0b-8c5f2b8e0a11",
   "created": "2026-11-29T10:00:00.000Z", "modified": "2026-11-29T10:00:00.000Z", "valid_from": "2026-11-29T10:00:00Z",
   "pattern_type": "stix", "pattern": "[domain-name:value = '\''secure-bank-b-login.example'\'']"}]}'
# 202 {"id": "...", "status": "complete", "success_count": 1, "failure_count": 0, ...}: a report of Bank B (AMBER)

echo "== Audit (platform admin; an org_admin reads their organisation's rows)"
curl -s "$B/audit?action=auth.login_failed&from=2026-11-01T00:00:00Z&limit=100" -H "authorization: Bearer $ADMIN"
curl -s "$B/audit?object_type=report&object_id=$REPORT" -H "authorization: Bearer $ADMIN"   # every read of one report
curl -s $B/audit/verify -H "authorization: Bearer $ADMIN"
# {"ok": true, "rows_checked": 1234, "first_broken_id": null, "from_id": null, "last_id": 1234, "last_hash": "9f2c..."}
HEAD=$(curl -s $B/audit/head -H "authorization: Bearer $ADMIN")
# {"id": 1234, "hash": "9f2c...", "signed_at": "2026-11-29T10:00:00Z", "key_id": "3b1e...", "signature": "base64..."}
curl -s $B/audit/public-key     # public: {"algorithm": "Ed25519", "key_id": "...", "public_key": "...", "public_key_pem": "...", "ephemeral": false}
curl -s "$B/audit/verify?head_id=$(echo "$HEAD" | jq .id)&head_hash=$(echo "$HEAD" | jq -r .hash)" -H "authorization: Bearer $ADMIN"
# {"ok": true, ..., "head_matches": true}; false once any row up to it was changed or deleted
printf 'cyberbridge-audit-head/v1\n%s\n%s\n%s' "$(echo "$HEAD" | jq .id)" "$(echo "$HEAD" | jq -r .hash)" \
  "$(echo "$HEAD" | jq -r .signed_at)" > head.txt
echo "$HEAD" | jq -r .signature | base64 -d > head.sig
curl -s $B/audit/public-key | jq -r .public_key_pem > audit.pem
openssl pkeyutl -verify -pubin -inkey audit.pem -rawin -in head.txt -sigfile head.sig   # Signature Verified Successfully
grep -q "Signature Verified Successfully" <(openssl pkeyutl -verify -pubin -inkey audit.pem -rawin -in head.txt -sigfile head.sig)
rm -f head.txt head.sig audit.pem

echo "== Four eyes (platform admins)"
# A second platform admin: made alone while the platform has one (its audit row says so); from then on
# every change that grants powers waits for the other one, for 72 hours.
PLATFORM_ORG=$(curl -s $B/me -H "authorization: Bearer $ADMIN" | jq -r .organization_id)
SECOND=$(curl -s $B/organizations/$PLATFORM_ORG/users -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' \
  -d '{"email": "second@platform.example", "name": "Second operator", "role": "org_admin"}' | jq -r .enrolment.token)
enrol "$SECOND"
ADMIN2=$(login second@platform.example "$PASSWORD")
# An organisation with its first org_admin, on its written request: filed; part 1 of the enrolment
# token goes to the filer, part 2 to the approver, and only the two together enrol the FIU's admin.
FILED=$(curl -s $B/organizations -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' -d '{
  "name": "Financial Intelligence Unit", "kind": "fiu", "country": "XK",
  "contact": {"name": "Duty desk", "email": "desk@fiu.example", "phone": "+38344100300"},
  "first_admin": {"email": "head@fiu.example", "name": "Head of analysis"}, "document_reference": "FIU letter 2026/3"}')
# 202 {"id": "...", "action": "organization.create", "status": "pending", "expires_at": "<72 hours>", "change": {...},
#   "enrolment_token_part_1": "..."}
APPROVAL=$(echo "$FILED" | jq -r .id)
curl -s $B/approvals -H "authorization: Bearer $ADMIN2"          # what waits for a second platform admin
APPROVED=$(curl -s -X POST $B/approvals/$APPROVAL/approve -H "authorization: Bearer $ADMIN2")   # the asker gets 403
# 200 {"status": "approved", "result_id": "<the FIU>", "enrolment_token_part_2": "..."}
enrol "$(echo "$FILED" | jq -r .enrolment_token_part_1)$(echo "$APPROVED" | jq -r .enrolment_token_part_2)"
curl -s "$B/events?types=user.enrolled" -H "authorization: Bearer $ADMIN2"   # both platform admins are told

echo "== Revocation, deactivation, logout (last: they end what the examples above use)"
KEY_ID=$(curl -s $B/api-keys -H "authorization: Bearer $BANK_B" | jq -r '.items[0].id')
curl -s -X DELETE $B/api-keys/$KEY_ID -H "authorization: Bearer $BANK_B"
ETAG=$(etag $B/organizations/$BANK_C_ORG -H "authorization: Bearer $ADMIN")
curl -s -X PATCH $B/organizations/$BANK_C_ORG -H "authorization: Bearer $ADMIN" -H "If-Match: $ETAG" \
  -H 'content-type: application/json' -d '{"active": false}'
curl -s -X POST $B/auth/logout -H "authorization: Bearer $ADMIN"   # revokes this token and the user's sessions
echo "walkthrough complete"
