#pragma once
// Fills the platform-neutral connection_record from one net.inet.tcp.pcblist
// record, with the units and absences docs/freebsd.md describes (section
// "net.inet.tcp.pcblist", from FreeBSD's tcp_inptoxtp() in
// sys/netinet/tcp_subr.c): pcblist has no RTT, RTO, sequence numbers or
// traffic counters, so those stay empty; syncache entries and 12/13
// TIME_WAIT records carry less still.

#include <optional>

#include "tcpstats/connection_record.hpp"
#include "tcpstats/freebsd/xtcpcb.hpp"
#include "tcpstats/ip_address.hpp"
#include "tcpstats/tcp_state.hpp"

namespace tcpstats::freebsd {

namespace detail {

inline constexpr connection_record empty_record{};

// INP_IPV4 and INP_IPV6 in inp_vflag.
inline constexpr std::uint8_t inp_ipv4 = 0x1;
inline constexpr std::uint8_t inp_ipv6 = 0x2;

// A FreeBSD timer: ms until it fires, 0 when it is not armed (then absent).
// A timer already due can read slightly negative: it fires now.
[[nodiscard]] constexpr std::optional<std::uint32_t> timer_ms(std::int32_t value) noexcept {
  if (value == 0) return std::nullopt;
  return value < 0 ? 0u : static_cast<std::uint32_t>(value);
}

// A kernel name; bytes that are not UTF-8 become '?'. Names are ASCII in
// practice: those skip the UTF-8 check, the costliest part of a record.
[[nodiscard]] constexpr std::optional<short_name> name_of(std::string_view text) noexcept {
  if (text.empty()) return std::nullopt;
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return short_name::from_untrusted(text);
  }
  return short_name(text);
}

[[nodiscard]] constexpr ip_address ipv6_of(const std::array<std::uint8_t, 16>& bytes, std::uint32_t zone) noexcept {
  ip_address a;
  a.family = ip_family::ipv6;
  a.bytes = bytes;
  // One zone for the connection; it belongs to whichever address is scoped.
  if (is_scoped_ipv6(bytes)) a.scope_id = zone;
  return a;
}

[[nodiscard]] constexpr ip_address ipv4_of(const std::array<std::uint8_t, 4>& bytes) noexcept {
  ip_address a;
  for (std::size_t i = 0; i < 4; ++i) a.bytes[i] = bytes[i];
  return a;
}

}  // namespace detail

// Overwrites `out` with the record's values. Allocation-free, so a caller
// can reuse one record for a whole walk.
inline void materialize(const xtcpcb_view& r, connection_record& out) noexcept {
  out = detail::empty_record;
  const std::uint8_t vflag = r.inp_vflag();
  if ((vflag & detail::inp_ipv6) != 0) {
    out.local_address = detail::ipv6_of(r.ie_laddr6(), r.ie6_zoneid());
    out.remote_address = detail::ipv6_of(r.ie_faddr6(), r.ie6_zoneid());
  } else if ((vflag & detail::inp_ipv4) != 0) {
    out.local_address = detail::ipv4_of(r.ie_laddr4());
    out.remote_address = detail::ipv4_of(r.ie_faddr4());
  }
  if (out.local_address) out.dual_stack = (vflag & (detail::inp_ipv4 | detail::inp_ipv6)) == 3;
  out.local_port = r.ie_lport();
  out.remote_port = r.ie_fport();
  out.kernel_state = r.t_state();
  if (const auto state = tcp_state_from_bsd(r.t_state(), r.t_state_offset())) out.state = *state;
  out.fib = r.inc_fibnum();
  // The syncache fills the port too (13+; 0 when not encapsulated).
  out.encaps_port = r.xt_encaps_port();

  // A syncache entry has a connection's addresses, state and encapsulation
  // port only: no PCB, socket or tcpcb yet (their fields read 0).
  if (r.is_syncache_entry()) {
    out.syncache_entry = true;
    return;
  }
  out.inp_gencnt = r.inp_gencnt();
  out.inp_flags = r.inp_flags();
  out.inp_flags2 = r.inp_flags2();

  if (r.has_socket()) {
    out.socket_id = r.xso_so();
    out.uid = r.so_uid();
    out.so_options = r.so_options();
    out.so_state = r.so_state();
    out.rcv_buf_used = r.so_rcv_sb_cc();
    out.rcv_buf_hiwat = r.so_rcv_sb_hiwat();
    out.snd_buf_used = r.so_snd_sb_cc();
    out.snd_buf_hiwat = r.so_snd_sb_hiwat();
    if (out.state == tcp_state::listen) {
      out.listen_queue_len = r.so_qlen();
      out.listen_queue_incomplete = r.so_incqlen();
      out.listen_queue_limit = r.so_qlimit();
    }
  }
  // FreeBSD 12/13 export TIME_WAIT connections with an empty socket part
  // (xso_len 0) and a zeroed tcpcb apart from t_state.
  if (r.xso_len() == 0) return;

  out.tcp_flags = r.t_flags();
  out.zerowin_probes = r.t_sndzerowin();
  out.rexmit_packets = r.t_sndrexmitpack();
  out.ooo_packets = r.t_rcvoopack();
  out.idle_time_ms = r.t_rcvtime();
  out.timer_rexmt_ms = detail::timer_ms(r.tt_rexmt());
  out.timer_persist_ms = detail::timer_ms(r.tt_persist());
  out.timer_keep_ms = detail::timer_ms(r.tt_keep());
  out.timer_2msl_ms = detail::timer_ms(r.tt_2msl());
  out.timer_delack_ms = detail::timer_ms(r.tt_delack());
  out.tcp_stack = detail::name_of(r.xt_stack());
  if (const auto cc = r.xt_cc()) out.cc_algo = detail::name_of(*cc);
  out.snd_cwnd = r.t_snd_cwnd();
  out.snd_ssthresh = r.t_snd_ssthresh();
  out.maxseg = r.t_maxseg();
  out.rcv_wnd = r.t_rcv_wnd();
  out.snd_wnd = r.t_snd_wnd();
  out.ecn_flags = r.xt_ecn();
  out.dsack_bytes = r.t_dsack_bytes();
  out.dsack_tlp_bytes = r.t_dsack_tlp_bytes();
  out.dsack_packets = r.t_dsack_pack();
}

[[nodiscard]] inline connection_record materialize(const xtcpcb_view& r) noexcept {
  connection_record out;
  materialize(r, out);
  return out;
}

}  // namespace tcpstats::freebsd
