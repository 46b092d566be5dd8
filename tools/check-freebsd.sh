#!/bin/sh
# FreeBSD release binaries of tcpstats-reader, built and checked on Linux
# with Debian's clang-19 and lld-19 as cross tools and the FreeBSD 13.4
# sysroots vendored in third_party/freebsd-sysroot (no FreeBSD machine, no
# network but npm for simdjson). For x86_64 and aarch64 FreeBSD it
#   1. compiles every public header of the library on its own,
#   2. compiles every unit of the tool that builds on FreeBSD
#      (tools/list-units.sh freebsd) with -Wall -Wextra -Wpedantic -Werror,
#   3. links (tools/freebsd_link.py)
#        build-freebsd/tcpstats-reader-x86_64-freebsd
#        build-freebsd/tcpstats-reader-aarch64-freebsd
#      against FreeBSD's C libraries, and stand-ins with FreeBSD's SONAMEs
#      for the C++ runtime (libc++.so.1, libcxxrt.so.1, libgcc_s.so.1) and
#      zlib (libz.so.6), whose every symbol is checked against an export
#      list; then checks each binary with file(1) and that every undefined
#      symbol is one a FreeBSD base library exports,
#   4. checks the FreeBSD offset tables against FreeBSD's own declarations
#      (tools/check-freebsd-layouts.sh).
# simdjson is compiled in (tools/fetch-simdjson.sh); zlib comes from
# FreeBSD's base (/lib/libz.so.6), so .gz archives are read; libzstd is not
# in FreeBSD's base for programs outside it, so .zst archives are not.
#
#   tools/check-freebsd.sh [ARCH...]   (default: x86_64 aarch64)
# $FREEBSD_CXX (clang++-19), $FREEBSD_NM (llvm-nm-19), $FREEBSD_READELF
# (llvm-readelf-19) and $JOBS (2) may be set.
set -eu
cd "$(dirname "$0")/.."
archs=${*:-x86_64 aarch64}
out=build-freebsd
cxx=${FREEBSD_CXX:-clang++-19}
jobs=${JOBS:-2}
export FREEBSD_CXX="$cxx"

sysroots=$(tools/freebsd-sysroot.sh "$out/sysroot")
simdjson=$(tools/fetch-simdjson.sh)
tools/gen-version-header.sh "$out/include"
units=$(tools/list-units.sh freebsd)
flags="-std=c++20 -O2 -DNDEBUG -fPIC"
warnings="-Wall -Wextra -Wpedantic -Werror"

for arch in $archs; do
  target=$arch-unknown-freebsd13.4
  sysroot=$sysroots/freebsd-13.4-$arch
  cross="--target=$target --sysroot=$sysroot"

  headers=$(cd include && find tcpstats -name '*.hpp' | LC_ALL=C sort)
  for header in $headers tcpstats/version.hpp; do
    # shellcheck disable=SC2086
    printf '#include "%s"\n' "$header" |
      "$cxx" $cross -std=c++20 $warnings -Iinclude -I"$out/include" -x c++ -fsyntax-only -
  done
  echo "FreeBSD $arch: $(echo "$headers" | wc -l) public headers and version.hpp compile alone"

  objects=$out/obj-$arch
  rm -rf "$objects"
  mkdir -p "$objects"
  # One object per unit, named by its path (several folders hold live.cpp),
  # $jobs at a time; the inner shell gets the folder, the unit and the command.
  # shellcheck disable=SC2016,SC2086
  printf '%s\n' $units | xargs -P "$jobs" -I{} sh -c '
    objects=$1 unit=$2
    shift 2
    object=$(echo "${unit#tools/reader/}" | tr / _)
    exec "$@" -c "$unit" -o "$objects/${object%.cpp}.o"' sh "$objects" {} \
    "$cxx" $cross $flags $warnings -DTCPSTATS_HAVE_ZLIB=1 -Iinclude -I"$out/include" -Itools/reader \
    -isystem "$simdjson"
  count=$(find "$objects" -name '*.o' | wc -l)
  [ "$count" -eq "$(echo "$units" | wc -l)" ] || { echo "FreeBSD $arch: a unit did not compile" >&2; exit 1; }
  echo "FreeBSD $arch: $count units of tcpstats-reader compile with $warnings"
  # shellcheck disable=SC2086
  "$cxx" $cross $flags -c "$simdjson/simdjson.cpp" -o "$objects/simdjson.o"

  python3 tools/freebsd_link.py --arch "$arch" --sysroot "$sysroot" --work "$out/link-$arch" \
    --output "$out/tcpstats-reader-$arch-freebsd" "$objects"/*.o
done

tools/check-freebsd-layouts.sh "$out"
