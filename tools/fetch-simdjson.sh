#!/bin/sh
# Fetches simdjson's amalgamated sources for the cross builds (macOS,
# FreeBSD), which compile them into tcpstats-reader, and prints the folder
# holding simdjson.cpp and simdjson.h. Debian ships simdjson as a header
# and a Linux shared library only, so they come from npm: @nozbe/simdjson,
# an unmodified mirror of simdjson's single-file release (Apache-2.0),
# pinned by version and by the SHA-256 of both files. Cached in
# $TCPSTATS_NPM_CACHE (default ~/.cache/tcpstats-npm); a cached copy is
# checked again on every call.
#
#   simdjson=$(tools/fetch-simdjson.sh)
set -eu
version=3.9.4
cache=${TCPSTATS_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tcpstats-npm}
# In its own npm prefix: npm prunes what one install did not name.
prefix=$cache/simdjson-$version
dir=$prefix/node_modules/@nozbe/simdjson/src
if [ ! -f "$dir/simdjson.cpp" ] || [ ! -f "$dir/simdjson.h" ]; then
  mkdir -p "$prefix"
  npm install --no-save --no-audit --no-fund --prefix "$prefix" "@nozbe/simdjson@$version" >&2
fi
(cd "$dir" && sha256sum -c --quiet >&2) <<'SUMS'
a0410ae49e2e2fd967330fc22f91d7a06f3f6c5988bf53faa4855c2e3dee2805  simdjson.cpp
88a44cd77e0b443724f52bed7a3b86bcd84ed1c29a451ecc94210fc7d6aef069  simdjson.h
SUMS
echo "$dir"
