#!/bin/sh
# tcpstats-reader against `ss -tin` on a host with 9,000 established
# loopback connections (18,000 TCP sockets): median wall time of 7 runs
# each, in the same run, and the tool's peak RSS. Raises its own fd limit,
# and closes every connection on exit.
#   bench/linux_vs_ss.sh [BUILD_DIR] [CONNECTIONS]   (defaults: build-bench 9000)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build-bench}
connections=${2:-9000}
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build" tools/reader/tcpstats-reader >/dev/null
tool=$build/tools/reader/tcpstats-reader
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
echo "sockets: $(ss -tnH state established | wc -l) established, $(ss -tnHa | wc -l) in all"

median_us() {  # median_us COMMAND...: median wall time of 7 runs, µs
  times=""
  for _ in 1 2 3 4 5 6 7; do
    start=$(date +%s%N)
    "$@" >/dev/null
    end=$(date +%s%N)
    times="$times $(( (end - start) / 1000 ))"
  done
  printf '%s\n' $times | sort -n | sed -n 4p
}
ss_us=$(median_us ss -tin)
binary_us=$(median_us "$tool" --once --format binary -o /dev/null)
jsonl_us=$(median_us "$tool" --once --format jsonl -o /dev/null)
echo "ss -tin:                  ${ss_us} us"
echo "tcpstats-reader binary:   ${binary_us} us  ratio $(awk "BEGIN{printf \"%.3f\", $binary_us/$ss_us}") (goal <= 0.25)"
echo "tcpstats-reader jsonl:    ${jsonl_us} us  ratio $(awk "BEGIN{printf \"%.3f\", $jsonl_us/$ss_us}") (goal <= 0.40)"
for format in binary jsonl; do
  rss=$(/usr/bin/time -f %M "$tool" --once --format $format -o /dev/null 2>&1 >/dev/null | tail -1)
  echo "peak RSS, $format:        ${rss} KiB (goal <= 65536)"
done
