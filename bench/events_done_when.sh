#!/bin/sh
# Issue 14's acceptance run for socket destroy events: while tcpstats-reader
# runs `-i 1s --changes-only` (6 passes), a burst of short loopback
# connections with known payloads (bench/short_connections: each lives a
# few milliseconds, the client closes first) starts after the first pass;
# bench/events_found.py then looks for every socket's closed record with its
# final bytesAcked/bytesReceived (2 sockets per connection).
#   bench/events_done_when.sh [BUILD_DIR] [CONNECTIONS] [THREADS] [EVENTS_BUFFER]
#   (defaults: build-bench 3000 4, the tool's own buffer size)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build-bench}
count=${2:-3000}
threads=${3:-4}
buffer=${4:+--events-buffer $4}
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build" tools/reader/tcpstats-reader bench/short_connections >/dev/null
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# shellcheck disable=SC2086
"$build/tools/reader/tcpstats-reader" -i 1s -c 6 --changes-only $buffer -o "$dir/out.jsonl" &
tool=$!
until [ -s "$dir/out.jsonl" ]; do sleep 0.05; done
"$build/bench/short_connections" "$count" "$threads" >"$dir/connections.txt"
wait "$tool"
python3 bench/events_found.py "$dir/out.jsonl" "$dir/connections.txt"
