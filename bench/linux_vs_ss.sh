#!/bin/sh
# tcpstats-reader against the kernel's floor (bench/netlink_floor: the same
# two dump requests, datagrams discarded) and `ss -tin` on a host with
# 9,000 established loopback connections (18,000 TCP sockets), all in the
# same run, ROUNDS times round-robin (default 7): median wall and CPU time
# of one pass; the CPU time of a steady-state pass (-c 11 -i 10ms) with and
# without --deltas, measured inside each process (bench/steady_pass_cpu.cpp
# for the tool, netlink_floor's own count for the floor, also against a
# floor that sleeps 10 ms between passes as the tool does), as the median
# of each round's ratio to the floor's; and the tool's peak RSS. Raises its
# own fd limit, and closes every connection on exit.
# BEFORE=PATH also times another build (an earlier commit's), in the same
# rounds, for before/after figures.
#   [TOOL=PATH] [BEFORE=PATH] bench/linux_vs_ss.sh [BUILD_DIR] [CONNECTIONS]   (defaults: build-bench 9000)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build-bench}
connections=${2:-9000}
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build" tools/reader/tcpstats-reader bench/netlink_floor bench/libsteady_pass_cpu.so >/dev/null
# TOOL=PATH times another build of the tool (an earlier commit's) instead.
tool=${TOOL:-$build/tools/reader/tcpstats-reader}
floor=$build/bench/netlink_floor
steady_module=$(realpath "$build/bench/libsteady_pass_cpu.so")
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
# all alike): median wall and CPU time (user + system, from getrusage) of
# a single pass, in ms; and a steady pass's CPU time against the floor's.
python3 - "$tool" "$floor" "${BEFORE:-}" "${ROUNDS:-7}" "$steady_module" <<'PY'
import os, re, resource, statistics, subprocess, sys, tempfile, time
tool, floor, before, rounds, module = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
once = {
    "floor": [floor],
    "ss": ["ss", "-tin"],
    "binary": [tool, "--once", "--format", "binary", "-o", "/dev/null"],
    "jsonl": [tool, "--once", "--format", "jsonl", "-o", "/dev/null"],
}
# Eleven passes 10 ms apart; each prints or (through the module) writes the
# mean CPU time of its passes after the first.
steady = {
    "floor": [floor, "11"],
    "paced floor": [floor, "11", "10"],
    "untracked": [tool, "-c", "11", "-i", "10ms", "--format", "binary", "-o", "/dev/null"],
    "deltas": [tool, "-c", "11", "-i", "10ms", "--deltas", "--format", "binary", "-o", "/dev/null"],
    "deltas jsonl": [tool, "-c", "11", "-i", "10ms", "--deltas", "--format", "jsonl", "-o", "/dev/null"],
}
if before:
    for name in ("binary", "jsonl"):
        once["before " + name] = [before] + once[name][1:]
    for name in ("untracked", "deltas", "deltas jsonl"):
        steady["before " + name] = [before] + steady[name][1:]
wall = {k: [] for k in once}
cpu = {k: [] for k in once}
pass_cpu = {k: [] for k in steady}
out_file = tempfile.NamedTemporaryFile(delete=False).name
def steady_pass(argv):
    if argv[0] == floor:
        err = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True).stderr
        return float(re.search(r"steady pass: ([0-9.]+) ms CPU", err).group(1))
    os.unlink(out_file)
    env = dict(os.environ, LD_PRELOAD=module, STEADY_PASS_CPU_OUT=out_file)
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    with open(out_file) as f:
        return float(f.read())
for _ in range(rounds):
    for name, argv in once.items():
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        wall[name].append((time.perf_counter() - start) * 1e3)
        now = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[name].append((now.ru_utime - used.ru_utime + now.ru_stime - used.ru_stime) * 1e3)
    for name, argv in steady.items():
        pass_cpu[name].append(steady_pass(argv))
os.unlink(out_file)
w = {k: statistics.median(v) for k, v in wall.items()}
c = {k: statistics.median(v) for k, v in cpu.items()}
def row(label, key, goal_floor, goal_ss=None):
    text = f"{label:34} {w[key]:7.1f} ms wall {w[key] / w['floor']:5.2f}x floor"
    text += f" | {c[key]:7.1f} ms cpu {c[key] / c['floor']:5.2f}x floor"
    if goal_floor: text += f" (goal <= {goal_floor})"
    if goal_ss: text += f"; {w[key] / w['ss']:4.2f}x ss wall, {c[key] / c['ss']:4.2f}x ss cpu (goal <= {goal_ss})"
    print(text)
row("floor (2 dumps, discarded)", "floor", None)
row("ss -tin", "ss", None)
row("--once --format binary", "binary", 1.3, 0.5)
row("--once --format jsonl", "jsonl", 1.6, 0.5)
if before:
    row("before: --once --format binary", "before binary", 1.3, 0.5)
    row("before: --once --format jsonl", "before jsonl", 1.6, 0.5)
# A steady pass: its median, and the median of each round's ratio to the
# floor's pass of the same round (the floor moves by a fifth within an hour).
def steady_row(label, key, against="floor", goal=None):
    ratios = sorted(a / b for a, b in zip(pass_cpu[key], pass_cpu[against]))
    text = f"{label:38} {statistics.median(pass_cpu[key]):7.1f} ms cpu {statistics.median(ratios):5.2f}x {against}"
    text += f" (middle half of rounds {ratios[len(ratios) // 4]:.2f}-{ratios[(3 * len(ratios)) // 4]:.2f})"
    if goal: text += f" (goal <= {goal})"
    print(text)
print("a steady pass of -c 11 -i 10ms, CPU time:")
steady_row("  floor", "floor")
steady_row("  without tracking, binary", "untracked")
steady_row("  --deltas, binary", "deltas", goal=1.3)
steady_row("  --deltas, jsonl", "deltas jsonl")
# The tool's passes are 10 ms apart: against a floor that sleeps as long
# between its passes too (for information; the goal is the above).
steady_row("  floor, 10 ms apart", "paced floor")
steady_row("  --deltas, binary", "deltas", against="paced floor")
if before:
    steady_row("  before: without tracking, binary", "before untracked")
    steady_row("  before: --deltas, binary", "before deltas", goal=1.3)
    steady_row("  before: --deltas, jsonl", "before deltas jsonl")
PY
for format in binary jsonl; do
  rss=$(/usr/bin/time -f %M "$tool" --once --format $format -o /dev/null 2>&1 >/dev/null | tail -1)
  echo "peak RSS, --once --format $format: ${rss} KiB"
done
