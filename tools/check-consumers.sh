#!/bin/sh
# tcpstats as other projects use it, from outside the source tree: installs
# the library alone (-Dtool=disabled: no protobuf, no simdjson) into a
# temporary prefix, then builds tests/consumer/consumer.cpp three ways and
# checks what each prints for a committed dump (and that the README's
# example compiles and runs):
#   pkg-config   a plain compiler command line with `pkg-config --cflags`
#   cmake        find_package(tcpstats) with CMAKE_PREFIX_PATH
#   subproject   a meson project with tcpstats in subprojects/
# With a configured build directory as $1 (one that builds the tool), also
# installs that into a staging directory and checks the tool, its man page
# and the .proto are there.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
full_build=${1:-}
work=$root/build-consumers
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
dump=$root/tests/data/xnu/sample-macos15.pcblist_n
expected=$root/tests/consumer/expected.txt
failures=0

step() { printf '%s\n' "== $*"; }
check_output() {  # check_output NAME BINARY: runs it on the dump, compares
  # The first line is the version from the installed version.hpp.
  if "$2" "$dump" >"$work/$1.out" && [ "$(head -n 1 "$work/$1.out")" = "tcpstats $version" ] &&
      tail -n +2 "$work/$1.out" | diff -u "$expected" -; then
    echo "consumer ($1): ok"
  else
    echo "consumer ($1): FAILED" >&2
    failures=$((failures + 1))
  fi
}

step "install the library alone into $prefix"
meson setup "$work/library" --prefix="$prefix" -Dtool=disabled -Dtests=disabled -Dbenchmarks=disabled \
  -Dfuzzing=disabled >"$work/library-setup.log"
meson install -C "$work/library" >"$work/library-install.log"
version=$(meson introspect "$work/library" --projectinfo |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
for f in include/tcpstats/tcpstats.hpp include/tcpstats/version.hpp share/pkgconfig/tcpstats.pc \
    share/cmake/tcpstats/tcpstatsConfig.cmake share/cmake/tcpstats/tcpstatsConfigVersion.cmake \
    share/tcpstats/tcp_stats.proto; do
  [ -f "$prefix/$f" ] || { echo "not installed: $f" >&2; failures=$((failures + 1)); }
done
# The source tree's build files stay out of the installed headers.
if [ -e "$prefix/include/tcpstats/meson.build" ] || [ -e "$prefix/include/tcpstats/version.hpp.in" ]; then
  echo "build files installed with the headers" >&2
  failures=$((failures + 1))
fi

step "pkg-config"
cxx=${CXX:-c++}
# shellcheck disable=SC2046  # pkg-config's flags are meant to split
PKG_CONFIG_PATH="$prefix/share/pkgconfig" \
  "$cxx" $(PKG_CONFIG_PATH="$prefix/share/pkgconfig" pkg-config --cflags tcpstats) -Wall -Wextra -Werror \
  "$root/tests/consumer/consumer.cpp" -o "$work/consumer-pkgconfig"
check_output pkgconfig "$work/consumer-pkgconfig"

step "the README's example, with pkg-config"
python3 - "$root/README.md" "$work/readme_example.cpp" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
section = text.index("## Using the library")
start = text.index("```cpp\n", section) + len("```cpp\n")
open(sys.argv[2], "w", encoding="utf-8").write(text[start:text.index("```", start)])
PY
# shellcheck disable=SC2046
"$cxx" $(PKG_CONFIG_PATH="$prefix/share/pkgconfig" pkg-config --cflags tcpstats) -Wall -Wextra -Werror \
  "$work/readme_example.cpp" -o "$work/readme_example"
# One line per connection, as many as the consumer counts.
connections=$(sed -n 's/^connections: //p' "$expected")
if "$work/readme_example" "$dump" >"$work/readme_example.out" &&
    [ "$(wc -l <"$work/readme_example.out")" -eq "$connections" ]; then
  echo "README example: ok"
else
  echo "README example: FAILED" >&2
  failures=$((failures + 1))
fi

step "cmake find_package"
cmake -S "$root/tests/consumer" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  >"$work/cmake-configure.log"
cmake --build "$work/cmake" >"$work/cmake-build.log"
check_output cmake "$work/cmake/consumer"

step "meson subproject"
mkdir -p "$work/subproject/subprojects"
cp "$root/tests/consumer/meson.build" "$root/tests/consumer/consumer.cpp" "$work/subproject/"
ln -s "$root" "$work/subproject/subprojects/tcpstats"
# forcefallback: the subproject even where an installed tcpstats.pc exists.
meson setup "$work/subproject/build" "$work/subproject" --wrap-mode=forcefallback >"$work/subproject-setup.log"
ninja -C "$work/subproject/build" >"$work/subproject-build.log"
check_output subproject "$work/subproject/build/consumer"
# Tests, benchmarks, fuzzers and the tool stay out of a subproject build.
targets=$(meson introspect "$work/subproject/build" --targets |
  python3 -c 'import json, sys; print(" ".join(sorted(t["name"] for t in json.load(sys.stdin))))')
if [ "$targets" != "consumer" ]; then
  echo "the subproject build has targets besides the consumer: $targets" >&2
  failures=$((failures + 1))
fi

if [ -n "$full_build" ]; then
  step "install everything from $full_build"
  meson install -C "$full_build" --no-rebuild --destdir "$work/full" >"$work/full-install.log"
  for f in bin/tcpstats-reader share/man/man1/tcpstats-reader.1 share/tcpstats/tcp_stats.proto \
      include/tcpstats/version.hpp; do
    found=$(find "$work/full" -path "*/$f" | head -n 1)
    [ -n "$found" ] || { echo "not installed: $f" >&2; failures=$((failures + 1)); }
  done
  # The installed tool runs and decodes the dump's nine connections.
  tool=$(find "$work/full" -path "*/bin/tcpstats-reader" | head -n 1)
  if [ -n "$tool" ] && "$tool" --once --replay "$dump" >"$work/tool.out" &&
      [ "$(grep -o '"localPort"' "$work/tool.out" | wc -l)" -eq 9 ]; then
    echo "installed tool: ok ($("$tool" --version))"
  else
    echo "installed tool: FAILED" >&2
    failures=$((failures + 1))
  fi
  # Where httplib was found: the installed tool finds its HTTP module in
  # LIBDIR/tcpstats-reader relative to itself (here under the staging
  # directory, not where it was configured to go) and serves.
  module=$(find "$work/full" -name libtcpstats-reader-http.so | head -n 1)
  if [ -n "$module" ] && [ -n "$tool" ]; then
    if "$tool" --listen 127.0.0.1:0 -c 1 -o /dev/null 2>"$work/listen.err" &&
        grep -q "serving http://127.0.0.1:" "$work/listen.err"; then
      echo "installed tool's HTTP module: ok ($module)"
    else
      echo "installed tool's HTTP module: FAILED: $(cat "$work/listen.err")" >&2
      failures=$((failures + 1))
    fi
  fi
fi

[ "$failures" -eq 0 ] && echo "consumers: all ok"
[ "$failures" -eq 0 ]
