#include "sources/macos/live.hpp"

#include <sys/sysctl.h>
#include <time.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/tool_version.hpp"
#include "tcpstats/xnu/pcblist_n.hpp"
#include "tcpstats/xnu/units.hpp"

namespace tcpstats::reader {

namespace {

constexpr int enomem_retries = 8;
constexpr int generation_retries = 5;

std::uint64_t clock_ns(clockid_t clock) {
  struct timespec ts {};
  clock_gettime(clock, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::string sysctl_error(const char* name) { return std::string("sysctl ") + name + ": " + std::strerror(errno); }

// The value of a variable-size sysctl. The table can grow between the size
// probe and the read (ENOMEM): probe again, with headroom.
bool read_sysctl(const char* name, std::vector<std::byte>& out, std::string& error) {
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

std::optional<std::string> read_string(const char* name) {
  std::vector<std::byte> raw;
  std::string ignored;
  if (!read_sysctl(name, raw, ignored)) return std::nullopt;
  std::string text(reinterpret_cast<const char*>(raw.data()), raw.size());
  if (const auto nul = text.find('\0'); nul != std::string::npos) text.resize(nul);
  return text;
}

std::optional<std::uint32_t> read_u32(const char* name) {
  std::uint32_t value = 0;
  std::size_t size = sizeof value;
  if (sysctlbyname(name, &value, &size, nullptr, 0) != 0 || size != sizeof value) return std::nullopt;
  return value;
}

// Header and trailer generations of a pcblist_n buffer, when it walks.
struct generations {
  std::uint64_t header;
  std::uint64_t trailer;
};
std::optional<generations> list_generations(const std::vector<std::byte>& table) {
  const auto list = xnu::pcblist_n::parse(table);
  if (!list) return std::nullopt;
  auto groups = list->groups();
  const auto trailer = groups.trailer();
  if (!trailer) return std::nullopt;
  return generations{list->header().xig_gen(), trailer->xig_gen()};
}

}  // namespace

std::optional<raw_pass> read_macos_pass(std::string& error) {
  raw_pass out;
  out.meta.source = platform::macos;
  out.meta.timestamp_ns = clock_ns(CLOCK_REALTIME);
  const std::uint64_t started = clock_ns(CLOCK_MONOTONIC);

  constexpr const char* table_name = "net.inet.tcp.pcblist_n";
  std::vector<std::byte> table;
  for (int attempt = 1;; ++attempt) {
    if (!read_sysctl(table_name, table, error)) return std::nullopt;
    const auto gens = list_generations(table);
    // A malformed buffer is reported by the decoder, with its offset.
    if (!gens || gens->header == gens->trailer) {
      out.generation_changed = false;
      break;
    }
    if (attempt == generation_retries) {
      out.generation_changed = true;
      break;
    }
  }
  out.table = byte_blob(std::move(table));
  // tcp_now ≈ now_init + (uptime − microuptime_init) / 1000, in ms.
  const auto now_init = read_u32("net.inet.tcp.now_init");
  const auto microuptime_init = read_u32("net.inet.tcp.microuptime_init");
  if (now_init && microuptime_init) {
    out.meta.tcp_now_ms = xnu::estimate_tcp_now(*now_init, *microuptime_init, clock_ns(CLOCK_UPTIME_RAW) / 1000u);
  }
  std::vector<std::byte> stats;
  if (read_sysctl("net.inet.tcp.stats", stats, error)) out.tcp_stats = std::move(stats);
  error.clear();
  out.meta.collection_duration_ns = clock_ns(CLOCK_MONOTONIC) - started;

  out.meta.hostname = read_string("kern.hostname");
  out.meta.os_version = read_string("kern.osproductversion");
  out.meta.os_release = read_string("kern.osrelease");
  out.meta.tool_version = std::string(tool_version);
  return out;
}

}  // namespace tcpstats::reader
