"""The console in a real browser: Debian's Chromium driven by Playwright for Python.

Run by .ci/console.sh against `cyberbridge serve --demo` (CYBERBRIDGE_URL). One browser, one
process. Every page visited is checked for console errors, CSP violations and serious or
critical axe-core findings, and photographed at 1280 and 390 px under target/console/.
Elements are found as a person finds them: by label and role, never by CSS path.
"""

import hashlib
import http.server
import os
import pathlib
import re
import sys
import threading

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect, sync_playwright

BASE = os.environ["CYBERBRIDGE_URL"].rstrip("/")
AXE = pathlib.Path(os.environ["AXE_JS"]).read_text()
SHOTS = pathlib.Path(os.environ.get("SCREENSHOTS", "target/console"))
SHOTS.mkdir(parents=True, exist_ok=True)
PASSWORD = "demo-password-2026"
OFFICER = "detective@police.demo.example"
PROSECUTOR = "prosecutor@prosecution-office.demo.example"
DESK = "admin@isp.demo.example"
CANARY = '"><svg onload=alert(1)>'
CASE = "PW-2026-0042"

# Records what the CSP refused, before any page script runs (init scripts are not subject to it).
CSP_PROBE = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""

failures = []
pages_checked = []


def fail(message):
    failures.append(message)
    print("FAIL:", message, file=sys.stderr)


class Person:
    """A browser context of one person: its own cookies, its errors and dialogs watched."""

    def __init__(self, browser, name, locale="en-GB", width=1280):
        self.name = name
        self.context = browser.new_context(
            locale=locale, viewport={"width": width, "height": 900}, accept_downloads=True
        )
        self.context.add_init_script(CSP_PROBE)
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"{m.text} at {m.location}"))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (fail(f"{name}: a dialog opened: {d.message}"), d.dismiss()))

    def go(self, path):
        self.page.goto(BASE + path)
        return self.page

    def check(self, label):
        """The page as it stands: no console error, no CSP violation, no serious axe finding,
        one h1; screenshots at both widths."""
        page = self.page
        page.wait_for_load_state("load")
        violations = page.evaluate("window.__csp || []")
        if violations:
            fail(f"{label}: CSP violations {violations}")
        if self.errors:
            fail(f"{label}: console errors {self.errors}")
            self.errors.clear()
        h1 = page.get_by_role("heading", level=1).count()
        if h1 != 1:
            fail(f"{label}: {h1} h1 elements")
        page.evaluate(AXE + "\n;0")
        found = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
            ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
        )
        if found:
            fail(f"{label}: axe-core {found}")
        unlabeled = page.evaluate(
            "() => [...document.querySelectorAll('input:not([type=hidden]):not([hidden]), select, textarea')]"
            ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.name)"
        )
        if unlabeled:
            fail(f"{label}: inputs without a visible label {unlabeled}")
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 1:
                fail(f"{label}: {overflow}px wider than the {width}px window")
            page.screenshot(path=str(SHOTS / f"{label}-{width}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        pages_checked.append(label)

    def key_sign_in(self, email):
        """Signs in by keyboard alone: Tab to the e-mail field, type, Tab, type, Enter."""
        page = self.go("/console/sign-in")
        key_in(page, page.get_by_label("E-mail"), email)
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        expect(page.get_by_role("link", name="Data requests")).to_be_visible()
        return page

    def sign_in(self, email, label=None):
        page = self.go("/console/sign-in")
        if label:
            self.check(label)
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("link", name="Data requests")).to_be_visible()
        return page


def iban_xk(bank, n):
    """A Kosovo IBAN of a bank code and account number, as the demo makes them."""
    bban = f"{bank}{n:0{16 - len(bank)}d}"
    digits = "".join(str(ord(c) - 55) if c.isalpha() else c for c in bban + "XK00")
    return f"XK{98 - int(digits) % 97:02d}{bban}"


def settled(page):
    """Waits until htmx has no request in flight and nothing left to settle."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def tab_to(page, locator, limit=150):
    """Presses Tab until `locator` has the focus, as a keyboard user reaches a control."""
    for _ in range(limit):
        if locator.evaluate("e => e === document.activeElement"):
            return
        page.keyboard.press("Tab")
    fail(f"could not reach {locator} with the Tab key")


def key_in(page, locator, text):
    """Reaches a field with Tab and types into it."""
    tab_to(page, locator)
    page.keyboard.type(text)


def key_choose(page, locator, words):
    """Reaches a closed select with Tab and picks an option by typing its first words."""
    tab_to(page, locator)
    page.keyboard.type(words)
    settled(page)


def key_datetime(page, locator, month, day, hour, minute):
    """Sets an empty datetime-local field (month/day/year, hour:minute AM/PM, as Chromium
    draws it) with the arrow keys: each segment counts up from empty, the year to this one."""
    tab_to(page, locator)
    for count in (month, day, 1, hour, minute + 1, 1):
        for _ in range(count):
            page.keyboard.press("ArrowUp")
        page.keyboard.press("Tab")
    settled(page)


def key_open_files(page, locator):
    """Reaches a file input with Tab and opens its chooser with the space bar. Chromium now and
    then drops the first press of a page (CI saw it once in many runs): pressed again then."""
    tab_to(page, locator)
    for attempt in range(2):
        try:
            with page.expect_file_chooser(timeout=10_000) as chooser:
                page.keyboard.press("Space")
            return chooser.value
        except PlaywrightTimeout:
            if attempt:
                raise
            tab_to(page, locator)


def key_press(page, locator, key="Enter"):
    """Reaches a button or link with Tab and presses it."""
    tab_to(page, locator)
    page.keyboard.press(key)


def attacker_site(target):
    """Another origin serving a form that posts to the console (a cross-site request)."""
    html = f"""<!doctype html><html lang="en"><title>x</title><body>
<form method="post" action="{target}"><input name="to" value="withdrawn"><button>Win a prize</button></form>
</body></html>""".encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def main():
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), args=["--no-sandbox", "--disable-gpu"]
        )
        # The sign-in page in each language.
        for locale, tag, word in [("en-GB", "en", "Password"), ("sq-AL", "sq", "Fjalëkalimi"),
                                  ("sr-Latn-RS", "sr-Latn", "Lozinka"), ("sr-Cyrl-RS", "sr-Cyrl", "Лозинка")]:
            person = Person(browser, f"visitor-{tag}", locale=locale)
            page = person.go("/console/sign-in")
            expect(page.locator("html")).to_have_attribute("lang", tag)
            expect(page.get_by_text(word).first).to_be_visible()
            person.check(f"sign-in-{tag}")
            person.context.close()

        # The officer, by keyboard alone: signs in, chooses the current case, issues a
        # traffic-data request to the ISP; the form says who validates before it is sent.
        officer = Person(browser, "officer")
        page = officer.go("/console/sign-in")
        page.get_by_label("E-mail").focus()
        page.keyboard.type(OFFICER)
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        expect(page.get_by_role("link", name="Data requests")).to_be_visible()
        officer.check("requests-issued")
        key_press(page, page.get_by_role("link", name="Choose a case"))
        expect(page.get_by_role("heading", name="Current case")).to_be_visible()
        officer.check("case")
        key_choose(page, page.get_by_label("Purpose"), "Criminal i")
        key_in(page, page.get_by_label("Case reference"), CASE)
        page.keyboard.press("Enter")
        expect(page.get_by_text(CASE).first).to_be_visible()
        key_press(page, page.get_by_role("link", name="New request"))
        expect(page.get_by_role("heading", name="New data request")).to_be_visible()
        expect(page.get_by_label("Case reference")).to_have_value(CASE)
        officer.check("request-new")
        # htmx (under the CSP, with its integrity hash) outlines the request as it is written.
        key_choose(page, page.get_by_label("Addressee"), "Demo ISP")
        expect(page.get_by_text("has not published a catalogue")).to_be_visible()
        expect(page.get_by_text("needs no validation")).to_be_visible()
        key_choose(page, page.get_by_label("Type of request"), "Traffic")
        expect(page.get_by_text("a prosecution validates this request")).to_be_visible()
        expect(page.get_by_text("will have 10 days to answer")).to_be_visible()
        expect(page.get_by_role("group", name="Data categories").get_by_label("Traffic data")).to_be_checked()
        expect(page.get_by_label("Validated by (prosecution or court)")).to_have_value(re.compile(".+"))
        key_in(page, page.get_by_label("Legal provision"), "CPC art. 123; Budapest Convention art. 18")
        key_in(page, page.get_by_label("Text of the order"), "Production order " + CANARY)
        identifier = page.get_by_role("group", name="Identifier 1")
        key_choose(page, identifier.get_by_label("Type"), "ipv4")
        key_in(page, identifier.get_by_label("Value"), "192.0.2.77")
        key_in(page, identifier.get_by_label("Port"), "40000")
        key_datetime(page, identifier.get_by_label("Observed at"), 11, 20, 10, 15)
        expect(identifier.get_by_label("Observed at")).to_have_value("2026-11-20T10:15")
        officer.check("request-new-outlined")
        key_press(page, page.get_by_role("button", name="Send the request"))
        expect(page.get_by_text("The request was sent.")).to_be_visible()
        expect(page.get_by_text("Awaiting validation").first).to_be_visible()
        request_path = page.url.replace(BASE, "").split("?")[0]
        reference = page.get_by_role("heading", level=1).inner_text().split(" ")[0]
        officer.check("request-issued")

        # The ISP's desk sees nothing of it while it waits.
        desk = Person(browser, "desk")
        page = desk.sign_in(DESK)
        # Onboarding by link: the desk's org_admin adds a colleague and hands over the token;
        # the colleague sets a password with it and signs in.
        page = desk.go("/console/account")
        page.get_by_role("link", name="Your organisation: people and catalogue").click()
        desk.check("organisation")
        add = page.get_by_role("region", name="Add a person")
        add.get_by_label("E-mail").fill("colleague@isp.demo.example")
        add.get_by_label("Name").fill("New Colleague")
        add.get_by_role("button", name="Add and make an enrolment token").click()
        token = page.get_by_label("Token to hand over").inner_text().strip()
        desk.check("organisation-token")
        colleague = Person(browser, "colleague")
        page = colleague.go("/console/enrol")
        colleague.check("enrol")
        page.get_by_label("Enrolment token").fill(token)
        page.get_by_label("New password", exact=True).fill(PASSWORD)
        page.get_by_label("New password, again").fill(PASSWORD)
        page.get_by_role("button", name="Set my password").click()
        expect(page.get_by_text("Your password is set. Sign in with it.")).to_be_visible()
        colleague.sign_in("colleague@isp.demo.example")
        colleague.context.close()
        page = desk.go("/console/requests")
        if CASE in page.content():
            fail("the pending request reached the addressee's inbox")
        desk.check("requests-inbox-before")
        response = page.goto(BASE + request_path)
        if response.status != 404:
            fail(f"the addressee opened a pending request: {response.status}")
        # The browser reports the page's own 404 status as an error: expected here.
        desk.errors = [e for e in desk.errors if "404" not in e]
        desk.check("error-not-found")

        # The prosecutor validates, by keyboard alone.
        prosecutor = Person(browser, "prosecutor")
        page = prosecutor.key_sign_in(PROSECUTOR)
        prosecutor.check("requests-to-validate")
        key_press(page, page.get_by_role("link", name=reference, exact=True))
        expect(page.get_by_role("button", name="Approve")).to_be_visible()
        prosecutor.check("request-validate")
        key_in(page, page.get_by_label("Note").first, "Necessary and proportionate for " + CASE)
        key_press(page, page.get_by_role("button", name="Approve"))
        expect(page.get_by_text("Your decision was recorded and signed.")).to_be_visible()

        # The desk, by keyboard alone: the request is in the inbox now; acknowledge, answer
        # with records and files (the file chooser opened with the space bar).
        page = desk.go("/console/requests")
        expect(page.get_by_text(CASE).first).to_be_visible()
        desk.check("requests-inbox")
        page.screenshot(path=str(SHOTS / "readme-inbox.png"))
        key_press(page, page.get_by_role("link", name=reference, exact=True))
        expect(page.get_by_role("button", name="Acknowledge")).to_be_visible()
        key_press(page, page.get_by_role("button", name="Acknowledge"))
        expect(page.get_by_text("The request moved to its next step.")).to_be_visible()
        desk.check("request-answer")
        data = bytes(range(256)) * 4000
        evil = b"<html><body><script>alert(document.cookie)</script></body></html>"
        key_in(page, page.get_by_label("Records"), "ip: 192.0.2.77\nsubscriber: Jane Roe " + CANARY)
        key_open_files(page, page.get_by_label("Files")).set_files([
            {"name": "assignments.bin", "mimeType": "application/octet-stream", "buffer": data},
            {"name": "evil.html", "mimeType": "text/html", "buffer": evil},
        ])
        key_press(page, page.get_by_role("button", name="Send the answer"))
        expect(page.get_by_text("Your answer was sent.")).to_be_visible()
        key_in(page, page.get_by_label("Message", exact=True), "Answered. " + CANARY)
        key_press(page, page.get_by_role("button", name="Send message"))
        expect(page.get_by_text("Your message was sent.")).to_be_visible()
        desk.check("request-answered")

        # The officer, by keyboard alone: reads the answer, downloads the file unchanged,
        # opens the printable signed order.
        page = officer.go(request_path)
        expect(page.get_by_role("heading", name="Answers")).to_be_visible()
        digest = hashlib.sha256(data).hexdigest()
        expect(page.get_by_text(digest)).to_be_visible()
        officer.check("request-read")
        page.get_by_role("heading", name="Answers").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "readme-request.png"))
        with page.expect_download() as caught:
            key_press(page, page.get_by_role("link", name="assignments.bin"))
        got = pathlib.Path(caught.value.path()).read_bytes()
        if hashlib.sha256(got).hexdigest() != digest:
            fail("the downloaded file differs from the uploaded one")
        with page.expect_download() as caught:
            key_press(page, page.get_by_role("link", name="evil.html"))
        if caught.value.suggested_filename != "evil.html":
            fail("the HTML file was not a download")
        key_press(page, page.get_by_role("link", name="Signed order and receipts (printable)"))
        expect(page.get_by_text("Signature verified").first).to_be_visible()
        if page.get_by_text("does NOT verify").count():
            fail("a signature does not verify")
        officer.check("order")
        page.screenshot(path=str(SHOTS / "readme-order.png"))
        page.emulate_media(media="print")
        page.screenshot(path=str(SHOTS / "order-print.png"), full_page=True)

        page.emulate_media(media="screen")
        # The look-up, by keyboard, with the current case's purpose: a GREEN report of the
        # bank is found; its RED one never reaches the police.
        key_press(page, page.get_by_role("link", name="Look-up"))
        expect(page.get_by_role("heading", name="Look-up")).to_be_visible()
        key_in(page, page.get_by_label("Value to look up"), "Trade-Demo-Profits.example")
        page.keyboard.press("Enter")
        expect(page.get_by_text("Known: named in current reports")).to_be_visible()
        expect(page.get_by_text("TLP:GREEN")).to_be_visible()
        expect(page.get_by_text("trade-demo-profits[.]example")).to_be_visible()
        officer.check("lookup")
        page.screenshot(path=str(SHOTS / "readme-lookup.png"))
        # A link from elsewhere only fills the form: the officer sends it.
        page = officer.go("/console/lookup?value=telegram%3A%40fast_demo_refunds")
        expect(page.get_by_label("Value to look up")).to_have_value("telegram:@fast_demo_refunds")
        page.get_by_role("button", name="Look up").click()
        expect(page.get_by_text("Not found in the reports you may see")).to_be_visible()
        if page.get_by_text("TLP:RED").count():
            fail("a RED report of the bank reached the police's look-up")
        # Reports under the current case's purpose: the bank's GREEN one is listed, its RED not.
        page.get_by_role("link", name="Reports").click()
        expect(page.get_by_role("heading", name="Reports")).to_be_visible()
        expect(page.get_by_text("Fake trading platform")).to_be_visible()
        if page.get_by_text("Mule account recruited over social media").count():
            fail("a RED report of the bank reached the police's list")
        officer.check("reports")
        page.get_by_role("row").filter(has_text="Fake trading platform").get_by_role("link").first.click()
        expect(page.get_by_text("trade-demo-profits[.]example")).to_be_visible()
        officer.check("report")
        page = officer.go(request_path + "/order")
        page.get_by_role("link", name="Verify a signed document").click()
        expect(page.get_by_role("heading", name="Verify a signed document")).to_be_visible()
        officer.check("verify")

        # The fraud desks: Demo Bank A alerts Demo Bank B by hand; B freezes part; A sees it.
        bank_a = Person(browser, "bank-a")
        page = bank_a.sign_in("admin@bank-a.demo.example")
        page.get_by_role("link", name="Alerts").click()
        expect(page.get_by_role("heading", name="Fraud alerts")).to_be_visible()
        bank_a.check("alerts")
        page.get_by_role("link", name="New alert").click()
        bank_a.check("alert-new")
        page.get_by_label("Beneficiary account (IBAN)").fill(iban_xk("15", 4242))
        page.get_by_label("Beneficiary's name").fill("Mule " + CANARY)
        page.get_by_label("Amount").fill("2,500.00")
        page.get_by_label("Executed at").fill("2026-12-01T09:30")
        page.get_by_label("Category").select_option("investment_fraud")
        page.get_by_label("UETR", exact=True).fill("eb6305c9-1f7f-49de-aed0-16487c27b42d")
        page.get_by_label("End-to-end ID").fill("E2E-DEMO-0042")
        page.get_by_role("button", name="Send the alert").dblclick()
        expect(page.get_by_text("The alert was sent.")).to_be_visible()
        alert_path = page.url.replace(BASE, "").split("?")[0]
        bank_a.check("alert-sent")
        bank_b = Person(browser, "bank-b")
        page = bank_b.sign_in("admin@bank-b.demo.example")
        page = bank_b.go("/console/alerts")
        expect(page.get_by_text("2,500.00 EUR").first).to_be_visible()
        bank_b.check("alerts-received")
        page = bank_b.go(alert_path)
        page.get_by_label("Outcome").select_option("funds_frozen")
        page.get_by_label("Amount (EUR)", exact=True).first.fill("1500")
        bank_b.check("alert-record")
        page.get_by_role("button", name="Record the outcome").click()
        expect(page.get_by_text("The outcome was recorded")).to_be_visible()
        page = bank_a.go(alert_path)
        expect(page.get_by_text("Funds frozen")).to_be_visible()
        expect(page.get_by_text("1,500.00 EUR")).to_be_visible()
        bank_a.check("alert-outcome")
        page.screenshot(path=str(SHOTS / "readme-alert.png"))

        # Part 2 by keyboard alone: the box filtered by the payment's UETR as a desk pastes it.
        page = bank_a.go("/console/alerts?box=sent")
        key_in(page, page.get_by_label("UETR or end-to-end ID"), "EB6305C9-1F7F-49DE-AED0-16487C27B42D")
        page.keyboard.press("Enter")
        expect(page.get_by_role("row").filter(has_text="2,500.00 EUR")).to_have_count(1)
        expect(page.get_by_label("UETR or end-to-end ID")).to_have_value("EB6305C9-1F7F-49DE-AED0-16487C27B42D")
        bank_a.check("alerts-filtered")
        key_press(page, page.get_by_role("link", name="Mule accounts"))
        expect(page.get_by_role("heading", name="Mule accounts")).to_be_visible()
        bank_a.check("mules")
        # A new report, its values added one row at a time, each checked beside its field.
        page = bank_a.go("/console/reports")
        key_press(page, page.get_by_role("link", name="New report"))
        expect(page.get_by_role("heading", name="New report")).to_be_visible()
        key_in(page, page.get_by_label("Title"), "Courier refund scam " + CANARY)
        key_choose(page, page.get_by_label("Category"), "Online shop")
        tab_to(page, page.get_by_role("radio", name=re.compile("^TLP:AMBER ")))
        page.keyboard.press("ArrowUp")
        expect(page.get_by_role("radio", name=re.compile("^TLP:GREEN "))).to_be_checked()
        key_in(page, page.get_by_label("What happened"), "Victims pay a fake courier's customs fee.")
        key_in(page, page.get_by_label("Value", exact=True), "XK05 1212 0123 4567 8907")
        key_press(page, page.get_by_role("button", name="Check and add another value"))
        expect(page.get_by_role("alert").filter(has_text="Value:")).to_be_visible()
        bank_a.check("report-new-error")
        field = page.get_by_label("Value", exact=True).first
        field.evaluate("e => e.focus()")
        page.keyboard.press("Control+A")
        page.keyboard.type("XK05 1212 0123 4567 8906")
        page.keyboard.press("Enter")
        expect(page.get_by_text("Kept as")).to_be_visible()
        key_in(page, page.get_by_label("Value", exact=True).nth(1), "courier-customs-fee.example")
        key_press(page, page.get_by_role("button", name="Submit the report"))
        expect(page.get_by_text("The report was submitted.")).to_be_visible()
        expect(page.get_by_text("TLP:GREEN")).to_be_visible()
        expect(page.get_by_text("courier-customs-fee[.]example")).to_be_visible()
        bank_a.check("report-mine")
        # Integration: an API key shown once and copied with its button; webhooks; watchlists.
        bank_a.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=BASE)
        page = bank_a.go("/console/organisation/api-keys")
        key_in(page, page.get_by_label("Name"), "payments")
        tab_to(page, page.get_by_label("indicators:lookup"))
        page.keyboard.press("Space")
        key_press(page, page.get_by_role("button", name="Create the key"))
        key = page.locator("#the-key").inner_text().strip()
        if not key.startswith("cbk_"):
            fail(f"the new key is not shown: {key!r}")
        key_press(page, page.get_by_role("button", name="Copy"))
        expect(page.get_by_text("Copied.")).to_be_visible()
        if page.evaluate("navigator.clipboard.readText()") != key:
            fail("the copy button did not copy the key")
        bank_a.check("api-key-created")
        page = bank_a.go("/console/organisation/webhooks")
        bank_a.check("webhooks")
        page = bank_a.go("/console/watchlists")
        key_in(page, page.get_by_label("Name"), "Our customers")
        key_in(page, page.get_by_label("Values"), iban_xk("15", 4242))
        key_press(page, page.get_by_role("button", name="Create the watchlist"))
        expect(page.get_by_text("The watchlist was saved.")).to_be_visible()
        bank_a.check("watchlist")
        for person in (bank_a, bank_b):
            person.context.close()
        # The demo's trace over three banks, as the police see it: the picture and its table.
        page = officer.go("/console/alerts")
        officer.check("alerts-all")
        page.get_by_role("row").filter(has_text="9,500.00 EUR").get_by_role("link").first.click()
        page.get_by_role("link", name="The money trail (picture and table)").click()
        expect(page.get_by_role("heading", name="The money trail")).to_be_visible()
        expect(page.get_by_role("img", name="The money trail, hop by hop")).to_be_visible()
        expect(page.get_by_role("table").get_by_text("Demo Bank C").first).to_be_visible()
        officer.check("trace")
        page.screenshot(path=str(SHOTS / "readme-trace.png"))
        with page.expect_download() as caught:
            page.get_by_role("link", name="Download the picture (SVG)").click()
        if not pathlib.Path(caught.value.path()).read_text().startswith("<svg"):
            fail("the downloaded picture is not an SVG")

        # A form on another site posting to the console is refused.
        server, attacker = attacker_site(BASE + request_path + "/transition")
        page = officer.page
        page.goto(attacker)
        page.get_by_role("button", name="Win a prize").click()
        expect(page.get_by_text("another site")).to_be_visible()
        officer.errors = [e for e in officer.errors if "403" not in e]
        server.shutdown()
        page = officer.go(request_path)
        expect(page.get_by_text("Answered").first).to_be_visible()

        # The account page; an ended session locks the other browser out.
        second = Person(browser, "officer-elsewhere")
        second.sign_in(OFFICER)
        page = officer.go("/console/account")
        officer.check("account")
        page.get_by_role("button", name="Sign out everywhere").click()
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        page = second.go("/console/requests")
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()

        # The overseers: the regulator lands on the trends, reads a table drawn and tabled
        # (withheld cells shown as withheld), the per-bank table, and verifies the audit trail.
        regulator = Person(browser, "regulator")
        page = regulator.go("/console/sign-in")
        page.get_by_label("E-mail").fill("admin@regulator.demo.example")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Trends")).to_be_visible()
        expect(page.get_by_role("img", name="Reports per month")).to_be_visible()
        regulator.check("trends")
        page.get_by_role("link", name="Reports by category and country").click()
        expect(page.get_by_role("img", name="Reports", exact=True)).to_be_visible()
        expect(page.get_by_text("Platform-reported, not official statistics.")).to_be_visible()
        expect(page.get_by_role("cell", name=re.compile("withheld")).first).to_be_visible()
        regulator.check("trend-reports")
        page.screenshot(path=str(SHOTS / "readme-trends.png"))
        with page.expect_download() as caught:
            page.get_by_role("link", name="Download as CSV").click()
        if "platform-reported, not official statistics" not in pathlib.Path(caught.value.path()).read_text():
            fail("the downloaded table does not say what it is")
        page = regulator.go("/console/trends")
        page.get_by_role("link", name="The alert funnel").click()
        expect(page.get_by_role("img", name="Alerts from country to country")).to_be_visible()
        regulator.check("trend-funnel")
        page = regulator.go("/console/trends")
        page.get_by_role("link", name="Per receiving bank (regulators only)").click()
        expect(page.get_by_role("rowheader", name="Demo Bank A").first).to_be_visible()
        page = regulator.go("/console/audit")
        expect(page.get_by_role("heading", name="The signed head")).to_be_visible()
        regulator.check("audit")
        page.get_by_role("button", name="Verify").click()
        expect(page.get_by_text("The chain is intact.")).to_be_visible()
        regulator.check("audit-verified")
        if regulator.errors:
            fail(f"regulator: console errors {regulator.errors}")
        regulator.context.close()

        # The inbox and a request in the other languages, at both widths.
        for locale, tag, email, password, button in [
            ("sq-AL", "sq", "E-mail", "Fjalëkalimi", "Hyni"),
            ("sr-Latn-RS", "sr-Latn", "E-pošta", "Lozinka", "Prijavi se"),
            ("sr-Cyrl-RS", "sr-Cyrl", "Е-пошта", "Лозинка", "Пријави се"),
        ]:
            person = Person(browser, f"desk-{tag}", locale=locale)
            person.go("/console/sign-in")
            person.page.get_by_label(email).fill(DESK)
            person.page.get_by_label(password, exact=True).fill(PASSWORD)
            person.page.get_by_role("button", name=button).click()
            person.page.wait_for_url(re.compile("/console/requests"))
            person.check(f"requests-inbox-{tag}")
            person.go(request_path)
            person.check(f"request-{tag}")
            person.go("/console/lookup?value=secure-demobank-login.example")
            person.page.get_by_role("search").get_by_role("button").click()
            expect(person.page.get_by_text("TLP:CLEAR")).to_be_visible()
            person.check(f"lookup-{tag}")
            person.context.close()

        for person in (officer, second, desk, prosecutor):
            if person.errors:
                fail(f"{person.name}: console errors {person.errors}")
        browser.close()
    print(f"{len(pages_checked)} page checks, screenshots in {SHOTS}")
    if failures:
        print(f"{len(failures)} failures", file=sys.stderr)
        sys.exit(1)
    print("console browser tests passed")


if __name__ == "__main__":
    main()
