#pragma once
// XNU's units and encodings turned into plain ones: RTTs in microseconds,
// addresses by inp_vflag with the KAME scope id pulled out, traffic totals
// by Darwin version, and the tcp_now clock.
//
// Contract: pure constexpr functions, no allocation. Inputs are the kernel's
// raw values as the views return them; outputs carry their unit in the name
// (µs, ms). An RTT the kernel has not measured yet (t_srtt 0), or a value
// too large to be a time, comes back empty.
// parse_darwin_release() accepts any text and fails with invalid_release.

#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

#include "tcpstats/error.hpp"
#include "tcpstats/ip_address.hpp"
#include "tcpstats/xnu/records.hpp"

namespace tcpstats::xnu {

// XNU's TCP clock tcp_now ticks in milliseconds (TCP_RETRANSHZ = 1000);
// t_srtt is kept in ms << TCP_RTT_SHIFT and t_rttvar in ms << TCP_RTTVAR_SHIFT.
inline constexpr std::uint32_t tcp_rtt_shift = 5;
inline constexpr std::uint32_t tcp_rttvar_shift = 4;

namespace detail {
[[nodiscard]] constexpr std::optional<std::uint32_t> scaled_ms_to_us(std::int32_t value,
                                                                     std::uint32_t shift) noexcept {
  if (value < 0) return std::nullopt;
  const std::uint64_t us = (std::uint64_t{static_cast<std::uint32_t>(value)} * 1000u) >> shift;
  if (us > UINT32_MAX) return std::nullopt;  // over 71 minutes: not an RTT
  return static_cast<std::uint32_t>(us);
}
}  // namespace detail

// Smoothed RTT in microseconds; empty while t_srtt is 0 (no sample yet),
// or when it is negative or too large to be a time.
[[nodiscard]] constexpr std::optional<std::uint32_t> srtt_us(std::int32_t t_srtt) noexcept {
  if (t_srtt == 0) return std::nullopt;
  return detail::scaled_ms_to_us(t_srtt, tcp_rtt_shift);
}

// RTT variance in microseconds; empty when there is no RTT sample.
[[nodiscard]] constexpr std::optional<std::uint32_t> rttvar_us(std::int32_t t_rttvar,
                                                               std::int32_t t_srtt) noexcept {
  if (t_srtt == 0) return std::nullopt;
  return detail::scaled_ms_to_us(t_rttvar, tcp_rttvar_shift);
}

// Retransmit timeout in microseconds from t_rxtcur (ms); empty if the value
// is negative or too large to be one.
[[nodiscard]] constexpr std::optional<std::uint32_t> rto_us(std::int32_t t_rxtcur) noexcept {
  if (t_rxtcur < 0) return std::nullopt;
  const std::uint64_t us = std::uint64_t{static_cast<std::uint32_t>(t_rxtcur)} * 1000u;
  if (us > UINT32_MAX) return std::nullopt;
  return static_cast<std::uint32_t>(us);
}

// A Darwin kernel release (kern.osrelease, "24.4.0"). macOS 15 is Darwin 24.
struct darwin_release {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::uint32_t patch = 0;

  friend constexpr auto operator<=>(const darwin_release&, const darwin_release&) = default;
};

// The newest release whose layout and semantics this library knows; the
// default when a caller does not say which kernel wrote a dump.
inline constexpr darwin_release newest_known_release{24, 4, 0};

// Parses "MAJOR[.MINOR[.PATCH]]". Error offsets index into `text`.
[[nodiscard]] constexpr result<darwin_release> parse_darwin_release(std::string_view text) noexcept {
  darwin_release out;
  std::array<std::uint32_t*, 3> parts{&out.major, &out.minor, &out.patch};
  std::size_t pos = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::size_t start = pos;
    std::uint64_t value = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      value = value * 10 + static_cast<std::uint64_t>(text[pos] - '0');
      if (value > UINT32_MAX) return parse_error{errc::invalid_release, start};
      ++pos;
    }
    if (pos == start) return parse_error{errc::invalid_release, pos};
    *parts[i] = static_cast<std::uint32_t>(value);
    if (pos == text.size()) return out;
    if (text[pos] != '.' || i + 1 == parts.size()) return parse_error{errc::invalid_release, pos};
    ++pos;
  }
  return parse_error{errc::invalid_release, pos};
}

// Connection totals from xsockstat_n. Before Darwin 24 the four groups are
// per traffic class (BE, BK, VI, VO) and the total is their sum; from
// Darwin 24 (macOS 15) group 0 holds all traffic and group 1 counts what
// was dropped for lack of socket-buffer space.
[[nodiscard]] constexpr data_stats sockstat_totals(const xsockstat_n_view& stats,
                                                   darwin_release release) noexcept {
  if (release.major >= 24) return stats.xst_tc_stats(0);
  data_stats total{};
  for (std::size_t i = 0; i < xsockstat_n_view::group_count; ++i) {
    const data_stats g = stats.xst_tc_stats(i);
    total.rxpackets += g.rxpackets;
    total.rxbytes += g.rxbytes;
    total.txpackets += g.txpackets;
    total.txbytes += g.txbytes;
  }
  return total;
}

// The endpoints of a PCB, by inp_vflag.
struct endpoint_addresses {
  ip_address local;
  ip_address remote;
  bool dual_stack = false;  // an IPv6 socket that also carries IPv4 (0x3)
};

// An IPv6 address as XNU stores it: scoped addresses (link-local and the
// KAME-scoped multicast ranges) carry the interface index in bytes 2..3,
// network order. Moves it into scope_id and clears those bytes, as netstat does.
[[nodiscard]] constexpr ip_address ipv6_from_kernel(const std::array<std::uint8_t, 16>& raw) noexcept {
  ip_address out{ip_family::ipv6, raw, 0};
  if (is_scoped_ipv6(raw)) {
    out.scope_id = (std::uint32_t{raw[2]} << 8) | raw[3];
    out.bytes[2] = 0;
    out.bytes[3] = 0;
  }
  return out;
}

// IPv4 from the last 4 bytes of XNU's 16-byte in_addr_4in6 field.
[[nodiscard]] constexpr ip_address ipv4_from_kernel(const std::array<std::uint8_t, 16>& raw) noexcept {
  ip_address out{ip_family::ipv4, {}, 0};
  for (std::size_t i = 0; i < 4; ++i) out.bytes[i] = raw[12 + i];
  return out;
}

// Empty when inp_vflag names neither IPv4 nor IPv6.
[[nodiscard]] constexpr std::optional<endpoint_addresses> addresses(const xinpcb_n_view& inpcb) noexcept {
  const std::uint8_t vflag = inpcb.inp_vflag();
  if ((vflag & inp_ipv6) != 0) {
    return endpoint_addresses{ipv6_from_kernel(inpcb.inp_laddr()), ipv6_from_kernel(inpcb.inp_faddr()),
                              (vflag & inp_ipv4) != 0};
  }
  if ((vflag & inp_ipv4) != 0) {
    return endpoint_addresses{ipv4_from_kernel(inpcb.inp_laddr()), ipv4_from_kernel(inpcb.inp_faddr()), false};
  }
  return std::nullopt;
}

// Milliseconds from an earlier tcp_now reading to a later one, modulo 2^32
// as XNU's own timer arithmetic is.
[[nodiscard]] constexpr std::uint32_t tcp_now_elapsed_ms(std::uint32_t earlier, std::uint32_t later) noexcept {
  return later - earlier;
}

// Estimates the current tcp_now (ms) from the sysctls net.inet.tcp.now_init
// and net.inet.tcp.microuptime_init (µs) and the current uptime in µs:
// now_init + (uptime − microuptime_init) / 1000, modulo 2^32. Approximate:
// tcp_now advances in steps and the two samples are not taken at once.
[[nodiscard]] constexpr std::uint32_t estimate_tcp_now(std::uint32_t now_init, std::uint32_t microuptime_init,
                                                       std::uint64_t uptime_us) noexcept {
  const std::uint64_t since_init_ms = uptime_us > microuptime_init ? (uptime_us - microuptime_init) / 1000u : 0;
  return static_cast<std::uint32_t>(now_init + since_init_ms);
}

}  // namespace tcpstats::xnu
