#include "sources/macos/live.hpp"

#include <time.h>

#include <cstdint>
#include <vector>

#include "core/tool_version.hpp"
#include "sources/bsd_sysctl.hpp"
#include "sources/clock.hpp"
#include "tcpstats/xnu/pcblist_n.hpp"
#include "tcpstats/xnu/units.hpp"

namespace tcpstats::reader {

namespace {

using bsd::read_string;
using bsd::read_sysctl;
using bsd::read_u32;

// Header and trailer generations of a pcblist_n buffer, when it walks.
std::optional<bsd::list_generations> generations_of(const std::vector<std::byte>& table) {
  const auto list = xnu::pcblist_n::parse(table);
  if (!list) return std::nullopt;
  auto groups = list->groups();
  const auto trailer = groups.trailer();
  if (!trailer) return std::nullopt;
  return bsd::list_generations{list->header().xig_gen(), trailer->xig_gen()};
}

}  // namespace

std::optional<raw_pass> read_macos_pass(std::string& error) {
  raw_pass out;
  out.meta.source = platform::macos;
  out.meta.timestamp_ns = clock_ns(CLOCK_REALTIME);
  const std::uint64_t started = clock_ns(CLOCK_MONOTONIC);

  std::vector<std::byte> table;
  const auto changed = bsd::read_pcb_list("net.inet.tcp.pcblist_n", table, error, generations_of);
  if (!changed) return std::nullopt;
  out.generation_changed = *changed;
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
