#!/bin/sh
# The C++ units of tcpstats-reader that build for PLATFORM (linux, macos,
# freebsd), one path per line, relative to the repository root: every .cpp
# under tools/reader/ except the live readers of the other platforms, which
# sit in tools/reader/sources/<platform>/, and the HTTP module
# (metrics/http_module.cpp: a library of its own, built where cpp-httplib
# is found). The meson.build files list the same units; this lets the
# cross builds, which do not run meson, follow.
#   tools/list-units.sh macos
set -eu
cd "$(dirname "$0")/.."
platform=${1:?usage: tools/list-units.sh linux|macos|freebsd}
case $platform in
  linux | macos | freebsd) ;;
  *) echo "unknown platform: $platform" >&2; exit 2 ;;
esac
find tools/reader -name '*.cpp' | LC_ALL=C sort | while read -r unit; do
  case $unit in
    tools/reader/sources/"$platform"/*) echo "$unit" ;;
    tools/reader/sources/linux/* | tools/reader/sources/macos/* | tools/reader/sources/freebsd/*) ;;
    tools/reader/metrics/http_module.cpp) ;;
    *) echo "$unit" ;;
  esac
done
