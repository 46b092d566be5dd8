#!/bin/sh
# Connection tracking as a process: 100,000 macOS connections over 10
# replayed passes (per pass one in ten sends, one in a hundred is replaced),
# without tracking, with --deltas and with --changes-only; prints each
# run's wall time per pass and peak RSS (median of 3 runs).
# Usage: bench/tracking_e2e.sh [BUILD_DIR]  (default build-bench)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build-bench}
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build" bench/make_tracking_dumps tools/reader/tcpstats-reader >/dev/null
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$build/bench/make_tracking_dumps" 100000 10 "$dir"
files=$(for k in 1 2 3 4 5 6 7 8 9 10; do printf '%s ' "$dir/pass-$k.pcblist_n"; done)

for format in binary jsonl; do
  for mode in "" --deltas --changes-only; do
    runs=""
    for _ in 1 2 3; do
      # shellcheck disable=SC2086
      runs="$runs
$(/usr/bin/time -f '%e %M' "$build/tools/reader/tcpstats-reader" $mode -f "$format" -o /dev/null \
        --replay $files 2>&1 >/dev/null | tail -1)"
    done
    median=$(printf '%s\n' "$runs" | sed '/^$/d' | sort -n | sed -n 2p)
    seconds=${median% *}
    rss_kib=${median#* }
    echo "$format ${mode:-(no tracking)}: $(awk "BEGIN { printf \"%.0f\", $seconds * 100 }") ms per pass, peak RSS $((rss_kib / 1024)) MiB"
  done
done
