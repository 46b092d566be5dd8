#pragma once
// FreeBSD net.inet.tcp.stats (struct tcpstat: host-order u64 counters,
// already summed across CPUs) and net.inet.tcp.states (u64 connection counts
// per TCPS_* state). The order of struct tcpstat's members depends on the
// release (14 inserts tcps_progdrops, 15 more members mid-struct): the
// counters are read through the release's generated table (release.hpp
// says which release reads which; docs/freebsd.md where each comes from).

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "tcpstats/bytes.hpp"
#include "tcpstats/error.hpp"
#include "tcpstats/freebsd/layouts.hpp"
#include "tcpstats/freebsd/release.hpp"
#include "tcpstats/tcp_state.hpp"

namespace tcpstats::freebsd {

// Host-wide TCP counters since boot (or the last `netstat -z`), 64-bit.
struct tcpstat_counters {
  std::uint64_t connattempt;    // connections initiated
  std::uint64_t accepts;        // connections accepted
  std::uint64_t connects;       // connections established
  std::uint64_t drops;          // connections dropped
  std::uint64_t conndrops;      // embryonic connections dropped
  std::uint64_t closed;         // connections closed
  std::uint64_t sndtotal;       // packets sent
  std::uint64_t sndpack;        // data packets sent
  std::uint64_t sndbyte;        // data bytes sent
  std::uint64_t sndrexmitpack;  // data packets retransmitted
  std::uint64_t sndrexmitbyte;  // data bytes retransmitted
  std::uint64_t rcvtotal;       // packets received
  std::uint64_t rcvpack;        // packets received in sequence
  std::uint64_t rcvbyte;        // bytes received in sequence
  std::uint64_t rcvbadsum;      // packets received with checksum errors
  std::uint64_t rcvduppack;     // duplicate-only packets received
  std::uint64_t rcvoopack;      // out-of-order packets received

  friend constexpr bool operator==(const tcpstat_counters&, const tcpstat_counters&) = default;
};

namespace detail {

using tcpstat_member = field layouts::tcpstat_layout::*;

// The members decoded, in tcpstat_counters order. Each must be present in
// every release's table, so every release can decode it.
inline constexpr std::array<tcpstat_member, 17> decoded_tcpstat_members{
    &layouts::tcpstat_layout::tcps_connattempt, &layouts::tcpstat_layout::tcps_accepts,
    &layouts::tcpstat_layout::tcps_connects,    &layouts::tcpstat_layout::tcps_drops,
    &layouts::tcpstat_layout::tcps_conndrops,   &layouts::tcpstat_layout::tcps_closed,
    &layouts::tcpstat_layout::tcps_sndtotal,    &layouts::tcpstat_layout::tcps_sndpack,
    &layouts::tcpstat_layout::tcps_sndbyte,     &layouts::tcpstat_layout::tcps_sndrexmitpack,
    &layouts::tcpstat_layout::tcps_sndrexmitbyte, &layouts::tcpstat_layout::tcps_rcvtotal,
    &layouts::tcpstat_layout::tcps_rcvpack,     &layouts::tcpstat_layout::tcps_rcvbyte,
    &layouts::tcpstat_layout::tcps_rcvbadsum,   &layouts::tcpstat_layout::tcps_rcvduppack,
    &layouts::tcpstat_layout::tcps_rcvoopack};

static_assert([] {
  for (const auto& table : layouts::tcpstat) {
    for (const auto member : decoded_tcpstat_members) {
      if ((table.*member).size != 8) return false;
    }
  }
  return true;
}());

// Bytes a release's table needs to decode every member above.
[[nodiscard]] constexpr std::size_t tcpstat_bytes_needed(const layouts::tcpstat_layout& table) noexcept {
  std::size_t end = 0;
  for (const auto member : decoded_tcpstat_members) end = std::max(end, (table.*member).end());
  return end;
}

}  // namespace detail

// Decodes the counters with `release`'s member order. record_too_short
// (offset 0) when the buffer ends before a decoded member.
[[nodiscard]] constexpr result<tcpstat_counters> decode_tcpstat(std::span<const std::byte> bytes,
                                                                freebsd_release release = newest_known_release) noexcept {
  const layouts::tcpstat_layout& table = detail::tcpstat_layout_for(release);
  if (bytes.size() < detail::tcpstat_bytes_needed(table)) return parse_error{errc::record_too_short, 0};
  std::array<std::uint64_t, detail::decoded_tcpstat_members.size()> v{};
  for (std::size_t i = 0; i < v.size(); ++i) {
    v[i] = tcpstats::detail::load_le_unchecked<std::uint64_t>(bytes.data() + (table.*detail::decoded_tcpstat_members[i]).offset);
  }
  return tcpstat_counters{v[0], v[1],  v[2],  v[3],  v[4],  v[5],  v[6],  v[7], v[8],
                          v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16]};
}

// net.inet.tcp.states: connections per state, indexed by TCPS_* number.
using tcp_state_counts = std::array<std::uint64_t, tcp_state_count>;

// Exactly 11 u64 (TCP_NSTATES): record_too_short below, unexpected_length
// above (offset 0).
[[nodiscard]] constexpr result<tcp_state_counts> decode_tcp_states(std::span<const std::byte> bytes) noexcept {
  constexpr std::size_t expected = tcp_state_count * 8;
  if (bytes.size() < expected) return parse_error{errc::record_too_short, 0};
  if (bytes.size() > expected) return parse_error{errc::unexpected_length, 0};
  tcp_state_counts out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = tcpstats::detail::load_le_unchecked<std::uint64_t>(bytes.data() + i * 8);
  }
  return out;
}

}  // namespace tcpstats::freebsd
