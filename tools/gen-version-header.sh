#!/bin/sh
# Writes OUT_DIR/tcpstats/version.hpp from include/tcpstats/version.hpp.in
# with the version of meson.build's project(), as meson does, for the
# cross builds that do not run meson.
#
#   tools/gen-version-header.sh OUT_DIR
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
out=$1
cd "$(dirname "$0")/.."
version=$(python3 -c 'import re, sys; print(re.search(r"version:\s*\x27([0-9]+\.[0-9]+\.[0-9]+)\x27", open(sys.argv[1]).read()).group(1))' meson.build)
major=${version%%.*}
rest=${version#*.}
mkdir -p "$out/tcpstats"
sed -e "s/@VERSION@/$version/" -e "s/@VERSION_MAJOR@/$major/" -e "s/@VERSION_MINOR@/${rest%%.*}/" \
  -e "s/@VERSION_PATCH@/${rest#*.}/" include/tcpstats/version.hpp.in >"$out/tcpstats/version.hpp.new"
# Rewritten only when it changes, so that builds keyed on times stay warm.
if cmp -s "$out/tcpstats/version.hpp.new" "$out/tcpstats/version.hpp"; then
  rm "$out/tcpstats/version.hpp.new"
else
  mv "$out/tcpstats/version.hpp.new" "$out/tcpstats/version.hpp"
fi
