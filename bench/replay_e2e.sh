#!/bin/sh
# tcpstats-reader as a process: replay a 100,000-connection macOS dump to
# /dev/null in each format, 7 runs each; prints the median wall time and
# records/s. Usage: bench/replay_e2e.sh [BUILD_DIR]  (default build-bench)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build-bench}
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build" bench/make_bench_dump tools/reader/tcpstats-reader >/dev/null
dump=$(mktemp -d)/100k.pcblist_n
trap 'rm -rf "$(dirname "$dump")"' EXIT
"$build/bench/make_bench_dump" 100000 "$dump"

for format in binary jsonl; do
  times=""
  for _ in 1 2 3 4 5 6 7; do
    start=$(date +%s%N)
    "$build/tools/reader/tcpstats-reader" --replay "$dump" -f "$format" -o /dev/null
    end=$(date +%s%N)
    times="$times $(( (end - start) / 1000 ))"
  done
  median=$(printf '%s\n' $times | sort -n | sed -n 4p)
  echo "$format: median ${median} us for 100000 records = $(( 100000 * 1000000 / median )) records/s"
done
