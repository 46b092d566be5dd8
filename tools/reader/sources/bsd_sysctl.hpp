#pragma once
// sysctl reads shared by the live readers of macOS and FreeBSD (their
// kernels share the interface: sysctlbyname(3), a size probe with a null
// buffer, ENOMEM when the value outgrew the buffer). Included only by
// sources/macos/ and sources/freebsd/: Linux has no <sys/sysctl.h>.
// Reads only: nothing here ever passes a new value (writing
// net.inet.tcp.stats would zero the counters).

#include <sys/types.h>  // before sys/sysctl.h, which FreeBSD's needs
#include <sys/sysctl.h>
#include <time.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace tcpstats::reader::bsd {

// Reads of one variable-size value, when it keeps growing past the probed
// size (ENOMEM) between the probe and the read.
inline constexpr int enomem_retries = 8;
// Reads of a PCB list while its header's and trailer's generations differ
// (the list changed during the copy), as FreeBSD's sockstat does.
inline constexpr int generation_retries = 5;

// "sysctl NAME: strerror(errno)".
[[nodiscard]] inline std::string sysctl_error(const char* name) {
  return std::string("sysctl ") + name + ": " + std::strerror(errno);
}

// The value of a variable-size sysctl: probe its size, read into that
// size plus an eighth and 4 KiB; on ENOMEM (it grew past that in between)
// probe and read again, at most enomem_retries times. On failure returns
// false and sets `error` to one line naming the sysctl.
[[nodiscard]] inline bool read_sysctl(const char* name, std::vector<std::byte>& out, std::string& error) {
  for (int attempt = 0; attempt < enomem_retries; ++attempt) {
    std::size_t size = 0;
    if (sysctlbyname(name, nullptr, &size, nullptr, 0) != 0) {
      error = sysctl_error(name);
      return false;
    }
    size += size / 8 + 4096;
    out.resize(size);
    if (sysctlbyname(name, out.data(), &size, nullptr, 0) == 0) {
      out.resize(size);
      return true;
    }
    if (errno != ENOMEM) {
      error = sysctl_error(name);
      return false;
    }
  }
  error = std::string("sysctl ") + name + ": still growing after " + std::to_string(enomem_retries) + " reads";
  return false;
}

// A string sysctl (kern.hostname, kern.osrelease) up to its first NUL;
// empty when it cannot be read.
[[nodiscard]] inline std::optional<std::string> read_string(const char* name) {
  std::vector<std::byte> raw;
  std::string ignored;
  if (!read_sysctl(name, raw, ignored)) return std::nullopt;
  std::string text(reinterpret_cast<const char*>(raw.data()), raw.size());
  if (const auto nul = text.find('\0'); nul != std::string::npos) text.resize(nul);
  return text;
}

// A 32-bit sysctl; empty when it cannot be read or has another size.
[[nodiscard]] inline std::optional<std::uint32_t> read_u32(const char* name) {
  std::uint32_t value = 0;
  std::size_t size = sizeof value;
  if (sysctlbyname(name, &value, &size, nullptr, 0) != 0 || size != sizeof value) return std::nullopt;
  return value;
}

// The generations (xig_gen) of a PCB list's header and trailer.
struct list_generations {
  std::uint64_t header;
  std::uint64_t trailer;
};

// Reads the PCB list `name` into `out`, again (at most generation_retries
// reads in all) while `generations_of(out)` says its header's and
// trailer's generations differ. `generations_of` returns empty when the
// buffer does not walk: that is the decoder's to report, with its offset,
// so the read stands. Returns whether the generations still differed on
// the last read; empty, with `error` set, when a read failed.
template <class GenerationsOf>
[[nodiscard]] std::optional<bool> read_pcb_list(const char* name, std::vector<std::byte>& out, std::string& error,
                                                GenerationsOf generations_of) {
  for (int attempt = 1; attempt <= generation_retries; ++attempt) {
    if (!read_sysctl(name, out, error)) return std::nullopt;
    const std::optional<list_generations> gens = generations_of(out);
    if (!gens || gens->header == gens->trailer) return false;
  }
  return true;
}

}  // namespace tcpstats::reader::bsd
