#pragma once
// The CPU time this process has used so far, all threads, in ms: how
// netlink_floor and steady_pass_cpu.cpp time a steady pass.
#include <time.h>

inline double process_cpu_ms() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
}
