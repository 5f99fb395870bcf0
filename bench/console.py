"""Console render times and page weights (bench/console.sh starts the server).

Seeds BENCH_REQUESTS data requests from the demo police to the demo ISP over the API, then, as
the ISP's desk signed in to the console, times its inbox (a page of 50) and a request's page,
one request at a time (so the time is the server's render plus loopback), and weighs the
heaviest page with its assets.
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
    desk = console_cookie("admin@isp.demo.example")
    officer = console_cookie("admin@police.demo.example")
    c = conn()
    _, _, inbox = call(c, "GET", "/console/requests", None, {"cookie": f"__Host-cb_session={desk}"})
    ids = re.findall(r'href="/console/requests/([0-9a-f-]{36})"', inbox.decode())
    rows = len(set(ids))
    request_path = f"/console/requests/{ids[0]}"
    # Warm up, then measure.
    timed(desk, "/console/requests", 20)
    results = {
        f"inbox ({rows} rows)": timed(desk, "/console/requests", SAMPLES),
        "a request's page": timed(desk, request_path, SAMPLES),
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
