#!/bin/sh
# Builds every fuzz target with libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer (clang-14, -fno-sanitize-recover=all) and runs
# each for SECONDS (default 60) from its committed seed corpus. A crash or a
# sanitizer report fails the run; libFuzzer prints the reproducer (its path
# and, for small inputs, its bytes) in the log.
#   tools/run-fuzz.sh [SECONDS]
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-60}
rm -rf build-fuzz
CXX=clang++-14 meson setup build-fuzz --buildtype=debugoptimized -Dwerror=true -Dfuzzing=enabled \
  -Dtests=enabled -Dbenchmarks=disabled -Db_sanitize=address,undefined -Db_lundef=false \
  "-Dcpp_args=-fno-sanitize-recover=all -fsanitize=fuzzer-no-link" -Dcpp_link_args=-fno-sanitize-recover=all >/dev/null
ninja -C build-fuzz fuzz/fuzz_pcblist_n fuzz/fuzz_sock_diag fuzz/fuzz_sock_diag_destroy fuzz/fuzz_meta_json fuzz/fuzz_replay \
  fuzz/fuzz_xnu_roundtrip fuzz/fuzz_record_decoder fuzz/fuzz_freebsd fuzz/fuzz_archive fuzz/fuzz_pass_files >/dev/null
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for target in pcblist_n sock_diag sock_diag_destroy meta_json replay xnu_roundtrip record_decoder freebsd archive pass_files; do
  found=build-fuzz/found-$target
  mkdir -p "$found"
  echo "fuzz_$target: ${seconds} s"
  (cd build-fuzz && ./fuzz/fuzz_$target -max_total_time="$seconds" -print_final_stats=1 \
     -timeout=10 -rss_limit_mb=2048 "../$found" "../fuzz/corpus/$target" 2>&1) |
    grep -E "^(stat::|#[0-9]+ *DONE|==[0-9]+==|SUMMARY|Base64|artifact_prefix|Test unit written)" || true
  # The pipeline hides the fuzzer's status: a failure leaves an artifact.
  artifacts=$(find build-fuzz -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \))
  if [ -n "$artifacts" ]; then
    for a in $artifacts; do echo "fuzz_$target failing input $a (base64): $(base64 -w0 "$a")"; done
    exit 1
  fi
done
