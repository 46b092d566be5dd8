#!/usr/bin/env python3
"""tcpstats-reader --listen, scraped every second by Debian's real Prometheus.

Two instances of the tool run: "tcpstats" (default bound) watches loopback
traffic this test drives; "bound" (--max-ports 20) watches 300 listening
ports opened by the test. Everything is checked through Prometheus's HTTP
API, plus promtool's lint of a text scrape, the structure of an OpenMetrics
scrape, and clients that send nothing or junk while a scrape goes on.

  prometheus_test.py TCPSTATS_READER      (needs prometheus and promtool)

Every wait is bounded and polls for its condition; no port is fixed: the
tool and the test's servers take ports from the kernel, Prometheus a free
one (retried if taken in the meantime).
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

TOOL = sys.argv[1]
PROMETHEUS = shutil.which("prometheus")
PROMTOOL = shutil.which("promtool")
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)
    return condition


def wait_for(predicate, what, timeout=60.0, every=0.5):
    """Polls `predicate` until it returns a true value or `timeout` passes."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    check(False, f"{what} (waited {timeout:.0f} s; last: {value!r})")
    return None


def http_get(url, headers=None, timeout=5.0):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


class Tool:
    """tcpstats-reader --listen 127.0.0.1:0 ARGS; its port from stderr."""

    def __init__(self, *args):
        self.process = subprocess.Popen([TOOL, "--listen", "127.0.0.1:0", *args], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.port = None
        ready = threading.Event()

        def read():
            for line in self.process.stderr:
                self.lines.append(line)
                found = re.search(r"serving http://127\.0\.0\.1:(\d+)/metrics", line)
                if found:
                    self.port = int(found.group(1))
                    ready.set()
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        ready.wait(30)
        if self.port is None:
            raise RuntimeError("tcpstats-reader did not say where it listens: " + "".join(self.lines))

    def url(self):
        return f"http://127.0.0.1:{self.port}/metrics"

    def stop(self):
        self.process.terminate()
        try:
            return self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prometheus:
    def __init__(self, directory, targets):
        config = os.path.join(directory, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n")
            for job, port in targets.items():
                f.write(f"  - job_name: {job}\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n")
        for attempt in range(5):
            self.port = free_port()
            log = open(os.path.join(directory, f"prometheus-{attempt}.log"), "w")
            self.process = subprocess.Popen(
                [PROMETHEUS, "--config.file", config, "--storage.tsdb.path", os.path.join(directory, "data"),
                 "--web.listen-address", f"127.0.0.1:{self.port}", "--enable-feature=exemplar-storage"],
                stdout=log, stderr=subprocess.STDOUT)
            if wait_for(self.ready, "prometheus ready", timeout=60):
                return
            self.process.kill()
            self.process.wait()
        raise RuntimeError("prometheus did not start")

    def ready(self):
        if self.process.poll() is not None:
            return "exited"  # e.g. its port was taken: the caller retries
        try:
            return http_get(f"http://127.0.0.1:{self.port}/-/ready", timeout=2)[0] == 200
        except OSError:
            return False

    def api(self, path, **params):
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}?" + urllib.parse.urlencode(params)
        status, _, body = http_get(url)
        answer = json.loads(body)
        if answer.get("status") != "success":
            raise RuntimeError(f"{path} {params}: {body}")
        return answer["data"]

    def query(self, expr):
        """The instant vector of `expr` as {frozen labels: float}."""
        result = self.api("query", query=expr)["result"]
        return {tuple(sorted(r["metric"].items())): float(r["value"][1]) for r in result}

    def scalar(self, expr):
        values = list(self.query(expr).values())
        return values[0] if len(values) == 1 else None

    def stop(self):
        self.process.terminate()
        self.process.wait(30)


class Service:
    """A loopback server on a kernel-chosen port that reads and counts what it receives."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(512)
        self.port = self.listener.getsockname()[1]
        self.received = 0
        self.accepted = []
        self.lock = threading.Lock()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.accepted.append(conn)
            threading.Thread(target=self.drain, args=(conn,), daemon=True).start()

    def drain(self, conn):
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                return
            if not data:
                conn.close()
                return
            with self.lock:
                self.received += len(data)

    def connect(self, count, payload):
        clients = []
        for _ in range(count):
            c = socket.create_connection(("127.0.0.1", self.port))
            c.sendall(b"x" * payload)
            clients.append(c)
        return clients


def main():
    if not PROMETHEUS or not PROMTOOL:
        print("prometheus and promtool are needed (tools/install-deps.sh installs them)")
        return 1
    scratch = tempfile.mkdtemp(prefix="tcpstats-prometheus-")
    service = Service()
    P = service.port
    first = service.connect(5, 200_000)
    tool = Tool("-i", "500ms", "--cgroups")
    bound = Tool("-i", "500ms", "--max-ports", "20")
    prometheus = Prometheus(scratch, {"tcpstats": tool.port, "bound": bound.port})
    try:
        run_checks(prometheus, tool, bound, service, first)
    finally:
        prometheus.stop()
        for t in (tool, bound):
            status = t.stop()
            check(status == 0, f"SIGTERM ends the tool cleanly (exit status {status})")
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"{len(failures) == 0 and 'all checks passed' or str(len(failures)) + ' checks failed'}")
    return 1 if failures else 0


def run_checks(prometheus, tool, bound, service, first):
    P = service.port
    port = f'port="{P}"'
    wait_for(lambda: prometheus.scalar('sum(up{job=~"tcpstats|bound"})') == 2, "up == 1 for both instances")

    # Both ends of each loopback connection are on this host and count under P.
    wait_for(lambda: prometheus.scalar(f'sum(tcpstats_connections{{job="tcpstats",state="established",{port}}})') == 10,
             "5 loopback connections: 10 established sockets under port P")
    check(prometheus.scalar(f'tcpstats_connections{{job="tcpstats",state="listen",{port}}}') == 1, "P's listener")
    wait_for(lambda: (prometheus.scalar(f'tcpstats_bytes_received_total{{job="tcpstats",{port}}}') or 0) >= 1_000_000,
             "bytes received on P reach the 1 MB sent")
    check((prometheus.scalar(f'tcpstats_bytes_sent_total{{job="tcpstats",{port}}}') or 0) >= 1_000_000,
          "bytes sent on P reach the 1 MB sent")

    # The RTT histogram: cumulative buckets, +Inf == count == the live sockets with an RTT.
    buckets = wait_for(lambda: prometheus.query(f'tcpstats_rtt_seconds_bucket{{job="tcpstats",{port}}}'),
                       "RTT buckets for P")
    if buckets:
        by_le = sorted((float(dict(k)["le"]), v) for k, v in buckets.items())
        check(len(by_le) == 20 and by_le[-1][0] == float("inf"), f"20 buckets up to +Inf ({len(by_le)})")
        check(all(a[1] <= b[1] for a, b in zip(by_le, by_le[1:])), "buckets are cumulative")
        count = prometheus.scalar(f'tcpstats_rtt_seconds_count{{job="tcpstats",{port}}}')
        check(by_le[-1][1] == count == 10, f"+Inf bucket == count == 10 ({by_le[-1][1]}, {count})")
        check(by_le[0][0] == 1e-05 and by_le[-2][0] == 10, "buckets from 10 us to 10 s")
    p99 = prometheus.scalar(f'histogram_quantile(0.99, sum by (le) (tcpstats_rtt_seconds_bucket{{job="tcpstats",{port}}}))')
    check(p99 is not None and 0 < p99 <= 10, f"RTT p99 for P from the buckets ({p99})")

    # Exemplars exist only in OpenMetrics: Prometheus negotiated it.
    now = time.time()
    exemplars = wait_for(lambda: prometheus.api("query_exemplars", query=f'tcpstats_rtt_seconds_bucket{{{port}}}',
                                                start=now - 300, end=time.time() + 60),
                         "exemplars on P's RTT buckets")
    if exemplars:
        labels = exemplars[0]["exemplars"][0]["labels"]
        check(re.fullmatch(r"\d+", labels.get("socket_id", "")) is not None, f"an exemplar names a socket id ({labels})")

    # All five connections close: their bytes stay in the counters.
    for c in first:
        c.close()
    wait_for(lambda: prometheus.scalar(f'sum(tcpstats_connections{{job="tcpstats",state="established",{port}}})') == 0,
             "no established socket under P after the closes")
    # A second wave: 3 more connections carry 300 KB, are seen, then close.
    second = service.connect(3, 100_000)
    wait_for(lambda: (prometheus.scalar(f'tcpstats_bytes_received_total{{job="tcpstats",{port}}}') or 0) >= 1_300_000,
             "bytes received on P reach 1.3 MB with the second wave")
    for c in second:
        c.close()
    wait_for(lambda: prometheus.scalar(f'sum(tcpstats_connections{{job="tcpstats",state="established",{port}}})') == 0,
             "the second wave closed")
    time.sleep(3)  # a few scrapes after the last close
    check(service.received == 1_300_000, f"the service received 1.3 MB ({service.received})")
    for name in ("bytes_received", "bytes_sent"):
        value = prometheus.scalar(f'tcpstats_{name}_total{{job="tcpstats",{port}}}')
        check(value is not None and value >= 1_300_000, f"{name} keeps closed connections' 1.3 MB ({value})")
        resets = prometheus.scalar(f'resets(tcpstats_{name}_total{{job="tcpstats",{port}}}[5m])')
        check(resets == 0, f"no reset of {name} ({resets})")
    # A third wave of 50 connections that each carry 10 KB and close within
    # milliseconds, mostly between two passes: the kernel's destroy events
    # still bring what they carried.
    before = service.received
    for c in service.connect(50, 10_000):
        c.close()
    wait_for(lambda: service.received == before + 500_000, "the service received the third wave's 500 KB")
    # (Those no pass saw have no cgroup: a destroy message does not carry it.)
    for name in ("bytes_received", "bytes_sent"):
        wait_for(lambda: (prometheus.scalar(f'sum(tcpstats_{name}_total{{job="tcpstats",{port}}})') or 0) >= 1_800_000,
                 f"{name} on P counts the short connections too (1.8 MB)")
    dropped = prometheus.scalar('tcpstats_destroy_events_dropped_total{job="tcpstats"}')
    check(dropped == 0, f"no destroy event was dropped ({dropped})")
    resets = [prometheus.scalar(f'sum(resets(tcpstats_{name}_total{{job="tcpstats"}}[5m]))')
              for name in ("bytes_sent", "bytes_received", "retransmitted_segments")]
    check(resets == [0, 0, 0], f"no counter of any port was reset ({resets})")

    check_text_and_openmetrics(tool)
    check_slow_clients(tool)
    check_cgroups(prometheus)
    check_bound(prometheus, bound)


def check_text_and_openmetrics(tool):
    status, headers, text = http_get(tool.url(), {"Accept": "text/plain"})
    check(status == 200 and headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"),
          f"a text scrape ({status}, {headers.get('Content-Type')})")
    lint = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True)
    check(lint.returncode == 0 and not lint.stdout.strip() and not lint.stderr.strip(),
          f"promtool check metrics is clean ({lint.returncode}: {lint.stdout}{lint.stderr})")

    status, headers, om = http_get(tool.url(), {"Accept": "application/openmetrics-text;version=1.0.0"})
    check(status == 200 and headers.get("Content-Type", "").startswith("application/openmetrics-text; version=1.0.0"),
          f"an OpenMetrics scrape ({status}, {headers.get('Content-Type')})")
    check(om.endswith("# EOF\n") and om.count("# EOF") == 1, "OpenMetrics ends with # EOF, once")
    families = {}
    structure_ok = True
    for line in om.splitlines()[:-1]:
        typed = re.fullmatch(r"# TYPE (\w+) (counter|gauge|histogram)", line)
        if typed:
            families[typed.group(1)] = typed.group(2)
            structure_ok &= not typed.group(1).endswith("_total")
            continue
        if line.startswith("# HELP ") or line.startswith("# UNIT "):
            continue
        sample = re.fullmatch(r'(\w+)(\{[^}]*\})? (\S+)( # \{[^}]*\} \S+)?', line)
        if not sample:
            structure_ok = False
            print("  unparsed:", line)
            continue
        name = sample.group(1)
        family = next((f for f in (name, re.sub(r"_(total|bucket|count|sum)$", "", name)) if f in families), None)
        kind = families.get(family)
        if kind is None or (kind == "counter" and not name.endswith("_total")) or \
                (sample.group(4) and kind != "histogram"):
            structure_ok = False
            print("  out of place:", line)
    check(structure_ok and families.get("tcpstats_bytes_sent") == "counter" and
          families.get("tcpstats_rtt_seconds") == "histogram",
          "OpenMetrics: every sample under its TYPE, counters typed without _total, exemplars on buckets only")

    status, _, _ = http_get(tool.url().replace("/metrics", "/other"))
    check(status == 404, f"another path is 404 ({status})")
    request = urllib.request.Request(tool.url(), data=b"x", method="POST")
    try:
        urllib.request.urlopen(request, timeout=5)
        status = 200
    except urllib.error.HTTPError as error:
        status = error.code
    check(status == 405, f"POST /metrics is 405 ({status})")


def check_slow_clients(tool):
    """Clients that send nothing, trickle, or send junk hold at most a worker
    each, for at most the request deadline (1 s to read a request): a scrape
    meanwhile is answered at once, and collection goes on."""
    address = ("127.0.0.1", tool.port)
    silent = [socket.create_connection(address) for _ in range(4)]
    trickle = socket.create_connection(address)
    junk = socket.create_connection(address)
    junk.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
    passes = lambda: re.search(r"^tcpstats_passes_total (\d+)$", http_get(tool.url())[2], re.M)
    before = int(passes().group(1))
    started = time.monotonic()
    status, _, body = http_get(tool.url(), timeout=5)
    took = time.monotonic() - started
    # Blocked behind the slow clients, it would take at least their 1 s deadline.
    check(status == 200 and "tcpstats_connections" in body and took < 1.0,
          f"a scrape beside 6 slow or junk clients is answered at once ({status}, {took:.3f} s)")
    reply = junk.recv(4096)
    check(reply.startswith(b"HTTP/1.1 400"), f"junk gets 400 ({reply[:20]!r})")
    # The trickling client keeps sending a byte every 100 ms: the server
    # closes it at the read deadline all the same.
    trickle.settimeout(0.1)
    cut_after = None
    started = time.monotonic()
    while time.monotonic() - started < 10:
        try:
            trickle.send(b"G")
            if trickle.recv(4096) == b"":
                cut_after = time.monotonic() - started
                break
        except socket.timeout:
            continue
        except OSError:
            cut_after = time.monotonic() - started
            break
    check(cut_after is not None and cut_after < 5, f"a trickling client is cut off ({cut_after})")
    for s in silent:
        s.settimeout(10)
        try:
            closed = s.recv(1) == b""
        except OSError:
            closed = True
        check(closed, "a silent client is closed by the server")
        s.close()
    trickle.close()
    junk.close()
    check(wait_for(lambda: int(passes().group(1)) >= before + 2, "passes go on", timeout=20) is not None,
          "collection went on meanwhile")


# Joins the cgroup whose directory is argv[1], then opens a listener and a
# connection to it carrying 1,000 bytes; prints the port, holds until stdin ends.
CGROUP_SERVICE = r'''
import os, socket, sys
with open(os.path.join(sys.argv[1], "cgroup.procs"), "w") as f:
    f.write(str(os.getpid()))
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(4)
client = socket.create_connection(listener.getsockname())
server, _ = listener.accept()
client.sendall(b"x" * 1000)
server.recv(1000)
print(listener.getsockname()[1], flush=True)
sys.stdin.read()
'''


def cgroup2_root():
    """Where the cgroup2 hierarchy is mounted, or None."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            before, _, after = line.partition(" - ")
            if after.startswith("cgroup2 "):
                return before.split()[4]
    return None


def check_cgroups(prometheus):
    """--cgroups: a service started in a cgroup of its own counts under that
    cgroup's path, the one ss --cgroup prints."""
    root = cgroup2_root()
    if root is None or not os.access(root, os.W_OK):
        print(f"  skipped --cgroups: no writable cgroup2 hierarchy here ({root})")
        return
    name = f"tcpstats-test-{os.getpid()}"
    directory = os.path.join(root, name)
    os.mkdir(directory)
    child = subprocess.Popen([sys.executable, "-c", CGROUP_SERVICE, directory], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        port = child.stdout.readline().strip()
        check(port.isdigit(), f"a service in cgroup /{name} ({port})")
        series = f'tcpstats_connections{{job="tcpstats",port="{port}",cgroup="/{name}"}}'
        wait_for(lambda: prometheus.scalar(f"sum({series})") == 3, f"sum({series}) == 3 (listener and both ends)")
        ss = subprocess.run(["ss", "-tlnH", "--cgroup", f"sport = :{port}"], capture_output=True, text=True).stdout
        check(f"cgroup:/{name}" in ss, f"ss --cgroup names the same cgroup ({ss.strip()})")
    finally:
        child.stdin.close()
        child.wait(10)
        os.rmdir(directory)


def check_bound(prometheus, bound):
    """300 listening ports under --max-ports 20: at most 20 port values and
    other in each scrape."""
    listeners = []
    for _ in range(300):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        listeners.append(s)
    job = 'job="bound"'
    wait_for(lambda: (prometheus.scalar(f'sum(tcpstats_connections{{{job},port="other",state="listen"}})') or 0) >= 280,
             "at least 280 of the 300 listeners counted under other")
    dropped = prometheus.scalar(f'tcpstats_label_sets_dropped{{{job}}}')
    check(dropped is not None and dropped >= 280, f"label sets dropped by the bound ({dropped})")
    time.sleep(5)
    # In every scrape. (Over the run, a port whose connections carry data,
    # say another test's, may take the place of one only listened on.)
    widest = prometheus.scalar(f'max_over_time(count(count by (port) (tcpstats_connections{{{job}}}))[5m:500ms])')
    check(widest is not None and widest <= 21, f"at most 20 ports and other in any scrape ({widest})")
    for s in listeners:
        s.close()


if __name__ == "__main__":
    sys.exit(main())
