#!/usr/bin/env python3
"""Issue 15's "done when": one service port with 200 connections carrying
20 MB, then half of them closing, beside 300 other single-connection
services, watched by tcpstats-reader --listen and a real Prometheus.

The servers run in a network namespace of their own ("host" under watch),
the clients in a second one joined to it by a veth pair, so that only the
server ends are counted, as on a real host. tcpstats-reader runs in the
first namespace's root (--netns) and listens on 127.0.0.1 where it started;
Prometheus scrapes it every second. Needs root (namespaces), prometheus and
promtool. Prints what Prometheus shows, with the time each step took.

  bench/prometheus_fleet.py TCPSTATS_READER
"""

import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "tool"))
import prometheus_test as pt  # noqa: E402  (its Tool, Prometheus, check and wait_for)

SERVERS = r'''
import socket, sys, threading
def drain(c):
    while c.recv(1 << 16):
        pass
def serve(l):
    while True:
        c, _ = l.accept()
        threading.Thread(target=drain, args=(c,), daemon=True).start()
ports = []
for i in range(301):
    l = socket.socket()
    l.bind(("10.251.0.1", 0))
    l.listen(256)
    ports.append(l.getsockname()[1])
    threading.Thread(target=serve, args=(l,), daemon=True).start()
print(" ".join(map(str, ports)), flush=True)
sys.stdin.read()
'''

CLIENTS = r'''
import socket, sys
ports = list(map(int, sys.argv[1:]))
main = [socket.create_connection(("10.251.0.1", ports[0])) for _ in range(200)]
others = [socket.create_connection(("10.251.0.1", p)) for p in ports[1:]]
chunk = b"x" * 100_000
for c in main:
    c.sendall(chunk)
print("sent", flush=True)
sys.stdin.readline()
for c in main[:100]:
    c.close()
print("closed", flush=True)
sys.stdin.read()
'''


def sh(*args):
    subprocess.run(args, check=True)


def main():
    tool_path = sys.argv[1]
    pt.TOOL = tool_path
    suffix = str(os.getpid())
    srv, cli = "tcpstats-srv" + suffix, "tcpstats-cli" + suffix
    scratch = tempfile.mkdtemp(prefix="tcpstats-fleet-")
    procs = []
    try:
        sh("ip", "netns", "add", srv)
        sh("ip", "netns", "add", cli)
        sh("ip", "link", "add", "tsv" + suffix[-6:], "netns", srv, "type", "veth", "peer", "name", "tcv" + suffix[-6:],
           "netns", cli)
        for ns, dev, address in ((srv, "tsv", "10.251.0.1/24"), (cli, "tcv", "10.251.0.2/24")):
            sh("ip", "-n", ns, "addr", "add", address, "dev", dev + suffix[-6:])
            sh("ip", "-n", ns, "link", "set", dev + suffix[-6:], "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        servers = subprocess.Popen(["ip", "netns", "exec", srv, sys.executable, "-c", SERVERS], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True)
        procs.append(servers)
        ports = servers.stdout.readline().split()
        P = ports[0]
        tool = pt.Tool("--netns", srv, "-i", "1s")
        procs.append(tool.process)
        prometheus = pt.Prometheus(scratch, {"tcpstats": tool.port})
        procs.append(prometheus.process)
        pt.wait_for(lambda: prometheus.scalar('up{job="tcpstats"}') == 1, "up == 1")

        started = time.monotonic()
        clients = subprocess.Popen(["ip", "netns", "exec", cli, sys.executable, "-c", CLIENTS, *ports],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        procs.append(clients)
        pt.check(clients.stdout.readline().strip() == "sent", "200 connections carried 20 MB")
        established = f'sum(tcpstats_connections{{state="established",port="{P}"}})'
        received = f'sum(tcpstats_bytes_received_total{{port="{P}"}})'
        pt.wait_for(lambda: prometheus.scalar(established) == 200, f"{established} == 200")
        pt.wait_for(lambda: (prometheus.scalar(received) or 0) >= 20e6, f"{received} >= 20e6")
        print(f"  seen by Prometheus {time.monotonic() - started:.1f} s after the clients started")

        clients.stdin.write("close\n")
        clients.stdin.flush()
        pt.check(clients.stdout.readline().strip() == "closed", "100 of the 200 closed")
        pt.wait_for(lambda: prometheus.scalar(established) == 100, f"{established} == 100 after the closes")
        time.sleep(3)
        value = prometheus.scalar(received)
        pt.check(value is not None and value >= 20e6, f"{received} >= 20e6 after the closes ({value:.0f})")
        resets = prometheus.scalar(f'sum(resets(tcpstats_bytes_received_total[10m]))')
        pt.check(resets == 0, f"no counter resets ({resets})")
        buckets = prometheus.query(f'tcpstats_rtt_seconds_bucket{{port="{P}"}}')
        pt.check(len(buckets) == 20, f"RTT buckets for P ({len(buckets)})")
        p99 = prometheus.scalar(f'histogram_quantile(0.99, sum by (le) (tcpstats_rtt_seconds_bucket{{port="{P}"}}))')
        print(f"  RTT p99 on P: {p99 * 1e6:.0f} us")
        # The bound holds at every scrape; over the run, ports that only
        # listened gave their places to the busy one.
        widest = prometheus.scalar('max_over_time(count(count by (port) (tcpstats_connections))[10m:1s])')
        pt.check(widest is not None and widest <= 101, f"at most 100 ports and other in any scrape ({widest})")
        distinct = prometheus.scalar('count(count by (port) (count_over_time(tcpstats_connections[10m])))')
        print(f"  ports ever exported: {distinct:.0f}")
        other = prometheus.scalar('sum(tcpstats_connections{port="other"})')
        dropped = prometheus.scalar('tcpstats_label_sets_dropped')
        print(f"  connections under other: {other:.0f}; label sets dropped: {dropped:.0f}")
        duration = prometheus.scalar('max_over_time(tcpstats_pass_duration_seconds[10m])')
        print(f"  longest pass: {duration * 1e3:.2f} ms")
        status, _, text = pt.http_get(tool.url(), {"Accept": "text/plain"})
        lint = subprocess.run([pt.PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True)
        pt.check(lint.returncode == 0 and not (lint.stdout + lint.stderr).strip(), "promtool check metrics is clean")
        series = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
        t0 = time.monotonic()
        for _ in range(20):
            pt.http_get(tool.url(), {"Accept": "application/openmetrics-text"})
        print(f"  a scrape: {series} series, {len(text)} bytes of text, "
              f"{(time.monotonic() - t0) / 20 * 1e3:.2f} ms per OpenMetrics scrape (20 in a row)")
        prometheus.stop()
        pt.check(tool.stop() == 0, "SIGTERM ends the tool cleanly")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        subprocess.run(["ip", "netns", "del", cli], check=False)
        subprocess.run(["ip", "netns", "del", srv], check=False)
        subprocess.run(["rm", "-rf", scratch], check=False)
    print("all checks passed" if not pt.failures else f"{len(pt.failures)} checks failed")
    return 1 if pt.failures else 0


if __name__ == "__main__":
    sys.exit(main())
