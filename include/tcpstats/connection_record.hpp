#pragma once
// The platform-neutral connection record that every source (macOS
// pcblist_n, FreeBSD pcblist, Linux sock_diag) fills. A field a source does
// not provide stays empty: absent, never a made-up zero. Units are in the
// names; sequence numbers and counters are the kernel's raw values.

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "tcpstats/ip_address.hpp"
#include "tcpstats/tcp_state.hpp"

namespace tcpstats {

// A short kernel name (congestion control, TCP stack, process), copied
// without allocation. Longer input is cut at capacity, at a UTF-8 boundary.
class short_name {
 public:
  static constexpr std::size_t capacity = 32;

  constexpr short_name() = default;
  constexpr explicit short_name(std::string_view text) noexcept {
    std::size_t size = std::min(text.size(), capacity);
    // Never cut a UTF-8 sequence in two: back off over continuation bytes.
    if (size < text.size()) {
      while (size > 0 && (static_cast<unsigned char>(text[size]) & 0xC0u) == 0x80u) --size;
    }
    size_ = static_cast<std::uint8_t>(size);
    std::copy_n(text.begin(), size_, chars_.begin());
  }
  [[nodiscard]] constexpr std::string_view view() const noexcept { return {chars_.data(), size_}; }
  friend constexpr bool operator==(const short_name& a, const short_name& b) noexcept {
    return a.view() == b.view();
  }

 private:
  std::array<char, capacity> chars_{};
  std::uint8_t size_ = 0;
};

struct connection_record {
  // Endpoints. Addresses are network order; ports are host order, 0 when
  // unbound (a listener's remote end).
  std::optional<ip_address> local_address;
  std::optional<ip_address> remote_address;
  std::uint16_t local_port = 0;
  std::uint16_t remote_port = 0;
  // An IPv6 listener that also accepts IPv4 (macOS inp_vflag 0x3).
  std::optional<bool> dual_stack;

  // State: `state` when the kernel's number is a known one; `kernel_state`
  // always holds the number as read, so an invalid one is still reported.
  std::optional<tcp_state> state;
  std::optional<std::int32_t> kernel_state;

  // Identity: opaque kernel socket id (macOS xso_so, FreeBSD xso_so, Linux
  // cookie) and the PCB generation count.
  std::optional<std::uint64_t> socket_id;
  std::optional<std::uint64_t> inp_gencnt;

  // Congestion and windows, bytes.
  std::optional<std::uint32_t> tcp_flags;
  std::optional<std::uint32_t> snd_cwnd;
  std::optional<std::uint32_t> snd_ssthresh;
  std::optional<std::uint32_t> snd_wnd;
  std::optional<std::uint32_t> rcv_wnd;
  std::optional<std::uint32_t> maxseg;
  std::optional<std::uint8_t> snd_wscale;
  std::optional<std::uint8_t> rcv_wscale;
  std::optional<short_name> cc_algo;
  std::optional<short_name> tcp_stack;

  // Round-trip times, microseconds.
  std::optional<std::uint32_t> rtt_us;
  std::optional<std::uint32_t> rttvar_us;
  std::optional<std::uint32_t> rto_us;
  std::optional<std::uint32_t> rtt_min_us;
  std::optional<std::uint32_t> rtt_update_count;

  // Sequence space (raw 32-bit sequence numbers).
  std::optional<std::uint32_t> snd_una;
  std::optional<std::uint32_t> snd_nxt;
  std::optional<std::uint32_t> snd_max;
  std::optional<std::uint32_t> rcv_nxt;
  std::optional<std::uint32_t> rcv_adv;

  // Loss and recovery.
  std::optional<std::uint32_t> rexmit_packets;
  std::optional<std::uint32_t> ooo_packets;
  std::optional<std::uint32_t> zerowin_probes;
  std::optional<std::uint32_t> dupacks;
  std::optional<std::uint32_t> rxt_shift;
  std::optional<std::uint32_t> dsack_bytes;
  std::optional<std::uint32_t> dsack_packets;

  // Traffic totals since the connection started.
  std::optional<std::uint64_t> tx_bytes;
  std::optional<std::uint64_t> rx_bytes;
  std::optional<std::uint64_t> tx_packets;
  std::optional<std::uint64_t> rx_packets;

  // Timers: milliseconds until they fire (0 = armed to fire now). Sources
  // that cannot tell the remaining time leave them empty.
  std::optional<std::uint32_t> timer_rexmt_ms;
  std::optional<std::uint32_t> timer_persist_ms;
  std::optional<std::uint32_t> timer_keep_ms;
  std::optional<std::uint32_t> timer_2msl_ms;
  std::optional<std::uint32_t> timer_delack_ms;

  // Milliseconds since the last segment was received, and since the
  // connection started (estimates where the source says so).
  std::optional<std::uint32_t> idle_time_ms;
  std::optional<std::uint64_t> connection_age_ms;

  // Socket buffers, bytes.
  std::optional<std::uint32_t> snd_buf_used;
  std::optional<std::uint32_t> snd_buf_hiwat;
  std::optional<std::uint32_t> rcv_buf_used;
  std::optional<std::uint32_t> rcv_buf_hiwat;

  // Listen queue: connections waiting for accept() and the backlog limit.
  std::optional<std::uint32_t> listen_queue_len;
  std::optional<std::uint32_t> listen_queue_limit;

  // Ownership.
  std::optional<std::int32_t> pid;
  std::optional<std::int32_t> effective_pid;
  std::optional<std::uint32_t> uid;
  std::optional<std::int32_t> fd;
  std::optional<short_name> command;  // the process's short name (comm)

  // Options.
  std::optional<std::uint32_t> ecn_flags;
  std::optional<std::uint16_t> encaps_port;

  // True for macOS user-space-stack flows (no kernel socket behind them).
  bool user_space_flow = false;

  friend bool operator==(const connection_record&, const connection_record&) = default;
};

}  // namespace tcpstats
