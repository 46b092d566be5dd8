#pragma once
// A POSIX clock's reading in nanoseconds: CLOCK_REALTIME stamps a pass,
// CLOCK_MONOTONIC times passes and schedules them (macOS adds
// CLOCK_UPTIME_RAW for its tcp_now estimate).

#include <time.h>

#include <cstdint>

namespace tcpstats::reader {

[[nodiscard]] inline std::uint64_t clock_ns(clockid_t clock) noexcept {
  struct timespec ts {};
  clock_gettime(clock, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace tcpstats::reader
