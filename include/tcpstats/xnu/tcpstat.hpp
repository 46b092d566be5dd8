#pragma once
// macOS net.inet.tcp.stats (struct tcpstat in bsd/netinet/tcp_var.h): an
// array of u_int32_t counters that grows at its end and in its middle across
// releases. The first 33 members have kept their order since 4.4BSD; only
// those are decoded here. macOS returns an all-zero struct to non-root
// callers: is_readable() tells that apart from real (never all-zero) data.
//
// Contract: decode_tcpstat() accepts bytes of any length, read as
// little-endian u_int32_t; fewer than tcpstat_min_size bytes is
// record_too_short at offset 0. The counters are copied out (nothing points
// into the bytes) and wrap at 32 bits.

#include <cstddef>
#include <cstdint>
#include <span>

#include "tcpstats/bytes.hpp"
#include "tcpstats/error.hpp"

namespace tcpstats::xnu {

// Host-wide TCP counters, as the kernel keeps them: 32-bit, wrapping.
struct tcpstat_counters {
  std::uint32_t connattempt;  // connections initiated
  std::uint32_t accepts;      // connections accepted
  std::uint32_t connects;     // connections established
  std::uint32_t drops;        // connections dropped
  std::uint32_t sndtotal;     // packets sent
  std::uint32_t sndbyte;      // data bytes sent
  std::uint32_t sndrexmitpack;  // data packets retransmitted
  std::uint32_t sndrexmitbyte;  // data bytes retransmitted
  std::uint32_t rcvtotal;     // packets received
  std::uint32_t rcvbyte;      // bytes received in sequence
  std::uint32_t rcvbadsum;    // packets received with checksum errors
  std::uint32_t rcvduppack;   // duplicate-only packets received
};

namespace detail {
// Indexes of u_int32_t members of struct tcpstat (stable since 4.4BSD).
enum tcpstat_index : std::size_t {
  tcps_connattempt = 0,
  tcps_accepts = 1,
  tcps_connects = 2,
  tcps_drops = 3,
  tcps_sndtotal = 15,
  tcps_sndbyte = 17,
  tcps_sndrexmitpack = 18,
  tcps_sndrexmitbyte = 19,
  tcps_rcvtotal = 25,
  tcps_rcvbyte = 27,
  tcps_rcvbadsum = 28,
  tcps_rcvduppack = 32,
  tcpstat_decoded_members = 33,
};
}  // namespace detail

// The smallest buffer decode_tcpstat accepts: the 33 stable members.
inline constexpr std::size_t tcpstat_min_size = detail::tcpstat_decoded_members * 4;

// Decodes the stable counters; record_too_short (offset 0) below
// tcpstat_min_size bytes.
[[nodiscard]] constexpr result<tcpstat_counters> decode_tcpstat(std::span<const std::byte> bytes) noexcept {
  if (bytes.size() < tcpstat_min_size) return parse_error{errc::record_too_short, 0};
  const auto at = [bytes](std::size_t index) {
    return tcpstats::detail::load_le_unchecked<std::uint32_t>(bytes.data() + index * 4);
  };
  using namespace detail;
  return tcpstat_counters{at(tcps_connattempt), at(tcps_accepts),      at(tcps_connects),
                          at(tcps_drops),       at(tcps_sndtotal),     at(tcps_sndbyte),
                          at(tcps_sndrexmitpack), at(tcps_sndrexmitbyte), at(tcps_rcvtotal),
                          at(tcps_rcvbyte),     at(tcps_rcvbadsum),    at(tcps_rcvduppack)};
}

// False for the all-zero struct macOS hands to callers without root.
[[nodiscard]] constexpr bool is_readable(std::span<const std::byte> bytes) noexcept {
  for (std::byte b : bytes) {
    if (b != std::byte{0}) return true;
  }
  return false;
}

}  // namespace tcpstats::xnu
