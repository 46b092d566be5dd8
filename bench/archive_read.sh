#!/bin/sh
# Reading a JSON Lines archive of over 1 GB: tcpstats-reader --input
# (simdjson on-demand iterate_many, schema-driven conversion to the wire
# format) against protobuf's JsonStringToMessage. The archive is 160 passes
# of a 10,000-connection synthetic macOS dump (9 MB lines: a busy host).
# Prints wall times and rates; the reader's runs are the median of 3.
#   bench/archive_read.sh [BUILD_DIR]  (default build-bench)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build-bench}
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build" bench/make_bench_dump bench/protobuf_json_read tools/reader/tcpstats-reader >/dev/null
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$build/bench/make_bench_dump" 10000 "$dir/10k.pcblist_n"
set --
for _ in $(seq 160); do set -- "$@" "$dir/10k.pcblist_n"; done
"$build/tools/reader/tcpstats-reader" -o "$dir/archive.jsonl" --replay "$@"
bytes=$(stat -c %s "$dir/archive.jsonl")
records=1600000
echo "archive: $bytes bytes, 160 batches, $records records"
cat "$dir/archive.jsonl" >/dev/null  # in the page cache, as for every run below

for output in binary jsonl; do
  times=""
  for _ in 1 2 3; do
    start=$(date +%s%N)
    "$build/tools/reader/tcpstats-reader" --input "$dir/archive.jsonl" -f "$output" -o /dev/null
    end=$(date +%s%N)
    times="$times $(( (end - start) / 1000000 ))"
  done
  ms=$(printf '%s\n' $times | sort -n | sed -n 2p)
  awk -v ms="$ms" -v b="$bytes" -v r="$records" -v o="$output" 'BEGIN {
    printf "tcpstats-reader --input (to %s): %d ms = %.2f M records/s, %.0f MB/s\n", o, ms, r / ms / 1000, b / ms / 1000 }'
done
"$build/bench/protobuf_json_read" "$dir/archive.jsonl"
