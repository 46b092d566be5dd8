#!/bin/sh
# Unpacks the vendored FreeBSD 13.4 sysroots (third_party/freebsd-sysroot)
# into DIR, once per version of the tarball, and prints DIR. DIR then holds
# freebsd-13.4-x86_64/ and freebsd-13.4-aarch64/ (usr/include, lib) and
# freebsd-15-structs/.
#
#   tools/freebsd-sysroot.sh DIR
set -eu
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
vendored=$(cd "$(dirname "$0")/../third_party/freebsd-sysroot" && pwd)
dir=$1
tarball=$vendored/freebsd-13.4-sysroot.tar.xz
stamp=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ "$(cat "$dir/.unpacked" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$dir/freebsd-13.4-x86_64" "$dir/freebsd-13.4-aarch64" "$dir/freebsd-15-structs"
  mkdir -p "$dir"
  tar -xJf "$tarball" -C "$dir"
  echo "$stamp" >"$dir/.unpacked"
fi
# Copied on every call: it is small, and edits to it must not be missed.
rm -rf "$dir/freebsd-15-structs"
cp -R "$vendored/freebsd-15-structs" "$dir/freebsd-15-structs"
echo "$dir"
