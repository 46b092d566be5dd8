#pragma once
// Fills the platform-neutral connection_record from one pcblist_n group,
// with the units and absences docs/xnu.md describes (sections "Units" and
// "What is absent rather than zero", from XNU's tcpcb_to_xtcpcb_n() and
// friends in bsd/netinet/in_pcblist.c; and the .proto): nothing the kernel
// did not provide is set.
//
// Contract: `group` comes from a walk of a buffer that is still alive; the
// record it fills owns its values and outlives that buffer. Nothing fails:
// a field the kernel did not write (older layout, missing record) stays
// empty. Units and byte order are those of connection_record (RTTs in µs,
// ports host order, addresses network order).

#include <optional>

#include "tcpstats/connection_record.hpp"
#include "tcpstats/tcp_state.hpp"
#include "tcpstats/xnu/pcblist_n.hpp"
#include "tcpstats/xnu/units.hpp"

namespace tcpstats::xnu {

namespace detail {
// Copying a constant empty record is a plain memcpy; `out = {}` builds a
// temporary field by field first, at twice the instructions (callgrind).
inline constexpr connection_record empty_record{};
}  // namespace detail

struct decode_options {
  // The kernel that wrote the dump (kern.osrelease): selects how the
  // xsockstat_n groups add up. Defaults to the newest known.
  darwin_release release = newest_known_release;
  // The current tcp_now estimate (see estimate_tcp_now), if the caller has
  // one: enables idle_time_ms and connection_age_ms, both approximate.
  std::optional<std::uint32_t> tcp_now_ms;
};

// Overwrites `out` with the group's values. Allocation-free, so a caller can
// reuse one record for a whole walk.
constexpr void materialize(const connection_group& group, const decode_options& options,
                           connection_record& out) noexcept {
  out = detail::empty_record;
  const xinpcb_n_view& inp = group.inpcb();
  const bool user_space = group.is_user_space_flow();
  out.user_space_flow = user_space;

  if (const auto ends = addresses(inp)) {
    out.local_address = ends->local;
    out.remote_address = ends->remote;
    out.dual_stack = ends->dual_stack;
  }
  out.local_port = inp.inp_lport();
  out.remote_port = inp.inp_fport();
  // User-space flows carry only addresses, ports, pids, buffer fill,
  // traffic group 0 and (TCP) state, snd_wnd and snd_cwnd; the rest reads 0.
  if (!user_space) out.inp_gencnt = inp.inp_gencnt();

  if (const auto& so = group.socket()) {
    if (so->xso_so() != 0) {
      out.socket_id = so->xso_so();
      out.uid = so->so_uid();
    }
    // 0 means "no such process recorded".
    if (const auto pid = so->so_last_pid(); pid && *pid != 0) out.pid = *pid;
    if (const auto epid = so->so_e_pid(); epid && *epid != 0) out.effective_pid = *epid;
  }
  if (const auto& rcv = group.rcvbuf()) {
    out.rcv_buf_used = rcv->sb_cc();
    out.rcv_buf_hiwat = rcv->sb_hiwat();
  }
  if (const auto& snd = group.sndbuf()) {
    out.snd_buf_used = snd->sb_cc();
    out.snd_buf_hiwat = snd->sb_hiwat();
  }
  // A PCB without a socket gets a statistics record of zeros (the kernel
  // fills only its length and kind): no counters, not zero ones.
  const bool has_kernel_socket = group.socket() && group.socket()->xso_so() != 0;
  if (const auto& stats = group.stats(); stats && (user_space || has_kernel_socket)) {
    const data_stats total = user_space ? stats->xst_tc_stats(0) : sockstat_totals(*stats, options.release);
    out.tx_bytes = total.txbytes;
    out.rx_bytes = total.rxbytes;
    out.tx_packets = total.txpackets;
    out.rx_packets = total.rxpackets;
  }

  const auto& tcp = group.tcpcb();
  if (!tcp) return;
  out.kernel_state = tcp->t_state();
  if (const auto state = tcp_state_from_bsd(tcp->t_state(), tcp->t_state_offset())) out.state = *state;
  out.snd_wnd = tcp->snd_wnd();
  out.snd_cwnd = tcp->snd_cwnd();
  if (user_space) return;

  if (out.state == tcp_state::listen) {
    if (const auto& so = group.socket(); so && so->xso_so() != 0) {
      if (so->so_qlen() >= 0) out.listen_queue_len = static_cast<std::uint32_t>(so->so_qlen());
      if (so->so_qlimit() >= 0) out.listen_queue_limit = static_cast<std::uint32_t>(so->so_qlimit());
    }
  }
  out.tcp_flags = tcp->t_flags();
  out.snd_ssthresh = tcp->snd_ssthresh();
  out.rcv_wnd = tcp->rcv_wnd();
  out.maxseg = tcp->t_maxseg();
  out.snd_wscale = tcp->snd_scale();
  out.rcv_wscale = tcp->rcv_scale();
  out.rtt_us = srtt_us(tcp->t_srtt());
  out.rttvar_us = rttvar_us(tcp->t_rttvar(), tcp->t_srtt());
  out.rto_us = rto_us(tcp->t_rxtcur());
  out.rtt_update_count = tcp->t_rttupdated();
  out.snd_una = tcp->snd_una();
  out.snd_nxt = tcp->snd_nxt();
  out.snd_max = tcp->snd_max();
  out.rcv_nxt = tcp->rcv_nxt();
  out.rcv_adv = tcp->rcv_adv();
  if (tcp->t_dupacks() >= 0) out.dupacks = static_cast<std::uint32_t>(tcp->t_dupacks());
  if (tcp->t_rxtshift() >= 0) out.rxt_shift = static_cast<std::uint32_t>(tcp->t_rxtshift());
  if (options.tcp_now_ms) {
    out.idle_time_ms = tcp_now_elapsed_ms(tcp->t_rcvtime(), *options.tcp_now_ms);
    // t_starttime is 0 until the connection is established.
    if (tcp->t_starttime() != 0) out.connection_age_ms = tcp_now_elapsed_ms(tcp->t_starttime(), *options.tcp_now_ms);
  }
}

[[nodiscard]] constexpr connection_record materialize(const connection_group& group,
                                                      const decode_options& options = {}) noexcept {
  connection_record out;
  materialize(group, options, out);
  return out;
}

}  // namespace tcpstats::xnu
