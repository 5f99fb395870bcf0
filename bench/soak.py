"""The soak's driver (bench/soak.sh starts the server): a mixed workload of a bank's screening and
alerting and of data requests answered with files, with webhooks delivered to a receiver of its
own; first its capacity (closed loop), then half of it (open loop) for SOAK_MINUTES; every minute
the server's resident memory, open files, database connections and each operation's p99 are
sampled. At the end: the growth of each per hour, and whether anything was lost.

Standard library only. Writes a JSON summary to argv[1]."""

import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ["SOAK_PORT"])
PID = int(os.environ["SOAK_SERVER_PID"])
PSQL = os.environ["SOAK_PSQL"].split()
MINUTES = float(os.environ.get("SOAK_MINUTES", "30"))
CAPACITY_SECONDS = int(os.environ.get("SOAK_CAPACITY_SECONDS", "30"))
WORKERS = int(os.environ.get("SOAK_WORKERS", "8"))
PASSWORD = "demo-password-2026"
BANK_A_KEY = "cbk_demo-bank-a-key-for-this-machine-only"
FILE = os.urandom(64 * 1024)


def iban(bank, n):
    bban = bank + str(n).zfill(16 - len(bank))
    num = "".join(str(int(c, 36)) for c in bban + "XK00")
    return f"XK{98 - int(num) % 97:02d}{bban}"


class Client:
    """One keep-alive connection."""

    def __init__(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)

    def call(self, method, path, body=None, auth=None, content_type="application/json"):
        headers = {}
        if auth:
            headers["authorization"] = auth
        if body is not None:
            if not isinstance(body, bytes):
                body = json.dumps(body).encode()
            headers["content-type"] = content_type
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                res = self.conn.getresponse()
                data = res.read()
                return res.status, data
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                if attempt:
                    raise


def login(client, email):
    status, data = client.call("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
    assert status == 200, (status, data)
    return "Bearer " + json.loads(data)["access_token"]


class Tokens:
    """Access tokens, renewed every 10 minutes (they last 15)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.at = 0
        self.renew()

    def renew(self):
        c = Client()
        self.police = login(c, "detective@police.demo.example")
        self.isp = login(c, "admin@isp.demo.example")
        self.at = time.time()

    def get(self):
        with self.lock:
            if time.time() - self.at > 600:
                self.renew()
            return self.police, self.isp


class Receiver(BaseHTTPRequestHandler):
    seen = set()
    lock = threading.Lock()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        with Receiver.lock:
            Receiver.seen.add(self.headers.get("webhook-id"))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = {}
        self.errors = {}
        self.alerts = 0
        self.requests = 0
        self.ops = 0

    def record(self, op, seconds, ok):
        with self.lock:
            self.latencies.setdefault(op, []).append(seconds)
            if not ok:
                self.errors[op] = self.errors.get(op, 0) + 1

    def take(self):
        with self.lock:
            lat, self.latencies = self.latencies, {}
            return lat


def timed(stats, op, client, *args, expect=(200, 201, 202), **kwargs):
    start = time.perf_counter()
    status, data = client.call(*args, **kwargs)
    stats.record(op, time.perf_counter() - start, status in expect)
    if status not in expect:
        raise RuntimeError(f"{op}: {status} {data[:200]!r}")
    return data


def lookup(client, stats, tokens, n):
    body = {"items": [{"type": "iban", "value": "XK40 1500 0000 0000 1001"}, {"type": "iban", "value": iban("15", 500000 + n % 100000)}]}
    timed(stats, "lookup", client, "POST", "/api/v1/indicators/lookup", body, auth="ApiKey " + BANK_A_KEY)


def alert(client, stats, tokens, n):
    body = {
        "victim_account": {"iban": iban("12", 900001)},
        "beneficiary_account": {"iban": iban("15", 700000 + n % 100000)},
        "beneficiary_name": "J. Doe", "amount": {"amount_minor": 1000 + n % 5000, "currency": "EUR"},
        "executed_at": "2026-11-28T09:30:00+01:00", "payment_reference": "SOAK", "category": "investment_fraud",
    }
    timed(stats, "alert", client, "POST", "/api/v1/fraud-alerts", body, auth="ApiKey " + BANK_A_KEY)
    with stats.lock:
        stats.alerts += 1


def request_with_file(client, stats, tokens, n):
    police, isp = tokens.get()
    body = {
        "type": "subscriber_info", "addressee_id": ISP_ORG, "case_reference": "SOAK-1",
        "legal_basis": {"provision": "CPC art. 123"}, "data_categories": ["subscriber"], "urgency": "routine",
        "identifiers": [{"type": "ipv4", "value": "192.0.2.44", "observed_at": "2026-11-20T10:15:00+01:00"}],
    }
    req = json.loads(timed(stats, "request", client, "POST", "/api/v1/requests", body, auth=police))["id"]
    timed(stats, "request", client, "POST", f"/api/v1/requests/{req}/transitions", {"to": "acknowledged"}, auth=isp)
    boundary = "soak-" + uuid.uuid4().hex
    parts = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="records"\r\nContent-Type: application/json\r\n\r\n'
        '[{"subscriber": "Soak Subscriber"}]\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachment"; filename="soak.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + FILE + f"\r\n--{boundary}--\r\n".encode()
    timed(stats, "request", client, "POST", f"/api/v1/requests/{req}/responses", parts, auth=isp,
          content_type=f"multipart/form-data; boundary={boundary}")
    timed(stats, "request", client, "POST", f"/api/v1/requests/{req}/transitions", {"to": "fulfilled"}, auth=isp)
    with stats.lock:
        stats.requests += 1


MIX = [(lookup, 70), (alert, 25), (request_with_file, 5)]


def pick(rng):
    r = rng.random() * 100
    for op, weight in MIX:
        if r < weight:
            return op
        r -= weight
    return MIX[-1][0]


def run(stats, tokens, seconds, rate=None):
    """Runs the mix for `seconds`: closed loop (as fast as WORKERS go) or open loop at `rate` ops/s."""
    stop = time.time() + seconds
    counter = {"n": 0}
    lock = threading.Lock()
    start = time.time()

    def worker(seed):
        rng = random.Random(seed)
        client = Client()
        while True:
            with lock:
                n = counter["n"]
                counter["n"] += 1
            if rate is not None:
                due = start + n / rate
                wait = due - time.time()
                if wait > 0:
                    time.sleep(wait)
            if time.time() >= stop:
                return
            try:
                pick(rng)(client, stats, tokens, n)
            except Exception as e:  # counted, and the soak goes on
                with stats.lock:
                    stats.errors["exception"] = stats.errors.get("exception", 0) + 1
                    stats.last_error = str(e)
            with stats.lock:
                stats.ops += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(WORKERS)]
    for t in threads:
        t.start()
    return threads


def sample_process():
    rss = 0
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
    fds = len(os.listdir(f"/proc/{PID}/fd"))
    conns = int(subprocess.check_output(PSQL + ["-Atc", "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"]).strip())
    return rss, fds, conns


def p99(values):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * 0.99))]


def slope_per_hour(points):
    """Least-squares slope of (minute, value) points, per hour."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    sxy = sum((x - mx) * (y - my) for x, y in points)
    return (sxy / sxx) * 60 if sxx else 0.0


def sql(query):
    return subprocess.check_output(PSQL + ["-Atc", query]).decode().strip()


def main():
    global ISP_ORG
    out_path = sys.argv[1]
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    c = Client()
    bank_b = login(c, "admin@bank-b.demo.example")
    status, data = c.call("POST", "/api/v1/webhooks", {"url": f"http://127.0.0.1:{receiver.server_port}/hook", "event_types": ["alert.received"]}, auth=bank_b)
    assert status == 201, (status, data)
    tokens = Tokens()
    status, data = c.call("GET", "/api/v1/organizations?kind=isp", auth=tokens.police)
    ISP_ORG = json.loads(data)["items"][0]["id"]

    print(f"capacity: the mix in a closed loop, {WORKERS} connections, {CAPACITY_SECONDS} s", flush=True)
    stats = Stats()
    for t in run(stats, tokens, CAPACITY_SECONDS):
        t.join()
    capacity = stats.ops / CAPACITY_SECONDS
    before = stats
    rate = capacity / 2
    print(f"  {capacity:.0f} ops/s; the soak runs at {rate:.0f} ops/s for {MINUTES:g} minutes", flush=True)

    stats = Stats()
    threads = run(stats, tokens, MINUTES * 60, rate)
    samples = []
    began = time.time()
    minute = 0
    print(" min   ops/s  rss MiB  fds  db conns  p99 lookup  p99 alert  p99 request  errors", flush=True)
    while any(t.is_alive() for t in threads):
        minute += 1
        time.sleep(max(0, began + minute * 60 - time.time()))
        lat = stats.take()
        rss, fds, conns = sample_process()
        row = {
            "minute": minute, "ops": sum(len(v) for k, v in lat.items()), "rss": rss, "fds": fds, "db_connections": conns,
            "p99": {k: p99(v) for k, v in lat.items()}, "errors": dict(stats.errors),
        }
        samples.append(row)
        ms = lambda k: f"{row['p99'][k] * 1000:9.1f}" if row["p99"].get(k) is not None else "        -"
        print(f"{minute:4d} {row['ops'] / 60:7.1f} {rss / 2**20:8.1f} {fds:4d} {conns:9d}  {ms('lookup')}ms {ms('alert')}ms {ms('request')}ms  {sum(stats.errors.values())}", flush=True)
        if minute >= MINUTES:
            break
    for t in threads:
        t.join()

    # Nothing lost: every alert answered 201 is stored and reached the receiver's webhook once;
    # every request answered is fulfilled with its file.
    deadline = time.time() + 120
    while time.time() < deadline:
        pending = int(sql("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'"))
        if pending == 0:
            break
        time.sleep(1)
    # Both phases' (capacity and soak) writes.
    alerts, requests = before.alerts + stats.alerts, before.requests + stats.requests
    stored = int(sql("SELECT count(*) FROM fraud_alerts WHERE payment_reference = 'SOAK'"))
    fulfilled = int(sql("SELECT count(*) FROM data_requests WHERE case_reference = 'SOAK-1' AND status = 'fulfilled'"))
    files = int(sql(f"SELECT count(*) FROM data_request_attachments a JOIN data_requests r ON r.id = a.request_id WHERE r.case_reference = 'SOAK-1' AND a.size = {len(FILE)}"))
    delivered = len(Receiver.seen)
    steady = [s for s in samples if s["minute"] > 2] or samples
    growth = {
        "rss_mib_per_hour": slope_per_hour([(s["minute"], s["rss"] / 2**20) for s in steady]),
        "fds_per_hour": slope_per_hour([(s["minute"], s["fds"]) for s in steady]),
        "db_connections_per_hour": slope_per_hour([(s["minute"], s["db_connections"]) for s in steady]),
    }
    half = steady[len(steady) // 2:]
    growth["rss_mib_per_hour_second_half"] = slope_per_hour([(s["minute"], s["rss"] / 2**20) for s in half])
    for op in ("lookup", "alert", "request"):
        growth[f"p99_{op}_ms_per_hour"] = slope_per_hour([(s["minute"], s["p99"][op] * 1000) for s in steady if s["p99"].get(op)])
    summary = {
        "capacity_ops_per_s": capacity, "rate_ops_per_s": rate, "minutes": MINUTES, "samples": samples, "growth": growth,
        "alerts_answered": alerts, "alerts_stored": stored, "webhooks_received": delivered,
        "pending_deliveries": pending, "requests_answered": requests, "requests_fulfilled": fulfilled,
        "files_stored": files, "errors": stats.errors,
    }
    json.dump(summary, open(out_path, "w"), indent=1)
    print("growth per hour (least squares over minutes 3..end):")
    for k, v in growth.items():
        print(f"  {k:32s} {v:+.2f}")
    first, last = steady[0], steady[-1]
    print(f"rss {first['rss'] / 2**20:.1f} -> {last['rss'] / 2**20:.1f} MiB, fds {first['fds']} -> {last['fds']}, db connections {first['db_connections']} -> {last['db_connections']}")
    print(f"alerts answered {alerts}, stored {stored}, webhook deliveries received {delivered}, still pending {pending}")
    print(f"requests answered {requests}, fulfilled {fulfilled}, files stored {files}; errors {stats.errors}")
    # A delivery still waiting is late, not lost: it is retried for 24 hours.
    lost = stored < alerts or delivered + pending < stored or fulfilled < requests or files < requests
    if pending:
        print(f"LATE: {pending} webhook deliveries still waiting two minutes after the load stopped")
    print("NOTHING LOST" if not lost else "LOST: see the counts above")
    sys.exit(1 if lost else 0)


if __name__ == "__main__":
    main()
