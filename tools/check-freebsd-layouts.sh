#!/bin/sh
# The FreeBSD offset tables against FreeBSD's own declarations: compiles
# tests/lib/freebsd_headers/layouts_vs_headers.cpp (generated with the tables by
# tools/gen_freebsd_layouts.py) for x86_64 and aarch64 FreeBSD, once with
# FreeBSD 13.4-RELEASE's headers and once with FreeBSD 15's export structs
# (both vendored in third_party/freebsd-sysroot). Each static_assert there
# compares one offset or size of a table with the compiler's; any
# difference fails the compile, and so this script.
#
#   tools/check-freebsd-layouts.sh [WORKDIR]   (default: build-freebsd)
# The compiler is $FREEBSD_CXX, clang++-19 unless set.
set -eu
cd "$(dirname "$0")/.."
work=${1:-build-freebsd}
cxx=${FREEBSD_CXX:-clang++-19}
sysroots=$(tools/freebsd-sysroot.sh "$work/sysroot")
check=tests/lib/freebsd_headers/layouts_vs_headers.cpp
python3 tools/gen_freebsd_layouts.py --check
asserts=$(grep -c '^static_assert' "$check")
failed=0
for arch in x86_64 aarch64; do
  for release in 13 15; do
    extra=""
    [ "$release" = 15 ] && extra="-I$sysroots/freebsd-15-structs"
    # shellcheck disable=SC2086
    if "$cxx" --target="$arch-unknown-freebsd13.4" --sysroot="$sysroots/freebsd-13.4-$arch" \
      -std=c++20 -Wall -Wextra -Werror -ferror-limit=0 -Iinclude $extra \
      -DTCPSTATS_FREEBSD_HEADERS="$release" -fsyntax-only "$check"; then
      echo "FreeBSD layouts: $arch, release $release headers: ok"
    else
      echo "FreeBSD layouts: $arch, release $release headers: the tables differ (above)" >&2
      failed=1
    fi
  done
done
[ "$failed" -eq 0 ]
echo "FreeBSD layouts: $asserts static_asserts in $check, each compiled for 2 architectures"
