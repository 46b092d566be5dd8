#!/bin/sh
# Installs what is missing, builds (release, in build-release/) and runs the
# main job: decode the bundled macOS pcblist_n sample dump. Arguments, if
# given, replace the sample: tools/run.sh --release 23.6.0 my-dump.bin
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh
[ -f build-release/build.ninja ] || meson setup build-release --buildtype=release -Dtests=disabled -Dbenchmarks=disabled >/dev/null
ninja -C build-release >/dev/null
[ $# -gt 0 ] || set -- --tcp-now 905113000 tests/data/xnu/sample-macos15.pcblist_n
exec build-release/tools/tcpstats-pcblist-dump "$@"
