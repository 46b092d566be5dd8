#!/bin/sh
# Installs what is missing, builds (release, in build-release/) and runs the
# main job: one live pass of tcpstats-reader over this host's TCP sockets,
# indented (on Linux and macOS; elsewhere it replays the bundled macOS sample
# dump). Arguments, if given, go to tcpstats-reader instead:
#   tools/run.sh -i 1s -c 10 -f binary -o stats.bin
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh
[ -f build-release/build.ninja ] || meson setup build-release --buildtype=release -Dtests=disabled -Dbenchmarks=disabled >/dev/null
ninja -C build-release >/dev/null
if [ $# -eq 0 ]; then
  case "$(uname -s)" in
    Linux | Darwin) set -- --once --pretty ;;
    *) set -- --pretty --replay tests/data/xnu/sample-macos15.pcblist_n ;;
  esac
fi
exec build-release/tools/reader/tcpstats-reader "$@"
