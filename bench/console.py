"""Console render times and page weights (bench/console.sh starts the server).

Seeds BENCH_REQUESTS data requests from the demo police to the demo ISP, BENCH_REPORTS reports
of Demo Bank A, and a trail of BENCH_HOPS hops over the three demo banks, all over the API; then,
signed in to the console, times the desk's inbox (a page of 50), a request's page, the reports
list (a page of 50) and the trail's page (its picture and table), one request at a time (so the
time is the server's render plus loopback), and weighs the heaviest page with its assets.
"""

import concurrent.futures
import http.client
import json
import os
import re
import statistics
import sys
import time
import urllib.parse

BASE = os.environ["CYBERBRIDGE_URL"]
HOST = urllib.parse.urlparse(BASE).netloc
N = int(os.environ.get("BENCH_REQUESTS", "10000"))
REPORTS = int(os.environ.get("BENCH_REPORTS", "100000"))
HOPS = int(os.environ.get("BENCH_HOPS", "50"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "300"))
PASSWORD = "demo-password-2026"


def conn():
    return http.client.HTTPConnection(HOST, timeout=60)


def call(c, method, path, body=None, headers=None):
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    return r.status, dict(r.getheaders()), r.read()


def token(email):
    c = conn()
    status, _, body = call(c, "POST", "/api/v1/auth/login", json.dumps({"email": email, "password": PASSWORD}),
                           {"content-type": "application/json"})
    assert status == 200, body
    return json.loads(body)["access_token"]


def console_cookie(email):
    c = conn()
    form = urllib.parse.urlencode({"email": email, "password": PASSWORD})
    c.request("POST", "/console/sign-in", body=form,
              headers={"content-type": "application/x-www-form-urlencoded", "origin": BASE})
    r = c.getresponse()
    r.read()
    assert r.status == 303, r.status
    cookies = " ".join(r.msg.get_all("set-cookie") or [])
    return re.search(r"__Host-cb_session=([^;]+)", cookies).group(1)


def seed(police, isp_id):
    body = json.dumps({
        "type": "subscriber_info", "addressee_id": isp_id, "case_reference": "BENCH-1",
        "legal_basis": {"provision": "CPC art. 123"}, "data_categories": ["subscriber"], "urgency": "routine",
        "identifiers": [{"type": "ipv4", "value": "192.0.2.10", "port": 51234, "observed_at": "2026-11-20T10:15:00+01:00"}],
    })
    headers = {"authorization": f"Bearer {police}", "content-type": "application/json"}

    def batch(count):
        c = conn()
        for _ in range(count):
            status, _, out = call(c, "POST", "/api/v1/requests", body, headers)
            assert status == 201, out

    threads = 4
    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(batch, [N // threads] * threads))
    print(f"seeded {N // threads * threads} requests in {time.time() - started:.1f} s", file=sys.stderr)


def iban(country, bank, n):
    """An IBAN of a bank code and account number, check digits computed (ISO 13616)."""
    bban = f"{bank}{n:010d}" if country == "DE" else f"{bank}{n:0{16 - len(bank)}d}"
    digits = "".join(str(ord(ch) - 55) if ch.isalpha() else ch for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def seed_reports(bank):
    """Reports of Demo Bank A (TLP:GREEN, one IBAN each), four threads."""
    headers = {"authorization": f"Bearer {bank}", "content-type": "application/json"}

    def batch(start, count):
        c = conn()
        for n in range(start, start + count):
            body = json.dumps({
                "category": "investment_fraud", "title": f"Bench report {n}", "description": "Seeded by bench/console.py",
                "tlp": "green", "country": "XK",
                "indicators": [{"type": "iban", "value": iban("XK", "15", 500_000 + n)}],
            })
            status, _, out = call(c, "POST", "/api/v1/reports", body, headers)
            assert status == 201, out

    threads = 4
    per = REPORTS // threads
    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda i: batch(i * per, per), range(threads)))
    print(f"seeded {per * threads} reports in {time.time() - started:.1f} s", file=sys.stderr)


def seed_trail():
    """A trail of HOPS hops: Demo Bank A alerts B; each receiving bank moves the money on to
    the next (B to C, C to A, A to B, ...). Returns the trail's id."""
    banks = [("admin@bank-a.demo.example", "XK", "12"), ("admin@bank-b.demo.example", "XK", "15"),
             ("admin@bank-c.demo.example", "DE", "37040044")]
    tokens = [token(email) for email, _, _ in banks]
    c = conn()

    def post(who, path, body):
        status, _, out = call(c, "POST", path, json.dumps(body),
                              {"authorization": f"Bearer {tokens[who]}", "content-type": "application/json"})
        assert status == 201, out
        return json.loads(out)

    amount = {"amount_minor": 5_000_000, "currency": "EUR"}
    first = post(0, "/api/v1/fraud-alerts", {
        "victim_account": {"iban": iban("XK", "12", 900_001)},
        "beneficiary_account": {"iban": iban("XK", "15", 900_002)},
        "amount": amount, "executed_at": "2026-11-28T09:30:00+01:00", "category": "investment_fraud"})
    alert, receiver = first["id"], 1
    for hop in range(2, HOPS + 1):
        nxt = (receiver + 1) % 3
        _, country, code = banks[nxt]
        out = post(receiver, f"/api/v1/fraud-alerts/{alert}/outcomes", {
            "outcome": "already_moved", "onward_transfers": [{
                "beneficiary_account": {"iban": iban(country, code, 900_000 + hop)},
                "amount": amount, "executed_at": "2026-11-28T10:00:00+01:00"}]})
        alert, receiver = out["onward_alert_ids"][0], nxt
    return first["id"]


def timed(cookie, path, samples):
    c = conn()
    headers = {"cookie": f"__Host-cb_session={cookie}"}
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        status, _, body = call(c, "GET", path, None, headers)
        times.append((time.perf_counter() - t0) * 1000)
        assert status == 200, (path, status)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], len(body)


def main():
    police = token("admin@police.demo.example")
    isp = token("admin@isp.demo.example")
    c = conn()
    _, _, me = call(c, "GET", "/api/v1/me", None, {"authorization": f"Bearer {isp}"})
    isp_id = json.loads(me)["organization_id"]
    seed(police, isp_id)
    if REPORTS:
        seed_reports(token("admin@bank-a.demo.example"))
    trail = seed_trail()
    desk = console_cookie("admin@isp.demo.example")
    officer = console_cookie("admin@police.demo.example")
    c = conn()
    _, _, inbox = call(c, "GET", "/console/requests", None, {"cookie": f"__Host-cb_session={desk}"})
    ids = re.findall(r'href="/console/requests/([0-9a-f-]{36})"', inbox.decode())
    rows = len(set(ids))
    request_path = f"/console/requests/{ids[0]}"
    # Warm up, then measure.
    timed(desk, "/console/requests", 20)
    _, _, listed = call(c, "GET", "/console/reports", None, {"cookie": f"__Host-cb_session={desk}"})
    report_rows = len(set(re.findall(r'href="/console/reports/([0-9a-f-]{36})"', listed.decode())))
    _, _, drawn = call(c, "GET", f"/console/traces/{trail}", None, {"cookie": f"__Host-cb_session={officer}"})
    arrows = drawn.decode().count("marker-end")
    results = {
        f"inbox ({rows} rows)": timed(desk, "/console/requests", SAMPLES),
        "a request's page": timed(desk, request_path, SAMPLES),
        f"reports list ({report_rows} rows)": timed(desk, "/console/reports", SAMPLES),
        f"trail page ({arrows} arrows)": timed(officer, f"/console/traces/{trail}", SAMPLES),
    }
    for label, (p50, p95, size) in results.items():
        print(f"{label:<34} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  ({size:,} bytes)")
    # Page weight: each page's HTML with the assets it loads (the style sheet and htmx).
    c = conn()
    assets = 0
    # The assets the sign-in page names (the sheet's name carries its hash).
    _, _, sign_in = call(c, "GET", "/console/sign-in")
    for asset in re.findall(r'(?:href|src)="(/console/assets/[^"]+)"', sign_in.decode()):
        _, _, body = call(c, "GET", asset)
        assets += len(body)
    pages = {
        "sign-in": (None, "/console/sign-in"),
        "inbox": (desk, "/console/requests"),
        "request": (desk, request_path),
        "new request": (officer, "/console/requests/new"),
        "order": (officer, request_path + "/order"),
        "account": (desk, "/console/account"),
        "reports": (desk, "/console/reports"),
        "trail": (officer, f"/console/traces/{trail}"),
    }
    heaviest = ("", 0)
    for name, (cookie, path) in pages.items():
        headers = {"cookie": f"__Host-cb_session={cookie}"} if cookie else {}
        _, _, body = call(c, "GET", path, None, headers)
        total = len(body) + assets
        if total > heaviest[1]:
            heaviest = (name, total)
    print(f"heaviest page with its assets: {heaviest[0]}, {heaviest[1] / 1024:.1f} KiB "
          f"(assets {assets / 1024:.1f} KiB, uncompressed)")


if __name__ == "__main__":
    main()
