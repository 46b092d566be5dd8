#!/usr/bin/env python3
"""Checks a tcpstats-reader JSON Lines run against short_connections' list:
every connection's two sockets must have a closed record with their final
counts (bytes_received: the peer's bytes plus its FIN; bytes_acked: this
side's bytes plus its FIN, and the client's SYN). A client port may serve
several connections in a long burst, so records are matched as a multiset
of (local port, remote port, bytes acked, bytes received).
  events_found.py TOOL_OUTPUT.jsonl CONNECTIONS.txt"""
import collections
import json
import sys

output, listing = sys.argv[1], sys.argv[2]
with open(listing) as f:
    port = int(f.readline())
    connections = [tuple(int(x) for x in line.split()) for line in f if line.strip()]
expected = collections.Counter()
for client_port, up, down in connections:
    expected[(client_port, port, up + 2, down + 1)] += 1  # the client socket
    expected[(port, client_port, down + 1, up + 1)] += 1  # the server socket
ours = {(k[0], k[1]) for k in expected}
found = collections.Counter()
other = 0  # closed records of these ports with other counts
by_events = by_polling = dropped = 0
with open(output) as f:
    for line in f:
        batch = json.loads(line)
        summary = batch.get("summary", {})
        by_events += summary.get("connectionsClosedByEvents", 0)
        by_polling += summary.get("connectionsClosedByPolling", 0)
        dropped += int(summary.get("eventsDropped", 0))
        for r in batch.get("records", []):
            ports = (r.get("localPort", 0), r.get("remotePort", 0))
            if not r.get("closed") or ports not in ours:
                continue
            key = ports + (int(r.get("bytesAcked", 0)), int(r.get("bytesReceived", 0)))
            if found[key] < expected[key]:
                found[key] += 1
            else:
                other += 1
                if other <= 3:
                    print("not a final count:", json.dumps({k: r.get(k) for k in (
                        "state", "localPort", "remotePort", "socketId", "bytesAcked", "bytesReceived",
                        "deltaBytesAcked", "connectionAgeMs")}), file=sys.stderr)
total = sum(expected.values())
right = sum(found.values())
print(f"sockets {total}: closed records with the final counts {right} ({100.0 * right / total:.2f} %), "
      f"other closed records of these ports {other}; summary: closed by events {by_events}, "
      f"by polling {by_polling}, events dropped {dropped}")
sys.exit(0 if right * 1000 >= total * 999 else 1)
