// The CPU time of one steady-state pass of tcpstats-reader, measured inside
// the process: an LD_PRELOAD module for bench/linux_vs_ss.sh.
//
// The tool sleeps (clock_nanosleep) after every pass but the last. The
// process's CPU time (all its threads) from its first sleep to its last,
// over the passes in between, is therefore the mean of the steady passes
// alone: no start-up, no exit, and no first pass, whose fresh pages make
// its cost vary by up to 50 ms from run to run on this VM (bench/README.md,
// run 8). Subtracting a one-pass run from an eleven-pass run carried that
// noise into every steady-pass figure.
//
//   STEADY_PASS_CPU_OUT=FILE LD_PRELOAD=.../libsteady_pass_cpu.so tcpstats-reader -c 11 -i 10ms ...
// writes the mean CPU time of passes 2 to 10, in ms, to FILE at exit
// (nothing with fewer than three passes).
#include <dlfcn.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>

#include "process_cpu.hpp"

namespace {

double first_sleep_ms = 0, last_sleep_ms = 0;
long sleeps = 0;

[[gnu::destructor]] void report() {
  const char* path = std::getenv("STEADY_PASS_CPU_OUT");
  if (path == nullptr || sleeps < 2) return;
  if (std::FILE* out = std::fopen(path, "w")) {
    std::fprintf(out, "%.3f\n", (last_sleep_ms - first_sleep_ms) / static_cast<double>(sleeps - 1));
    std::fclose(out);
  }
}

}  // namespace

extern "C" int clock_nanosleep(clockid_t clock, int flags, const timespec* request, timespec* remain) {
  using function = int (*)(clockid_t, int, const timespec*, timespec*);
  static const auto next = reinterpret_cast<function>(dlsym(RTLD_NEXT, "clock_nanosleep"));
  const double now = process_cpu_ms();
  if (sleeps++ == 0) first_sleep_ms = now;
  last_sleep_ms = now;
  return next(clock, flags, request, remain);
}
