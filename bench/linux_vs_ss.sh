#!/bin/sh
# tcpstats-reader against the kernel's floor (bench/netlink_floor: the same
# two dump requests, datagrams discarded) and `ss -tin` on a host with
# 9,000 established loopback connections (18,000 TCP sockets), all in the
# same run: median wall and CPU time of 7 runs each (ROUNDS=N for more), a
# steady-state pass with and without --deltas (the difference between 11
# passes and 1, over 10; also against a floor that sleeps 10 ms between
# passes as the tool's -i 10ms does), and the tool's peak RSS. Raises its
# own fd limit, and closes every connection on exit.
# BEFORE=PATH also times another build (an earlier commit's), in the same
# rounds, for before/after figures.
#   [TOOL=PATH] [BEFORE=PATH] bench/linux_vs_ss.sh [BUILD_DIR] [CONNECTIONS]   (defaults: build-bench 9000)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build-bench}
connections=${2:-9000}
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build" tools/reader/tcpstats-reader bench/netlink_floor >/dev/null
# TOOL=PATH times another build of the tool (an earlier commit's) instead.
tool=${TOOL:-$build/tools/reader/tcpstats-reader}
floor=$build/bench/netlink_floor
ulimit -n $((connections * 2 + 1000))

fifo=$(mktemp -u)
mkfifo "$fifo"
# Holds the connections open until its standard input (the fifo) closes.
holder_script='
import socket, sys
n = int(sys.argv[1])
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(4096)
keep = []
for _ in range(n):
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    keep += [client, server]
print("ready", flush=True)
sys.stdin.read()
'
python3 -c "$holder_script" "$connections" <"$fifo" >"$fifo.ready" 2>"$fifo.err" &
holder=$!
exec 3>"$fifo"  # keeps the holder's stdin open
cleanup() { exec 3>&-; wait "$holder" 2>/dev/null || true; rm -f "$fifo" "$fifo.ready" "$fifo.err"; }
trap cleanup EXIT
until grep -q ready "$fifo.ready" 2>/dev/null; do sleep 0.2; done
cat "$fifo.err" >&2
established=$(ss -tnH state established | wc -l)
all=$(ss -tnHa | wc -l)
echo "sockets: $established established, $all in all"
# An earlier run's connections stay in TIME_WAIT for 60 s, and every dump
# (the floor's too) then holds them: the figures are not comparable.
time_wait=$(ss -tnH state time-wait | wc -l)
[ "$time_wait" -lt 100 ] || echo "warning: $time_wait sockets in TIME_WAIT (an earlier run's?) are in every dump" >&2

# Each command ROUNDS times, round-robin (so a change in the machine's load hits
# all alike): median wall time and median CPU time (user + system, from
# getrusage), in ms.
python3 - "$tool" "$floor" "${BEFORE:-}" "${ROUNDS:-7}" <<'PY'
import resource, statistics, subprocess, sys, time
tool, floor, before, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
commands = {
    "floor": [floor],
    "floor 11": [floor, "11"],
    "floor 11 paced": [floor, "11", "10"],
    "ss": ["ss", "-tin"],
    "binary": [tool, "--once", "--format", "binary", "-o", "/dev/null"],
    "jsonl": [tool, "--once", "--format", "jsonl", "-o", "/dev/null"],
    "untracked 11": [tool, "-c", "11", "-i", "10ms", "--format", "binary", "-o", "/dev/null"],
    "deltas 1": [tool, "--once", "--deltas", "--format", "binary", "-o", "/dev/null"],
    "deltas 11": [tool, "-c", "11", "-i", "10ms", "--deltas", "--format", "binary", "-o", "/dev/null"],
    "deltas 11 jsonl": [tool, "-c", "11", "-i", "10ms", "--deltas", "--format", "jsonl", "-o", "/dev/null"],
}
if before:
    for name in ("binary", "jsonl", "untracked 11", "deltas 1", "deltas 11", "deltas 11 jsonl"):
        commands["before " + name] = [before] + commands[name][1:]
wall = {k: [] for k in commands}
cpu = {k: [] for k in commands}
for _ in range(rounds):
    for name, argv in commands.items():
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        wall[name].append((time.perf_counter() - start) * 1e3)
        now = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[name].append((now.ru_utime - used.ru_utime + now.ru_stime - used.ru_stime) * 1e3)
w = {k: statistics.median(v) for k, v in wall.items()}
c = {k: statistics.median(v) for k, v in cpu.items()}
# A steady-state pass: what 10 more passes add, over 10.
for d in (w, c):
    d["floor pass"] = (d["floor 11"] - d["floor"]) / 10
    d["paced floor pass"] = (d["floor 11 paced"] - d["floor"]) / 10
    for prefix in ("", "before ") if before else ("",):
        if prefix + "deltas 1" not in d: continue
        d[prefix + "untracked pass"] = (d[prefix + "untracked 11"] - d[prefix + "binary"]) / 10
        d[prefix + "deltas pass"] = (d[prefix + "deltas 11"] - d[prefix + "deltas 1"]) / 10
        d[prefix + "deltas pass jsonl"] = (d[prefix + "deltas 11 jsonl"] - d[prefix + "deltas 1"]) / 10
def row(label, key, floor_key, goal_floor, goal_ss=None):
    text = f"{label:34} {w[key]:7.1f} ms wall {w[key] / w[floor_key]:5.2f}x floor"
    text += f" | {c[key]:7.1f} ms cpu {c[key] / c[floor_key]:5.2f}x floor"
    if goal_floor: text += f" (goal <= {goal_floor})"
    if goal_ss: text += f"; {w[key] / w['ss']:4.2f}x ss wall, {c[key] / c['ss']:4.2f}x ss cpu (goal <= {goal_ss})"
    print(text)
row("floor (2 dumps, discarded)", "floor", "floor", None)
row("ss -tin", "ss", "floor", None)
row("--once --format binary", "binary", "floor", 1.3, 0.5)
row("--once --format jsonl", "jsonl", "floor", 1.6, 0.5)
row("a floor pass of 11", "floor pass", "floor pass", None)
row("a pass of 11 without tracking, binary", "untracked pass", "floor pass", None)
row("a --deltas pass of 11, binary", "deltas pass", "floor pass", 1.3)
row("a --deltas pass of 11, jsonl", "deltas pass jsonl", "floor pass", None)
# The tool's passes are 10 ms apart (-i 10ms): against a floor that sleeps
# as long between its passes too (for information; the goal is the above).
row("a floor pass of 11, 10 ms apart", "paced floor pass", "floor pass", None)
row("a --deltas pass, against that floor", "deltas pass", "paced floor pass", None)
if before:
    row("before: --once --format binary", "before binary", "floor", 1.3, 0.5)
    row("before: --once --format jsonl", "before jsonl", "floor", 1.6, 0.5)
    row("before: a pass without tracking", "before untracked pass", "floor pass", None)
    row("before: a --deltas pass, binary", "before deltas pass", "floor pass", 1.3)
    row("before: a --deltas pass, jsonl", "before deltas pass jsonl", "floor pass", None)
PY
for format in binary jsonl; do
  rss=$(/usr/bin/time -f %M "$tool" --once --format $format -o /dev/null 2>&1 >/dev/null | tail -1)
  echo "peak RSS, --once --format $format: ${rss} KiB"
done
