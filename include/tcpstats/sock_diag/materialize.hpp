#pragma once
// Fills the platform-neutral connection_record from one sock_diag socket:
// its inet_diag_msg and attributes (tcp_info, congestion control, socket
// memory, ...). Absent stays absent: a field past the kernel's tcp_info
// length, or an attribute it did not send, is left empty.
//
// Contract: the input is a view from walk_dump() or inet_diag_msg_view::parse()
// over a buffer that is still alive; the record it fills owns its values and
// outlives that buffer. Units are those in connection_record's names,
// which follow tcp_info's (µs, ms, bytes per second, segments); a field the
// kernel did not send stays empty. The only error is
// bad_attribute, at the malformed attribute's offset.

#include <cstdint>
#include <string_view>

#include "tcpstats/connection_record.hpp"
#include "tcpstats/sock_diag/inet_diag.hpp"
#include "tcpstats/sock_diag/tcp_info.hpp"
#include "tcpstats/tcp_state.hpp"

namespace tcpstats::sock_diag {

// Linux TCP_* state numbers (include/net/tcp_states.h).
namespace linux_state {
inline constexpr std::uint8_t established = 1;
inline constexpr std::uint8_t syn_sent = 2;
inline constexpr std::uint8_t syn_recv = 3;
inline constexpr std::uint8_t fin_wait1 = 4;
inline constexpr std::uint8_t fin_wait2 = 5;
inline constexpr std::uint8_t time_wait = 6;
inline constexpr std::uint8_t close = 7;
inline constexpr std::uint8_t close_wait = 8;
inline constexpr std::uint8_t last_ack = 9;
inline constexpr std::uint8_t listen = 10;
inline constexpr std::uint8_t closing = 11;
inline constexpr std::uint8_t new_syn_recv = 12;    // a request socket (SYN received, not yet accepted)
inline constexpr std::uint8_t bound_inactive = 13;  // bound, neither listening nor connected (6.x)
}  // namespace linux_state

// Linux's numbering differs from the BSDs'. NEW_SYN_RECV is a connection
// in SYN_RECEIVED; BOUND_INACTIVE a bound but closed socket.
[[nodiscard]] constexpr result<tcp_state> tcp_state_from_linux(std::uint8_t state, std::size_t offset = 0) noexcept {
  switch (state) {
    case linux_state::established: return tcp_state::established;
    case linux_state::syn_sent: return tcp_state::syn_sent;
    case linux_state::syn_recv:
    case linux_state::new_syn_recv: return tcp_state::syn_received;
    case linux_state::fin_wait1: return tcp_state::fin_wait_1;
    case linux_state::fin_wait2: return tcp_state::fin_wait_2;
    case linux_state::time_wait: return tcp_state::time_wait;
    case linux_state::close:
    case linux_state::bound_inactive: return tcp_state::closed;
    case linux_state::close_wait: return tcp_state::close_wait;
    case linux_state::last_ack: return tcp_state::last_ack;
    case linux_state::listen: return tcp_state::listen;
    case linux_state::closing: return tcp_state::closing;
    default: return parse_error{errc::invalid_state, offset};
  }
}

// The Linux state number for a platform-neutral state (the request's state
// mask uses them). NEW_SYN_RECV and BOUND_INACTIVE are added by the caller.
[[nodiscard]] constexpr std::uint8_t linux_state_of(tcp_state state) noexcept {
  switch (state) {
    case tcp_state::established: return linux_state::established;
    case tcp_state::syn_sent: return linux_state::syn_sent;
    case tcp_state::syn_received: return linux_state::syn_recv;
    case tcp_state::fin_wait_1: return linux_state::fin_wait1;
    case tcp_state::fin_wait_2: return linux_state::fin_wait2;
    case tcp_state::time_wait: return linux_state::time_wait;
    case tcp_state::closed: return linux_state::close;
    case tcp_state::close_wait: return linux_state::close_wait;
    case tcp_state::last_ack: return linux_state::last_ack;
    case tcp_state::listen: return linux_state::listen;
    case tcp_state::closing: return linux_state::closing;
  }
  return 0;
}

namespace detail {

inline constexpr ip_address address_of(std::uint8_t family, const std::array<std::uint8_t, 16>& raw,
                                       std::uint32_t interface_index) noexcept {
  ip_address out{family == af_inet ? ip_family::ipv4 : ip_family::ipv6, {}, 0};
  for (std::size_t i = 0; i < out.size(); ++i) out.bytes[i] = raw[i];
  // Linux keeps the zone out of the address; ss shows it from idiag_if.
  if (out.family == ip_family::ipv6 && is_scoped_ipv6(out.bytes)) out.scope_id = interface_index;
  return out;
}

template <class T>
constexpr void set_nonzero(std::optional<T>& out, const std::optional<T>& value) noexcept {
  if (value && *value != 0) out = value;
}

template <std::size_t Extent>
inline constexpr void fill_tcp_info(const basic_tcp_info_view<Extent>& info, connection_record& out) noexcept {
  namespace o = tcp_info_offsets;
  out.ca_state = info.u8(o::tcpi_ca_state);
  out.retransmits = info.u8(o::tcpi_retransmits);
  out.probes = info.u8(o::tcpi_probes);
  out.backoff = info.u8(o::tcpi_backoff);
  out.options = info.u8(o::tcpi_options);
  out.snd_wscale = info.snd_wscale();
  out.rcv_wscale = info.rcv_wscale();
  out.delivery_rate_app_limited = info.delivery_rate_app_limited();
  out.fastopen_client_fail = info.fastopen_client_fail();
  out.rto_us = info.u32(o::tcpi_rto);
  out.ato_us = info.u32(o::tcpi_ato);
  out.snd_mss = info.u32(o::tcpi_snd_mss);
  out.rcv_mss = info.u32(o::tcpi_rcv_mss);
  out.unacked = info.u32(o::tcpi_unacked);
  out.sacked = info.u32(o::tcpi_sacked);
  out.lost = info.u32(o::tcpi_lost);
  out.retrans = info.u32(o::tcpi_retrans);
  out.fackets = info.u32(o::tcpi_fackets);
  out.last_data_sent_ms = info.u32(o::tcpi_last_data_sent);
  out.last_data_recv_ms = info.u32(o::tcpi_last_data_recv);
  out.last_ack_recv_ms = info.u32(o::tcpi_last_ack_recv);
  out.pmtu = info.u32(o::tcpi_pmtu);
  out.rcv_ssthresh = info.u32(o::tcpi_rcv_ssthresh);
  // 0 = no RTT sample yet (the kernel's srtt starts at 0).
  set_nonzero(out.rtt_us, info.u32(o::tcpi_rtt));
  if (out.rtt_us) out.rttvar_us = info.u32(o::tcpi_rttvar);
  out.snd_ssthresh_segments = info.u32(o::tcpi_snd_ssthresh);
  out.snd_cwnd_segments = info.u32(o::tcpi_snd_cwnd);
  out.advmss = info.u32(o::tcpi_advmss);
  out.reordering = info.u32(o::tcpi_reordering);
  set_nonzero(out.rcv_rtt_us, info.u32(o::tcpi_rcv_rtt));  // 0 = not measured
  out.rcv_space = info.u32(o::tcpi_rcv_space);
  out.total_retrans = info.u32(o::tcpi_total_retrans);
  out.pacing_rate_bytes_per_sec = info.u64(o::tcpi_pacing_rate);
  out.max_pacing_rate_bytes_per_sec = info.u64(o::tcpi_max_pacing_rate);
  out.bytes_acked = info.u64(o::tcpi_bytes_acked);
  out.bytes_received = info.u64(o::tcpi_bytes_received);
  out.segs_out = info.u32(o::tcpi_segs_out);
  out.segs_in = info.u32(o::tcpi_segs_in);
  out.notsent_bytes = info.u32(o::tcpi_notsent_bytes);
  // ~0U until the first sample.
  if (const auto min_rtt = info.u32(o::tcpi_min_rtt); min_rtt && *min_rtt != 0 && *min_rtt != ~0u) {
    out.rtt_min_us = min_rtt;
  }
  out.data_segs_in = info.u32(o::tcpi_data_segs_in);
  out.data_segs_out = info.u32(o::tcpi_data_segs_out);
  out.delivery_rate_bytes_per_sec = info.u64(o::tcpi_delivery_rate);
  out.busy_time_us = info.u64(o::tcpi_busy_time);
  out.rwnd_limited_us = info.u64(o::tcpi_rwnd_limited);
  out.sndbuf_limited_us = info.u64(o::tcpi_sndbuf_limited);
  out.delivered = info.u32(o::tcpi_delivered);
  out.delivered_ce = info.u32(o::tcpi_delivered_ce);
  out.bytes_sent = info.u64(o::tcpi_bytes_sent);
  out.bytes_retrans = info.u64(o::tcpi_bytes_retrans);
  out.dsack_dups = info.u32(o::tcpi_dsack_dups);
  out.reord_seen = info.u32(o::tcpi_reord_seen);
  out.rcv_ooopack = info.u32(o::tcpi_rcv_ooopack);
  out.snd_wnd = info.u32(o::tcpi_snd_wnd);
  out.rcv_wnd = info.u32(o::tcpi_rcv_wnd);
  out.rehash = info.u32(o::tcpi_rehash);
  out.total_rto = info.u16(o::tcpi_total_rto);
  out.total_rto_recoveries = info.u16(o::tcpi_total_rto_recoveries);
  out.total_rto_time_ms = info.u32(o::tcpi_total_rto_time);
}

// A NUL-terminated name bounded by its attribute (INET_DIAG_CONG).
inline std::string_view c_string(std::span<const std::byte> payload) noexcept {
  std::size_t n = 0;
  while (n < payload.size() && payload[n] != std::byte{0}) ++n;
  return {reinterpret_cast<const char*>(payload.data()), n};
}

}  // namespace detail

// Overwrites `out` with the socket's values. Fails (bad_attribute at its
// offset) only on a malformed attribute list; a state number outside the
// table leaves `state` empty with `kernel_state` set.
[[nodiscard]] inline result<std::size_t> materialize(const inet_diag_msg_view& msg, connection_record& out) noexcept {
  out = empty_record;
  const std::uint8_t family = msg.idiag_family();
  if (family == af_inet || family == af_inet6) {
    out.local_address = detail::address_of(family, msg.idiag_src(), msg.idiag_if());
    out.remote_address = detail::address_of(family, msg.idiag_dst(), msg.idiag_if());
  }
  out.local_port = msg.idiag_sport();
  out.remote_port = msg.idiag_dport();
  out.kernel_state = msg.idiag_state();
  if (const auto state = tcp_state_from_linux(msg.idiag_state(), msg.offset() + 1)) out.state = *state;
  out.socket_id = msg.idiag_cookie();
  out.uid = msg.idiag_uid();
  if (msg.idiag_inode() != 0) out.inode = msg.idiag_inode();
  out.interface_index = msg.idiag_if();
  out.timer = msg.idiag_timer();
  if (msg.idiag_timer() != 0) {
    out.timer_expires_ms = msg.idiag_expires();
    out.timer_retransmits = msg.idiag_retrans();
  }
  // Queue sizes: for a listener, the accept queue and its limit; request
  // and TIME_WAIT sockets have none.
  const std::uint8_t state = msg.idiag_state();
  if (state == linux_state::listen) {
    out.listen_queue_len = msg.idiag_rqueue();
    out.listen_queue_limit = msg.idiag_wqueue();
  } else if (state != linux_state::time_wait && state != linux_state::new_syn_recv) {
    out.rcv_buf_used = msg.idiag_rqueue();
    out.snd_buf_used = msg.idiag_wqueue();
  }

  bool have_skmeminfo = false;
  std::optional<std::array<std::uint32_t, 4>> meminfo;
  const auto walked = for_each_attribute(msg.attribute_bytes(), msg.offset() + inet_diag_msg_size,
                                         [&](const attribute& a) {
    switch (a.type) {
      case attr::info:
        if (a.payload.size() >= tcp_info_offsets::known_size) {  // every field known here: the usual case
          detail::fill_tcp_info(basic_tcp_info_view(a.payload.first<tcp_info_offsets::known_size>()), out);
        } else {
          detail::fill_tcp_info(tcp_info_view(a.payload), out);
        }
        break;
      case attr::cong: out.cc_algo = short_name::from_untrusted(detail::c_string(a.payload)); break;
      case attr::skmeminfo: {
        have_skmeminfo = true;
        std::optional<std::uint32_t>* slots[] = {&out.skmem_rmem_alloc, &out.skmem_rcvbuf, &out.skmem_wmem_alloc,
                                                 &out.skmem_sndbuf,     &out.skmem_fwd_alloc, &out.skmem_wmem_queued,
                                                 &out.skmem_optmem,     &out.skmem_backlog, &out.skmem_drops};
        for (std::size_t i = 0; i < std::size(slots); ++i) *slots[i] = load_le<std::uint32_t>(a.payload, i * 4);
        break;
      }
      case attr::meminfo:  // struct inet_diag_meminfo: rmem, wmem, fmem, tmem
        if (a.payload.size() >= 16) {
          meminfo = std::array<std::uint32_t, 4>{*load_le<std::uint32_t>(a.payload, 0),
                                                 *load_le<std::uint32_t>(a.payload, 4),
                                                 *load_le<std::uint32_t>(a.payload, 8),
                                                 *load_le<std::uint32_t>(a.payload, 12)};
        }
        break;
      case attr::shutdown: out.shutdown = load_le<std::uint8_t>(a.payload, 0); break;
      case attr::tos: out.tos = load_le<std::uint8_t>(a.payload, 0); break;
      case attr::tclass: out.tclass = load_le<std::uint8_t>(a.payload, 0); break;
      case attr::mark: out.mark = load_le<std::uint32_t>(a.payload, 0); break;
      case attr::cgroup_id: out.cgroup_id = load_le<std::uint64_t>(a.payload, 0); break;
      case attr::skv6only:
        if (const auto v = load_le<std::uint8_t>(a.payload, 0)) out.v6only = *v != 0;
        break;
      case attr::bbrinfo: {  // struct tcp_bbr_info: bw_lo, bw_hi, min_rtt, pacing_gain, cwnd_gain
        const auto lo = load_le<std::uint32_t>(a.payload, 0);
        const auto hi = load_le<std::uint32_t>(a.payload, 4);
        if (lo && hi) out.bbr_bw_bytes_per_sec = std::uint64_t{*lo} | (std::uint64_t{*hi} << 32);
        out.bbr_min_rtt_us = load_le<std::uint32_t>(a.payload, 8);
        out.bbr_pacing_gain = load_le<std::uint32_t>(a.payload, 12);
        out.bbr_cwnd_gain = load_le<std::uint32_t>(a.payload, 16);
        break;
      }
      case attr::sockopt: {  // struct inet_diag_sockopt: two bytes of flag bits
        const auto low = load_le<std::uint8_t>(a.payload, 0);
        const auto high = load_le<std::uint8_t>(a.payload, 1);
        if (low && high) out.sockopt = static_cast<std::uint16_t>(*low | (*high << 8));
        break;
      }
      default: break;  // other attributes (PROTOCOL, ULP_INFO, MD5SIG, ...) are not recorded
    }
  });
  if (!walked) return walked.error();
  // Older kernels send only INET_DIAG_MEMINFO; ss maps it the same way.
  if (meminfo && !have_skmeminfo) {
    out.skmem_rmem_alloc = (*meminfo)[0];
    out.skmem_wmem_queued = (*meminfo)[1];
    out.skmem_fwd_alloc = (*meminfo)[2];
    out.skmem_wmem_alloc = (*meminfo)[3];
  }
  return walked;
}

}  // namespace tcpstats::sock_diag
