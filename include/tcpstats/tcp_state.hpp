#pragma once
// TCP connection states, platform-neutral, and the conversion from the BSD
// kernels' TCPS_* numbers (macOS and FreeBSD share them).
//
// Contract: tcp_state values are the BSD TCPS_* numbers and will not change.
// to_string() returns static text ("INVALID" for a value outside the enum);
// tcp_state_from_bsd() accepts any int32 and fails with invalid_state.

#include <array>
#include <cstdint>
#include <string_view>

#include "tcpstats/error.hpp"

namespace tcpstats {

// Values equal the BSD TCPS_* numbers; the protobuf TcpState is value + 1.
enum class tcp_state : std::uint8_t {
  closed = 0,
  listen = 1,
  syn_sent = 2,
  syn_received = 3,
  established = 4,
  close_wait = 5,
  fin_wait_1 = 6,
  closing = 7,
  last_ack = 8,
  fin_wait_2 = 9,
  time_wait = 10,
};

inline constexpr std::size_t tcp_state_count = 11;

// The kernel's name for the state, as netstat prints it.
[[nodiscard]] constexpr std::string_view to_string(tcp_state state) noexcept {
  constexpr std::array<std::string_view, tcp_state_count> names{
      "CLOSED",     "LISTEN",  "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "CLOSE_WAIT",
      "FIN_WAIT_1", "CLOSING", "LAST_ACK", "FIN_WAIT_2",   "TIME_WAIT"};
  const auto index = static_cast<std::size_t>(state);
  return index < names.size() ? names[index] : std::string_view{"INVALID"};
}

// Converts a BSD TCPS_* number (macOS and FreeBSD t_state). Any number
// outside 0..10 is invalid_state; the offset is the caller's (the field's
// position in its input), passed through into the error.
[[nodiscard]] constexpr result<tcp_state> tcp_state_from_bsd(std::int32_t t_state,
                                                             std::size_t offset = 0) noexcept {
  if (t_state < 0 || static_cast<std::size_t>(t_state) >= tcp_state_count) {
    return parse_error{errc::invalid_state, offset};
  }
  return static_cast<tcp_state>(t_state);
}

}  // namespace tcpstats
