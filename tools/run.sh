#!/bin/sh
# Installs what is missing, builds (release, in build-release/) and runs the
# main job: tcpstats-reader over the bundled macOS pcblist_n sample dump (live
# collection where this build supports the running kernel). Arguments, if
# given, go to tcpstats-reader instead: tools/run.sh --replay my-dump.bin
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh
[ -f build-release/build.ninja ] || meson setup build-release --buildtype=release -Dtests=disabled -Dbenchmarks=disabled >/dev/null
ninja -C build-release >/dev/null
[ $# -gt 0 ] || set -- --pretty --replay tests/data/xnu/sample-macos15.pcblist_n
exec build-release/tools/reader/tcpstats-reader "$@"
