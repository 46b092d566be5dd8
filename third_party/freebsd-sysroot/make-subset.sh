#!/bin/sh
# Rebuilds freebsd-13.4-sysroot.tar.xz (the subset of two FreeBSD 13.4
# sysroots that tools/check-freebsd.sh needs) from the per-architecture
# tarballs this README names:
#
#   third_party/freebsd-sysroot/make-subset.sh X86_64.tar.xz AARCH64.tar.xz
#
# Kept: the start files and shared C libraries (lib/), and from usr/include
# the C headers at the top level and the folders the C library, the
# sockets and TCP/IP APIs and libc++ live in. Left out: the headers of
# every other subsystem (OpenSSL, Kerberos, CAM, device drivers, netgraph,
# ...), which nothing here includes.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 X86_64.tar.xz AARCH64.tar.xz" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for tarball in "$1" "$2"; do tar -xJf "$tarball" -C "$work"; done
folders="sys machine x86 arpa net netinet netinet6 vm xlocale bsm c++"
list=$work/list
: >"$list"
for arch in x86_64 aarch64; do
  root=freebsd-13.4-$arch
  [ -d "$work/$root/usr/include" ] || { echo "$root/usr/include missing" >&2; exit 1; }
  (cd "$work" && find "$root/lib" "$root/usr/lib" -maxdepth 1 \( -type f -o -type l \) &&
    find "$root/usr/include" -maxdepth 1 \( -type f -o -type l \) -name '*.h' &&
    for f in $folders; do [ ! -d "$root/usr/include/$f" ] || find "$root/usr/include/$f" \( -type f -o -type l \); done) >>"$list"
done
# Sorted names, fixed owner and times: the same inputs give the same bytes.
LC_ALL=C sort -o "$list" "$list"
tar -C "$work" --owner=0 --group=0 --numeric-owner --mtime=2024-09-17 --no-recursion \
  -cf - -T "$list" | xz -9e -T1 >"$here/freebsd-13.4-sysroot.tar.xz"
echo "$here/freebsd-13.4-sysroot.tar.xz: $(wc -l <"$list") files"
