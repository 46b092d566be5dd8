#!/bin/sh
# The whole test suite, as CI runs it: installs what is missing, then builds
# and tests twice with warnings as errors:
#   build-gcc  g++, release
#   build-asan   clang-14, AddressSanitizer + UndefinedBehaviorSanitizer,
#                      -fno-sanitize-recover=all (any UB report fails a test)
# Both builds also compile every public header alone and with -fno-exceptions.
# Then every fuzz target runs for 30 s (tools/run-fuzz.sh), the library is
# installed and used by a consumer through pkg-config, CMake and as a meson
# subproject (tools/check-consumers.sh), every public header is compiled
# for macOS with Zig (tools/check-macos-compile.sh) and tcpstats-reader is
# compiled and linked for x86_64-macos and aarch64-macos (tools/build-macos.sh),
# and for x86_64 and aarch64 FreeBSD (tools/check-freebsd.sh).
set -eu
cd "$(dirname "$0")/.."
# What the builds create is writable by its owner alone, whatever the
# machine's umask: the tool loads its HTTP module only from such a file in
# such a directory (docs/security.md), and the --listen tests need it.
umask 022
tools/install-deps.sh

setup() {  # setup DIR ARGS...: configure DIR afresh with ARGS
  dir=$1
  shift
  rm -rf "$dir"
  meson setup "$dir" -Dwerror=true -Dtests=enabled -Dtool=enabled "$@"
}

passed=0
failed=0
run() {  # run DIR: build and test DIR, counting results
  ninja -C "$1"
  status=0
  meson test -C "$1" --print-errorlogs --no-rebuild || status=$?
  summary=$(python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
ok = bad = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL", "SKIP"): ok += 1
    else: bad += 1
print(ok, bad)
PY
)
  passed=$((passed + ${summary% *}))
  failed=$((failed + ${summary#* }))
  # A failing run with no failed test in the log (a crash of meson itself)
  # still counts as a failure.
  if [ "$status" -ne 0 ] && [ "${summary#* }" -eq 0 ]; then failed=$((failed + 1)); fi
  return 0
}

CXX=g++ setup build-gcc --buildtype=release -Dbenchmarks=enabled
run build-gcc

CXX=clang++-14 setup build-asan --buildtype=debugoptimized -Dbenchmarks=disabled \
  -Db_sanitize=address,undefined -Db_lundef=false \
  -Dcpp_args=-fno-sanitize-recover=all -Dcpp_link_args=-fno-sanitize-recover=all
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run build-asan

# Every fuzz target for 30 s under ASan and UBSan (tools/run-fuzz.sh): ten targets.
if tools/run-fuzz.sh 30; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

# Installed and consumed from outside the tree; build-gcc's install too.
if tools/check-consumers.sh build-gcc; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

# The library's headers and the tool for macOS, cross-compiled (no Mac here).
if tools/check-macos-compile.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
if tools/build-macos.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

# The tool for FreeBSD x86_64 and aarch64, cross-compiled against the
# vendored FreeBSD 13.4 sysroots and linked; the layout tables against
# FreeBSD's headers (tools/check-freebsd.sh).
if tools/check-freebsd.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
