#include "sources/live.hpp"

#include "sources/clock.hpp"

#include <time.h>

#include <cerrno>

#if defined(__APPLE__)
#include "sources/macos/live.hpp"
#endif
#if defined(__FreeBSD__)
#include "sources/freebsd/live.hpp"
#endif
#if defined(__linux__)
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "sources/linux/live.hpp"
#endif

namespace tcpstats::reader {

platform running_platform() {
#if defined(__APPLE__)
  return platform::macos;
#elif defined(__FreeBSD__)
  return platform::freebsd;
#elif defined(__linux__)
  return platform::linux_;
#else
  return platform::unknown;
#endif
}

bool live_supported(platform source) {
#if defined(__APPLE__)
  return source == platform::macos;
#elif defined(__FreeBSD__)
  return source == platform::freebsd;
#elif defined(__linux__)
  return source == platform::linux_;
#else
  (void)source;
  return false;
#endif
}

std::optional<raw_pass> read_live_pass(platform source, const live_options& options, std::string& error) {
#if defined(__APPLE__)
  if (source == platform::macos) return read_macos_pass(error);
#endif
#if defined(__FreeBSD__)
  if (source == platform::freebsd) return read_freebsd_pass(error);
#endif
#if defined(__linux__)
  if (source == platform::linux_) return read_linux_pass(linux_read_options{options.linux_state_mask, options.ipv4, options.ipv6}, error);
#endif
  (void)options;
  (void)source;
  error = "live collection is not supported by this build";
  return std::nullopt;
}

std::string live_table_name(platform source) {
  switch (source) {
    case platform::macos: return "sysctl net.inet.tcp.pcblist_n";
    case platform::freebsd: return "sysctl net.inet.tcp.pcblist (or /dev/tcpstats)";
    case platform::linux_: return "netlink sock_diag dump";
    case platform::unknown: break;
  }
  return "live table";
}

bool enter_network_namespace(const std::string& name_or_path, std::string& error) {
#if defined(__linux__)
  const std::string path =
      name_or_path.find('/') == std::string::npos ? "/var/run/netns/" + name_or_path : name_or_path;
  // Non-blocking: a FIFO planted at the path must not hang the open. A
  // namespace file (nsfs) is a regular file; anything else is refused
  // before setns is asked.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    error = "--netns " + name_or_path + ": " + path + ": " + std::strerror(errno);
    return false;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    error = "--netns " + name_or_path + ": " + path + ": not a network namespace file";
    return false;
  }
  const int rc = ::setns(fd, CLONE_NEWNET);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) {
    error = "--netns " + name_or_path + ": setns: " + std::strerror(saved) +
            (saved == EPERM    ? " (needs CAP_SYS_ADMIN, e.g. root)"
             : saved == EINVAL ? " (not a network namespace file)"
                               : "");
    return false;
  }
  return true;
#else
  error = "--netns " + name_or_path + ": network namespaces are a Linux feature";
  return false;
#endif
}

std::uint64_t monotonic_ns() { return clock_ns(CLOCK_MONOTONIC); }

bool sleep_until(std::uint64_t deadline, const volatile std::sig_atomic_t& stop) {
  for (;;) {
    if (stop) return false;
    const std::uint64_t now = monotonic_ns();
    if (now >= deadline) return true;
#if defined(__linux__)
    // Absolute deadline: no drift from the time spent deciding to sleep.
    struct timespec until {};
    until.tv_sec = static_cast<time_t>(deadline / 1'000'000'000u);
    until.tv_nsec = static_cast<long>(deadline % 1'000'000'000u);
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr);
#else
    // macOS has no clock_nanosleep; the loop re-reads the clock instead.
    struct timespec rest {};
    rest.tv_sec = static_cast<time_t>((deadline - now) / 1'000'000'000u);
    rest.tv_nsec = static_cast<long>((deadline - now) % 1'000'000'000u);
    nanosleep(&rest, nullptr);
#endif
  }
}

}  // namespace tcpstats::reader
