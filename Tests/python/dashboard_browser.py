"""Browser test of the live dashboard in headless Chromium, through the DevTools protocol.

Drives a dashboard that is already serving --url from the lake directory --lake (empty at
start): checks the "no data yet" state, publishes gold results into the lake the way the
gold job does (atomic renames of gold/branch_daily.json, then gold/branch_metrics.json) and
checks that the cards, the bar charts, the trend charts and the table change without a
reload and without losing the scroll position, and that each shows what /api/branches and
/api/trends say, durations in the unit that fits them and never 0.0 for a non-zero value.
Then prints RESTART-REQUEST and waits for the page to lose and regain its event stream
while the caller restarts the server on the same port, publishes again, and checks the
page caught up by itself. The page runs under the dashboard's Content-Security-Policy:
the policy must be on the page's response, and any violation it reports fails the test
(an inline script, a data: URL, anything from elsewhere). Saves a screenshot to --screenshot. Standard library only (the
DevTools websocket is spoken over a raw socket). Exits non-zero, loudly, on any failure,
including a missing chromium.
"""
import argparse
import base64
import datetime
import json
import math
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

BRANCHES = ["Aveiro", "Braga", "Coimbra", "Faro", "Lisbon", "Porto", "Setubal", "Viseu"]


def fail(message):
    print(f"dashboard_browser: FAIL: {message}", flush=True)
    sys.exit(1)


class DevTools:
    """A minimal client of the Chrome DevTools protocol over one websocket."""

    def __init__(self, ws_url):
        rest = ws_url[len("ws://"):]
        hostport, path = rest.split("/", 1)
        host, port = hostport.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                fail("DevTools closed the websocket handshake")
            head += chunk
        if b" 101 " not in head.split(b"\r\n")[0]:
            fail(f"DevTools refused the websocket: {head[:200]!r}")
        self.buffer = head.split(b"\r\n\r\n", 1)[1]
        self.next_id = 0
        self.events = []

    def _read(self, count):
        while len(self.buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                fail("DevTools closed the websocket")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def _send_frame(self, opcode, payload):
        header = bytes([0x80 | opcode])
        length = len(payload)
        if length < 126:
            header += bytes([0x80 | length])
        elif length < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", length)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", length)
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _receive_message(self):
        message = b""
        while True:
            first, second = self._read(2)
            opcode, length = first & 0x0F, second & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(length)
            if opcode == 0x9:
                self._send_frame(0xA, payload)
                continue
            if opcode == 0x8:
                fail("DevTools closed the websocket")
            message += payload
            if first & 0x80:
                return json.loads(message)

    def call(self, method, **params):
        self.next_id += 1
        ident = self.next_id
        self._send_frame(0x1, json.dumps({"id": ident, "method": method, "params": params}).encode())
        while True:
            message = self._receive_message()
            if message.get("id") == ident:
                if "error" in message:
                    fail(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            fail(f"script failed: {result['exceptionDetails'].get('exception', {}).get('description', result)}")
        return result["result"].get("value")

    def wait_for(self, condition, what, timeout_ms=15000):
        """Waits, inside the page, until the JavaScript `condition` is true."""
        ok = self.evaluate(f"""new Promise(function(resolve) {{
            var deadline = Date.now() + {timeout_ms};
            (function check() {{
                var value = false; try {{ value = ({condition}); }} catch (e) {{}}
                if (value) resolve(true); else if (Date.now() > deadline) resolve(false); else setTimeout(check, 20);
            }})();
        }})""")
        if not ok:
            fail(f"timed out waiting for {what}; page says: {self.evaluate('document.body.innerText')[:1500]}; "
                 f"Content-Security-Policy violations: {self.evaluate('window.__cspViolations')}")


TREND_DAYS = 60  # the days the trend charts show


def daily_rows(batch):
    """Per-day figures over 70 days, durations from seconds to days, some days without a
    delivery (null) or without orders for a branch (no row)."""
    rows = []
    start = datetime.date(2026, 1, 1)
    for d in range(70 + batch % 3):
        for i, name in enumerate(BRANCHES):
            if (d + i) % 13 == 0:
                continue
            hours = None if (d * (i + 1) + batch) % 11 == 0 else [0.003, 0.5, 3.0, 30.0, 90.0][(d + i + batch) % 5] * (1 + i / 10)
            rows.append({"branch": name, "day": (start + datetime.timedelta(days=d)).isoformat(),
                         "order_count": 5 + (d * (i + 1) + batch) % 17, "avg_delivery_hours": hours})
    return rows


def publish(lake, batch, counts, hours):
    branches = [{"branch": name, "order_count": counts[i], "avg_delivery_hours": hours[i]} for i, name in enumerate(BRANCHES)]
    produced = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    os.makedirs(os.path.join(lake, "gold"), exist_ok=True)
    temporary = os.path.join(lake, "gold", ".branch_daily.json.tmp")
    with open(temporary, "w") as handle:
        json.dump({"produced_at": produced, "bronze_batch": batch, "rows": daily_rows(batch)}, handle)
    os.replace(temporary, os.path.join(lake, "gold", "branch_daily.json"))
    temporary = os.path.join(lake, "gold", ".branch_metrics.json.tmp")
    with open(temporary, "w") as handle:
        json.dump({"produced_at": produced, "bronze_batch": batch, "branches": branches}, handle)
    os.replace(temporary, os.path.join(lake, "gold", "branch_metrics.json"))
    bookmark = {"batch": batch, "committed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "tables": {}, "version": 1, "watermark": 1}
    os.makedirs(os.path.join(lake, "bronze"), exist_ok=True)
    with open(os.path.join(lake, "bronze", ".bookmark.tmp"), "w") as handle:
        json.dump(bookmark, handle)
    os.replace(os.path.join(lake, "bronze", ".bookmark.tmp"), os.path.join(lake, "bronze", "bookmark"))


def die_with_parent():
    """Chromium gets SIGKILL if this script is killed, so no browser outlives a test."""
    import ctypes
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL


def wait_for_server(url, timeout=60):
    """Waits until the dashboard answers /healthz (the caller starts it after us)."""
    deadline = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(url.rstrip("/") + "/healthz", timeout=5):
                return
        except OSError:
            if time.time() > deadline:
                fail(f"the dashboard at {url} did not answer within {timeout} s")
            time.sleep(0.05)


def await_devtools_port(process, timeout):
    """Reads Chromium's stderr until it announces "DevTools listening on ws://host:port/...";
    the port is what --remote-debugging-port=0 chose."""
    deadline = time.time() + timeout
    seen = []
    stream = process.stderr
    while True:
        left = deadline - time.time()
        if left <= 0:
            fail("chromium did not open its DevTools port within %d s: %s" % (timeout, b"".join(seen).decode()[-2000:]))
        ready, _, _ = select.select([stream], [], [], left)
        if not ready:
            continue
        line = stream.readline()
        if not line:
            process.wait()
            fail(f"chromium exited ({process.returncode}): {b''.join(seen).decode()[-2000:]}")
        seen.append(line)
        match = re.search(rb"DevTools listening on ws://[^:/]+:(\d+)/", line)
        if match:
            # Keep draining stderr so that Chromium never blocks on a full pipe.
            threading.Thread(target=lambda: [None for _ in stream], daemon=True).start()
            return int(match.group(1))


def text(devtools, selector):
    return devtools.evaluate(f"(function(){{var e=document.querySelector({json.dumps(selector)}); return e ? e.textContent : null;}})()")


def duration(hours):
    """A duration as the dashboard writes it (the unit that fits, sensible digits)."""
    size = abs(hours)
    value, unit = ((hours * 3600, "s") if size < 1 / 60 else (hours * 60, "min") if size < 1
                   else (hours, "h") if size < 48 else (hours / 24, "days"))
    size = abs(value)
    if size == 0:
        number = "0"
    elif size >= 10:
        number = "%.0f" % value
    elif size >= 1:
        number = "%.1f" % value
    else:
        number = "%.*f" % (min(9, 1 - math.floor(math.log10(size))), value)
    return f"{number} {unit}"


def api(url, path):
    with urllib.request.urlopen(url.rstrip("/") + path, timeout=30) as response:
        return json.load(response)


def check_against_api(devtools, url):
    """Cards, bar charts, table and trend charts show what /api/branches and /api/trends say."""
    branches, trends = api(url, "/api/branches"), api(url, "/api/trends")
    if branches["version"] != devtools.evaluate("document.getElementById('live').dataset.version"):
        fail("the page and /api/branches show different versions")
    rows = branches["branches"]
    hours = {row["branch"]: row["avg_delivery_hours"] for row in rows}
    fastest = branches["fastest_delivery"]
    expected_fastest = f"{duration(hours[fastest])} average delivery" if fastest else "no deliveries yet"
    by_hours = sorted(rows, key=lambda r: (r["avg_delivery_hours"] is None, r["avg_delivery_hours"] or 0, r["branch"]))
    page = devtools.evaluate("""(function(){
        function all(s){ return Array.from(document.querySelectorAll(s)); }
        function series(id){ var r = {}; all(id + ' g.series').forEach(function(g){
            r[g.dataset.series] = Array.from(g.querySelectorAll('circle')).map(function(c){
                return [c.dataset.day, c.querySelector('title').textContent]; }); }); return r; }
        return {
          most: document.querySelector('#card-most-orders .name').textContent,
          fastest: document.querySelector('#card-fastest .name').textContent,
          fastestFigure: document.querySelector('#card-fastest .figure').textContent,
          orderBars: all('#chart-orders .bar > title').map(function(e){ return e.textContent; }),
          hourBars: all('#chart-hours .bar > title').map(function(e){ return e.textContent; }),
          table: all('#branches tbody tr').map(function(r){ return Array.from(r.children).map(function(c){ return c.textContent; }); }),
          legend: all('#trends-legend li').map(function(e){ return e.textContent; }),
          trendOrders: series('#trend-orders'), trendHours: series('#trend-hours'),
          texts: [document.body.innerText].concat(all('svg title, svg text').map(function(e){ return e.textContent; }))
        };
    })()""")
    days = trends["days"][-TREND_DAYS:]
    expected = {
        "most orders card": (page["most"], branches["most_orders"]),
        "fastest card": (page["fastest"], fastest or "—"),
        "fastest card figure": (page["fastestFigure"], expected_fastest),
        "orders bars": (page["orderBars"], [f"{r['branch']}: {r['order_count']:,} orders" for r in rows]),
        "delivery bars": (page["hourBars"], [f"{r['branch']}: " + (duration(r["avg_delivery_hours"]) if r["avg_delivery_hours"] is not None
                                                                   else "no deliveries yet") for r in by_hours]),
        "table": (page["table"], [[r["branch"], f"{r['order_count']:,}", duration(r["avg_delivery_hours"])
                                   if r["avg_delivery_hours"] is not None else "no deliveries yet"] for r in rows]),
        "trend legend": (page["legend"], [b["branch"] for b in trends["branches"]]),
        "trend orders": (page["trendOrders"], {b["branch"]: [[p["day"], f"{b['branch']}, {p['day']}: {p['order_count']:,} orders"]
                                                             for p in b["points"] if p["day"] in days] for b in trends["branches"]}),
        "trend delivery times": (page["trendHours"], {b["branch"]: [[p["day"], f"{b['branch']}, {p['day']}: {duration(p['avg_delivery_hours'])}"]
                                                                    for p in b["points"] if p["day"] in days and p["avg_delivery_hours"] is not None]
                                                      for b in trends["branches"]}),
    }
    for what, (got, want) in expected.items():
        if got != want:
            fail(f"{what}: the page shows {str(got)[:600]}, the API says {str(want)[:600]}")
    if not trends["days"] or len(page["trendOrders"]) != len(BRANCHES):
        fail(f"the trend charts are empty: {trends['days'][:3]}, {list(page['trendOrders'])}")
    # Every duration in the fixtures is above zero: none may read as zero.
    for text in page["texts"]:
        zero = re.search(r"(?<![\d.])0(?:\.0+)? (?:s|min|h|days)\b(?! ago)", text)
        if zero:
            fail(f"a duration reads {zero.group(0)!r}: {text[max(0, zero.start() - 80):zero.end() + 20]!r}")


def check_content_security_policy(devtools, url):
    """The page's response carried the policy, and nothing on the page violated it."""
    policies = [
        value for event in devtools.events if event.get("method") == "Network.responseReceived"
        and event["params"]["response"]["url"] == url
        for name, value in event["params"]["response"]["headers"].items() if name.lower() == "content-security-policy"
    ]
    if not policies or "default-src 'self'" not in policies[-1]:
        fail(f"the page was served without a Content-Security-Policy of default-src 'self' ({policies})")
    violations = devtools.evaluate("window.__cspViolations")
    if violations is None:
        fail("the Content-Security-Policy violation listener was not installed")
    if violations:
        fail(f"the page violated its Content-Security-Policy: {violations}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--lake", required=True)
    parser.add_argument("--screenshot", required=True)
    parser.add_argument("--chromium", default=os.environ.get("MEDALLION_CHROMIUM", "chromium"))
    args = parser.parse_args()

    chromium = shutil.which(args.chromium)
    if chromium is None:
        fail(f"{args.chromium} is not installed (Debian package chromium): run scripts/setup")
    profile = tempfile.mkdtemp(prefix="medallion-chromium-")
    process = subprocess.Popen([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                "--disable-extensions", "--disable-background-networking", "--disable-dev-shm-usage",
                                "--hide-scrollbars", f"--user-data-dir={profile}", "--remote-debugging-port=0",
                                "--window-size=1280,600", "about:blank"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, bufsize=0,
                               preexec_fn=die_with_parent)
    try:
        devtools_port = await_devtools_port(process, timeout=60)
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{devtools_port}/json/list", timeout=30))
        page = next(t for t in targets if t.get("type") == "page")
        devtools = DevTools(page["webSocketDebuggerUrl"])
        devtools.call("Network.enable")
        devtools.call("Page.enable")
        # Before any of the page's own code runs, so no violation is missed.
        devtools.call("Page.addScriptToEvaluateOnNewDocument", source="""
            window.__cspViolations = [];
            document.addEventListener("securitypolicyviolation", function(e) {
              window.__cspViolations.push(e.effectiveDirective + " blocked " + (e.blockedURI || "inline") +
                                          " (" + e.sourceFile + ":" + e.lineNumber + ")");
            });""")
        wait_for_server(args.url)
        devtools.call("Page.navigate", url=args.url)
        devtools.wait_for("document.readyState === 'complete' && window.dashboardConnected === true", "the page to load and connect")

        check_content_security_policy(devtools, args.url)

        # Before any data: said plainly, with what the page waits for.
        body = devtools.evaluate("document.body.innerText")
        if "No data yet" not in body or "Waiting for the first bronze batch" not in body:
            fail(f"the empty lake is not shown as 'No data yet', waiting for the first bronze batch: {body[:500]}")

        # First result: cards appear without a reload.
        devtools.evaluate("window.__sameDocument = 'yes'")
        publish(args.lake, 811, [50, 90, 40, 30, 120, 110, 20, 10], [60.0, 3.1, 0.4, 0.0025, 6.0, 4.4, None, 3.3])
        devtools.wait_for("document.querySelector('#card-most-orders .name') && "
                          "document.querySelector('#card-most-orders .name').textContent === 'Lisbon'", "the first result")
        if text(devtools, "#card-fastest .name") != "Faro":
            fail(f"fastest delivery should be Faro, page shows {text(devtools, '#card-fastest .name')}")
        first_bar = text(devtools, "#chart-orders .bar title")
        if first_bar != "Lisbon: 120 orders":
            fail(f"the orders chart should start with Lisbon, starts with {first_bar}")
        if text(devtools, "#card-fastest .figure") != "9.0 s average delivery":
            fail(f"Faro's 0.0025 h should read 9.0 s, the card says {text(devtools, '#card-fastest .figure')}")
        check_against_api(devtools, args.url)

        # A new result: everything changes in place, scroll position kept.
        height = devtools.evaluate("document.documentElement.scrollHeight - window.innerHeight")
        if height < 150:
            fail(f"the page is not tall enough to check the scroll position ({height}px)")
        devtools.evaluate("window.scrollTo(0, 150)")
        devtools.wait_for("window.scrollY === 150", "the page to scroll")
        publish(args.lake, 812, [50, 90, 40, 30, 120, 210, 20, 10], [4.0, 1.5, 5.5, 2.2, 6.0, 4.4, 2.0, 3.3])
        devtools.wait_for("document.querySelector('#card-most-orders .name').textContent === 'Porto'", "the second result")
        checks = {
            "fastest card": (text(devtools, "#card-fastest .name"), "Braga"),
            "orders chart first bar": (text(devtools, "#chart-orders .bar title"), "Porto: 210 orders"),
            "hours chart first bar": (text(devtools, "#chart-hours .bar title"), "Braga: 1.5 h"),
            "table first row": (text(devtools, "#branches tbody th"), "Porto"),
            "gold batch": (text(devtools, "#gold-batch"), "812"),
            "same document (no reload)": (devtools.evaluate("window.__sameDocument"), "yes"),
            "scroll position": (devtools.evaluate("window.scrollY"), 150),
        }
        for what, (got, want) in checks.items():
            if got != want:
                fail(f"{what}: expected {want!r}, got {got!r}")
        check_against_api(devtools, args.url)
        print("dashboard_browser: updated in place without a reload", flush=True)

        # The server restarts: the page reconnects by itself and catches up.
        print("RESTART-REQUEST", flush=True)
        devtools.wait_for("window.dashboardConnected === false", "the page to notice the server went away", 60000)
        publish(args.lake, 813, [50, 90, 40, 30, 320, 210, 20, 10], [4.0, 1.5, 5.5, 2.2, 6.0, 4.4, 2.0, 0.9])
        devtools.wait_for("window.dashboardConnected === true && "
                          "document.querySelector('#card-most-orders .name').textContent === 'Lisbon'",
                          "the page to reconnect and show the result published while the server was down", 60000)
        if devtools.evaluate("window.__sameDocument") != "yes":
            fail("the page reloaded on reconnect")
        if text(devtools, "#card-fastest .name") != "Viseu":
            fail(f"after reconnecting, fastest should be Viseu, got {text(devtools, '#card-fastest .name')}")
        check_against_api(devtools, args.url)
        print("dashboard_browser: reconnected after the restart", flush=True)

        check_content_security_policy(devtools, args.url)

        # Nothing was loaded from anywhere but the dashboard.
        origin = args.url.rstrip("/")
        for event in devtools.events:
            if event.get("method") == "Network.requestWillBeSent":
                url = event["params"]["request"]["url"]
                if not (url.startswith(origin) or url.startswith("data:")):
                    fail(f"the page loaded {url}; it must be self-contained")

        devtools.evaluate("window.scrollTo(0, 0)")
        full = devtools.evaluate("document.documentElement.scrollHeight")
        devtools.call("Emulation.setDeviceMetricsOverride", width=1280, height=full, deviceScaleFactor=1, mobile=False)
        devtools.wait_for("window.innerHeight >= document.documentElement.scrollHeight", "the viewport to grow")
        shot = devtools.call("Page.captureScreenshot", format="png")
        os.makedirs(os.path.dirname(os.path.abspath(args.screenshot)), exist_ok=True)
        with open(args.screenshot, "wb") as handle:
            handle.write(base64.b64decode(shot["data"]))
        print(f"dashboard_browser: screenshot {args.screenshot} ({full}px tall)", flush=True)
        print("BROWSER OK", flush=True)
    finally:
        process.kill()
        process.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
