"""What a bank's screening system does with cyberbridge, through a client generated from the
committed OpenAPI document (openapi-python-client):

1. authenticate with the bank's API key (scopes indicators:lookup, alerts:write, alerts:read);
2. screen a payment file: 1,000 beneficiary values in one batch look-up, flagging those seen;
3. alert the beneficiary bank of a fraudulent payment, with an Idempotency-Key, and show that
   a retry with the same key answers the same alert;
4. read the alert with the receiving bank's outcome (given the receiving bank's key, the
   example records that outcome as its system would).

Usage (see README, "Generated clients"):
    CYBERBRIDGE_URL=http://127.0.0.1:8080 CYBERBRIDGE_API_KEY=cbk_... \
    [CYBERBRIDGE_RECEIVER_KEY=cbk_...] python examples/python/screening.py
"""

import datetime
import os
import sys
import time
import uuid

from cyberbridge_client import AuthenticatedClient
from cyberbridge_client.api.fraud_alerts import create_fraud_alert, create_fraud_alert_outcome, get_fraud_alert
from cyberbridge_client.api.indicators import lookup_indicators
from cyberbridge_client.models import (
    Account,
    Alert,
    Category,
    CreateAlert,
    CreateOutcome,
    IndicatorType,
    LookupHit,
    LookupItem,
    LookupRequest,
    LookupResponse,
    Money,
    OutcomeKind,
)


def iban_xk(bank: str, account: int) -> str:
    """A Kosovo IBAN with valid check digits."""
    bban = f"{bank}{account:0{16 - len(bank)}d}"
    digits = "".join(str(int(c, 36)) for c in bban + "XK00")
    return f"XK{98 - int(digits) % 97:02d}{bban}"


def client(key: str) -> AuthenticatedClient:
    return AuthenticatedClient(base_url=os.environ["CYBERBRIDGE_URL"], token=key, prefix="ApiKey", timeout=30)


def expect(value, kind, what):
    if not isinstance(value, kind):
        sys.exit(f"{what} failed: {value}")
    return value


def main() -> None:
    bank = client(os.environ["CYBERBRIDGE_API_KEY"])

    # A payment file of 1,000 beneficiaries; two of them are the mule accounts of the demo data.
    payees = [iban_xk("15", 500_000 + n) for n in range(998)] + [iban_xk("15", 1001), iban_xk("12", 2001)]
    body = LookupRequest(items=[LookupItem(type_=IndicatorType.IBAN, value=v) for v in payees])
    started = time.monotonic()
    answer = expect(lookup_indicators.sync(client=bank, body=body), LookupResponse, "batch look-up")
    elapsed = time.monotonic() - started
    flagged = [r for r in answer.results if isinstance(r, LookupHit) and r.seen]
    print(f"screened {len(answer.results)} beneficiaries in {elapsed * 1000:.0f} ms; {len(flagged)} seen in reports:")
    for hit in flagged:
        print(f"  {hit.value}: {hit.report_count} report(s), last seen {hit.last_seen}")

    # A customer was defrauded: alert the beneficiary's bank. A retry with the same key is safe.
    alert = CreateAlert(
        victim_account=Account(iban=iban_xk("12", 3002)),
        beneficiary_account=Account(iban=iban_xk("15", 1001)),
        beneficiary_name="J. Doe",
        amount=Money(amount_minor=250_000, currency="EUR"),
        executed_at=datetime.datetime.now(datetime.timezone.utc),
        category=Category.INVESTMENT_FRAUD,
        bank_case_reference=f"SCREENING-{uuid.uuid4().hex[:8]}",
    )
    key = str(uuid.uuid4())
    sent = expect(create_fraud_alert.sync(client=bank, body=alert, idempotency_key=key), Alert, "fraud alert")
    again = expect(create_fraud_alert.sync(client=bank, body=alert, idempotency_key=key), Alert, "retried alert")
    assert again.id == sent.id, "a retry with the same Idempotency-Key answers the first alert"
    print(f"alert {sent.id}: {sent.status.value}, routed to {sent.routed_to}; a retry answered the same alert")

    receiver_key = os.environ.get("CYBERBRIDGE_RECEIVER_KEY")
    if receiver_key:
        frozen = CreateOutcome(outcome=OutcomeKind.FUNDS_FROZEN, amount=Money(amount_minor=250_000, currency="EUR"))
        create_fraud_alert_outcome.sync(client=client(receiver_key), id=sent.id, body=frozen)

    for _ in range(20):
        read = expect(get_fraud_alert.sync(client=bank, id=sent.id), Alert, "reading the alert")
        if read.outcomes or not receiver_key:
            break
        time.sleep(0.5)
    outcomes = ", ".join(f"{o.outcome.value} {o.amount.amount_minor if o.amount else ''}" for o in read.outcomes)
    print(f"alert {read.id} is {read.status.value}; outcomes: {outcomes or 'none yet'}")
    if receiver_key and not read.outcomes:
        sys.exit("the receiving bank's outcome did not arrive")


if __name__ == "__main__":
    main()
