#pragma once
// Views of the records in a macOS net.inet.tcp.pcblist_n buffer. Accessors
// keep XNU's field names (grep bsd/netinet/in_pcb.h, tcp_var.h,
// sys/socketvar.h) and return the kernel's raw values: host order, except
// ports and addresses, which stay in network order unless the accessor says
// it converts. Fields that older kernels lack return std::optional.
//
// Contract: the views point into the walked buffer and are valid while it is;
// the walker has checked each record's length against its layout, so no
// accessor reads outside it. Values are the kernel's raw ones (little-endian
// in the buffer, host order when returned) in the kernel's units (t_srtt in
// ms x 32, and so on; units.hpp converts), except ports and addresses, which
// stay in network order unless the accessor says it converts.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "tcpstats/xnu/layouts.hpp"
#include "tcpstats/xnu/record_view.hpp"

namespace tcpstats::xnu {

// xgn_kind values (bsd/sys/socketvar.h XSO_*). Other bits (KCREG, KCB,
// EVT, UNPCB) never occur in inet lists; walkers skip unknown kinds.
namespace kind {
inline constexpr std::uint32_t xso_socket = 0x001;
inline constexpr std::uint32_t xso_rcvbuf = 0x002;
inline constexpr std::uint32_t xso_sndbuf = 0x004;
inline constexpr std::uint32_t xso_stats = 0x008;
inline constexpr std::uint32_t xso_inpcb = 0x010;
inline constexpr std::uint32_t xso_tcpcb = 0x020;
}  // namespace kind

// inp_vflag bits.
inline constexpr std::uint8_t inp_ipv4 = 0x1;
inline constexpr std::uint8_t inp_ipv6 = 0x2;

// struct xinpgen: the list header and trailer.
class xinpgen_view : public detail::record_view<layouts::xinpgen_layout, layouts::xinpgen> {
  using L = layouts::xinpgen_layout;

 public:
  using record_view::record_view;
  [[nodiscard]] constexpr std::uint32_t xig_len() const noexcept { return get<std::uint32_t, &L::xig_len>(); }
  // PCBs in the list when it was sampled; the groups that follow can be fewer.
  [[nodiscard]] constexpr std::uint32_t xig_count() const noexcept { return get<std::uint32_t, &L::xig_count>(); }
  // Generation count: differs between header and trailer if the list changed.
  [[nodiscard]] constexpr std::uint64_t xig_gen() const noexcept { return get<std::uint64_t, &L::xig_gen>(); }
  [[nodiscard]] constexpr std::uint64_t xig_sogen() const noexcept { return get<std::uint64_t, &L::xig_sogen>(); }
};

// struct xinpcb_n (kind 0x10): addresses, ports, PCB identity.
class xinpcb_n_view : public detail::record_view<layouts::xinpcb_n_layout, layouts::xinpcb_n> {
  using L = layouts::xinpcb_n_layout;

 public:
  using record_view::record_view;
  [[nodiscard]] constexpr std::uint64_t xi_inpp() const noexcept { return get<std::uint64_t, &L::xi_inpp>(); }
  // Ports converted from network order to host order.
  [[nodiscard]] constexpr std::uint16_t inp_fport() const noexcept { return get_be<std::uint16_t, &L::inp_fport>(); }
  [[nodiscard]] constexpr std::uint16_t inp_lport() const noexcept { return get_be<std::uint16_t, &L::inp_lport>(); }
  [[nodiscard]] constexpr std::uint64_t inp_ppcb() const noexcept { return get<std::uint64_t, &L::inp_ppcb>(); }
  [[nodiscard]] constexpr std::uint64_t inp_gencnt() const noexcept { return get<std::uint64_t, &L::inp_gencnt>(); }
  [[nodiscard]] constexpr std::uint32_t inp_flags() const noexcept { return get<std::uint32_t, &L::inp_flags>(); }
  [[nodiscard]] constexpr std::uint32_t inp_flow() const noexcept { return get<std::uint32_t, &L::inp_flow>(); }
  [[nodiscard]] constexpr std::uint8_t inp_vflag() const noexcept { return get<std::uint8_t, &L::inp_vflag>(); }
  [[nodiscard]] constexpr std::uint8_t inp_ip_ttl() const noexcept { return get<std::uint8_t, &L::inp_ip_ttl>(); }
  [[nodiscard]] constexpr std::uint8_t inp_ip_p() const noexcept { return get<std::uint8_t, &L::inp_ip_p>(); }
  [[nodiscard]] constexpr std::uint8_t inp4_ip_tos() const noexcept {
    return get<std::uint8_t, &L::inp_depend4_inp4_ip_tos>();
  }
  // The 16-byte address fields, network order. IPv4 sits in the last 4 bytes.
  [[nodiscard]] constexpr std::array<std::uint8_t, 16> inp_faddr() const noexcept {
    return get_bytes<16, &L::inp_dependfaddr>();
  }
  [[nodiscard]] constexpr std::array<std::uint8_t, 16> inp_laddr() const noexcept {
    return get_bytes<16, &L::inp_dependladdr>();
  }
  [[nodiscard]] constexpr std::optional<std::uint32_t> inp_flowhash() const noexcept {
    return get_optional<std::uint32_t, &L::inp_flowhash>();
  }
  [[nodiscard]] constexpr std::optional<std::uint32_t> inp_flags2() const noexcept {
    return get_optional<std::uint32_t, &L::inp_flags2>();
  }
};

// struct xsocket_n (kind 0x01): socket identity and owner.
class xsocket_n_view : public detail::record_view<layouts::xsocket_n_layout, layouts::xsocket_n> {
  using L = layouts::xsocket_n_layout;

 public:
  using record_view::record_view;
  [[nodiscard]] constexpr std::uint64_t xso_so() const noexcept { return get<std::uint64_t, &L::xso_so>(); }
  [[nodiscard]] constexpr std::int16_t so_type() const noexcept { return get<std::int16_t, &L::so_type>(); }
  // u16 before xnu-2050, u32 since.
  [[nodiscard]] constexpr std::uint32_t so_options() const noexcept {
    return get_widened<std::uint32_t, &L::so_options>();
  }
  [[nodiscard]] constexpr std::int16_t so_linger() const noexcept { return get<std::int16_t, &L::so_linger>(); }
  [[nodiscard]] constexpr std::int16_t so_state() const noexcept { return get<std::int16_t, &L::so_state>(); }
  [[nodiscard]] constexpr std::uint64_t so_pcb() const noexcept { return get<std::uint64_t, &L::so_pcb>(); }
  [[nodiscard]] constexpr std::int32_t xso_protocol() const noexcept { return get<std::int32_t, &L::xso_protocol>(); }
  [[nodiscard]] constexpr std::int32_t xso_family() const noexcept { return get<std::int32_t, &L::xso_family>(); }
  [[nodiscard]] constexpr std::int16_t so_qlen() const noexcept { return get<std::int16_t, &L::so_qlen>(); }
  [[nodiscard]] constexpr std::int16_t so_incqlen() const noexcept { return get<std::int16_t, &L::so_incqlen>(); }
  [[nodiscard]] constexpr std::int16_t so_qlimit() const noexcept { return get<std::int16_t, &L::so_qlimit>(); }
  [[nodiscard]] constexpr std::int16_t so_timeo() const noexcept { return get<std::int16_t, &L::so_timeo>(); }
  [[nodiscard]] constexpr std::uint16_t so_error() const noexcept { return get<std::uint16_t, &L::so_error>(); }
  [[nodiscard]] constexpr std::int32_t so_pgid() const noexcept { return get<std::int32_t, &L::so_pgid>(); }
  [[nodiscard]] constexpr std::uint32_t so_oobmark() const noexcept { return get<std::uint32_t, &L::so_oobmark>(); }
  [[nodiscard]] constexpr std::uint32_t so_uid() const noexcept { return get<std::uint32_t, &L::so_uid>(); }
  // Most recent accessor and effective owner (xnu-2782+).
  [[nodiscard]] constexpr std::optional<std::int32_t> so_last_pid() const noexcept {
    return get_optional<std::int32_t, &L::so_last_pid>();
  }
  [[nodiscard]] constexpr std::optional<std::int32_t> so_e_pid() const noexcept {
    return get_optional<std::int32_t, &L::so_e_pid>();
  }
  // xnu-8792+.
  [[nodiscard]] constexpr std::optional<std::uint64_t> so_gencnt() const noexcept {
    return get_optional<std::uint64_t, &L::so_gencnt>();
  }
  [[nodiscard]] constexpr std::optional<std::uint32_t> so_flags() const noexcept {
    return get_optional<std::uint32_t, &L::so_flags>();
  }
  [[nodiscard]] constexpr std::optional<std::uint32_t> so_flags1() const noexcept {
    return get_optional<std::uint32_t, &L::so_flags1>();
  }
  [[nodiscard]] constexpr std::optional<std::int32_t> so_usecount() const noexcept {
    return get_optional<std::int32_t, &L::so_usecount>();
  }
  [[nodiscard]] constexpr std::optional<std::int32_t> so_retaincnt() const noexcept {
    return get_optional<std::int32_t, &L::so_retaincnt>();
  }
  [[nodiscard]] constexpr std::optional<std::uint32_t> xso_filter_flags() const noexcept {
    return get_optional<std::uint32_t, &L::xso_filter_flags>();
  }
};

// struct xsockbuf_n (kind 0x02 receive, 0x04 send).
class xsockbuf_n_view : public detail::record_view<layouts::xsockbuf_n_layout, layouts::xsockbuf_n> {
  using L = layouts::xsockbuf_n_layout;

 public:
  using record_view::record_view;
  // Bytes queued in the buffer, and its high-water mark (capacity).
  [[nodiscard]] constexpr std::uint32_t sb_cc() const noexcept { return get<std::uint32_t, &L::sb_cc>(); }
  [[nodiscard]] constexpr std::uint32_t sb_hiwat() const noexcept { return get<std::uint32_t, &L::sb_hiwat>(); }
  [[nodiscard]] constexpr std::uint32_t sb_mbcnt() const noexcept { return get<std::uint32_t, &L::sb_mbcnt>(); }
  [[nodiscard]] constexpr std::uint32_t sb_mbmax() const noexcept { return get<std::uint32_t, &L::sb_mbmax>(); }
  [[nodiscard]] constexpr std::int32_t sb_lowat() const noexcept { return get<std::int32_t, &L::sb_lowat>(); }
  [[nodiscard]] constexpr std::int16_t sb_flags() const noexcept { return get<std::int16_t, &L::sb_flags>(); }
  // In hz ticks.
  [[nodiscard]] constexpr std::int16_t sb_timeo() const noexcept { return get<std::int16_t, &L::sb_timeo>(); }
};

// One struct data_stats of xsockstat_n.
struct data_stats {
  std::uint64_t rxpackets;
  std::uint64_t rxbytes;
  std::uint64_t txpackets;
  std::uint64_t txbytes;
};

// struct xsockstat_n (kind 0x08): four data_stats groups. Their meaning
// depends on the Darwin version; see sockstat_totals() in units.hpp.
class xsockstat_n_view : public detail::record_view<layouts::xsockstat_n_layout, layouts::xsockstat_n> {
  using L = layouts::xsockstat_n_layout;

 public:
  using record_view::record_view;
  static constexpr std::size_t group_count = 4;

  // Group `index` (0..3); an index past 3 is clamped to group 3.
  [[nodiscard]] constexpr data_stats xst_tc_stats(std::size_t index) const noexcept {
    switch (index) {
      case 0: return group<&L::xst_tc_stats_0_rxpackets, &L::xst_tc_stats_0_rxbytes,
                           &L::xst_tc_stats_0_txpackets, &L::xst_tc_stats_0_txbytes>();
      case 1: return group<&L::xst_tc_stats_1_rxpackets, &L::xst_tc_stats_1_rxbytes,
                           &L::xst_tc_stats_1_txpackets, &L::xst_tc_stats_1_txbytes>();
      case 2: return group<&L::xst_tc_stats_2_rxpackets, &L::xst_tc_stats_2_rxbytes,
                           &L::xst_tc_stats_2_txpackets, &L::xst_tc_stats_2_txbytes>();
      default: return group<&L::xst_tc_stats_3_rxpackets, &L::xst_tc_stats_3_rxbytes,
                            &L::xst_tc_stats_3_txpackets, &L::xst_tc_stats_3_txbytes>();
    }
  }

 private:
  template <field L::*RxPackets, field L::*RxBytes, field L::*TxPackets, field L::*TxBytes>
  [[nodiscard]] constexpr data_stats group() const noexcept {
    return {get<std::uint64_t, RxPackets>(), get<std::uint64_t, RxBytes>(),
            get<std::uint64_t, TxPackets>(), get<std::uint64_t, TxBytes>()};
  }
};

// struct xtcpcb_n (kind 0x20): the TCP control block. Times are readings
// or spans of XNU's millisecond clock tcp_now; see units.hpp.
class xtcpcb_n_view : public detail::record_view<layouts::xtcpcb_n_layout, layouts::xtcpcb_n> {
  using L = layouts::xtcpcb_n_layout;

 public:
  using record_view::record_view;
  [[nodiscard]] constexpr std::uint64_t t_segq() const noexcept { return get<std::uint64_t, &L::t_segq>(); }
  [[nodiscard]] constexpr std::int32_t t_dupacks() const noexcept { return get<std::int32_t, &L::t_dupacks>(); }
  // Timer slots 0..3 (rexmt, persist, keep, 2msl), raw; an index past 3 is
  // clamped to slot 3.
  [[nodiscard]] constexpr std::int32_t t_timer(std::size_t index) const noexcept {
    switch (index) {
      case 0: return get<std::int32_t, &L::t_timer_0>();
      case 1: return get<std::int32_t, &L::t_timer_1>();
      case 2: return get<std::int32_t, &L::t_timer_2>();
      default: return get<std::int32_t, &L::t_timer_3>();
    }
  }
  [[nodiscard]] constexpr std::int32_t t_state() const noexcept { return get<std::int32_t, &L::t_state>(); }
  // Offset of t_state in the walked buffer, for error reports.
  [[nodiscard]] constexpr std::size_t t_state_offset() const noexcept { return offset() + layout().t_state.offset; }
  [[nodiscard]] constexpr std::uint32_t t_flags() const noexcept { return get<std::uint32_t, &L::t_flags>(); }
  [[nodiscard]] constexpr std::int32_t t_force() const noexcept { return get<std::int32_t, &L::t_force>(); }
  [[nodiscard]] constexpr std::uint32_t snd_una() const noexcept { return get<std::uint32_t, &L::snd_una>(); }
  [[nodiscard]] constexpr std::uint32_t snd_max() const noexcept { return get<std::uint32_t, &L::snd_max>(); }
  [[nodiscard]] constexpr std::uint32_t snd_nxt() const noexcept { return get<std::uint32_t, &L::snd_nxt>(); }
  [[nodiscard]] constexpr std::uint32_t snd_up() const noexcept { return get<std::uint32_t, &L::snd_up>(); }
  [[nodiscard]] constexpr std::uint32_t snd_wl1() const noexcept { return get<std::uint32_t, &L::snd_wl1>(); }
  [[nodiscard]] constexpr std::uint32_t snd_wl2() const noexcept { return get<std::uint32_t, &L::snd_wl2>(); }
  [[nodiscard]] constexpr std::uint32_t iss() const noexcept { return get<std::uint32_t, &L::iss>(); }
  [[nodiscard]] constexpr std::uint32_t irs() const noexcept { return get<std::uint32_t, &L::irs>(); }
  [[nodiscard]] constexpr std::uint32_t rcv_nxt() const noexcept { return get<std::uint32_t, &L::rcv_nxt>(); }
  [[nodiscard]] constexpr std::uint32_t rcv_adv() const noexcept { return get<std::uint32_t, &L::rcv_adv>(); }
  [[nodiscard]] constexpr std::uint32_t rcv_wnd() const noexcept { return get<std::uint32_t, &L::rcv_wnd>(); }
  [[nodiscard]] constexpr std::uint32_t rcv_up() const noexcept { return get<std::uint32_t, &L::rcv_up>(); }
  [[nodiscard]] constexpr std::uint32_t snd_wnd() const noexcept { return get<std::uint32_t, &L::snd_wnd>(); }
  [[nodiscard]] constexpr std::uint32_t snd_cwnd() const noexcept { return get<std::uint32_t, &L::snd_cwnd>(); }
  [[nodiscard]] constexpr std::uint32_t snd_ssthresh() const noexcept { return get<std::uint32_t, &L::snd_ssthresh>(); }
  [[nodiscard]] constexpr std::uint32_t t_maxopd() const noexcept { return get<std::uint32_t, &L::t_maxopd>(); }
  // tcp_now readings (ms clock with a per-boot random origin).
  [[nodiscard]] constexpr std::uint32_t t_rcvtime() const noexcept { return get<std::uint32_t, &L::t_rcvtime>(); }
  [[nodiscard]] constexpr std::uint32_t t_starttime() const noexcept { return get<std::uint32_t, &L::t_starttime>(); }
  [[nodiscard]] constexpr std::int32_t t_rtttime() const noexcept { return get<std::int32_t, &L::t_rtttime>(); }
  [[nodiscard]] constexpr std::uint32_t t_rtseq() const noexcept { return get<std::uint32_t, &L::t_rtseq>(); }
  // Current retransmit timeout, milliseconds.
  [[nodiscard]] constexpr std::int32_t t_rxtcur() const noexcept { return get<std::int32_t, &L::t_rxtcur>(); }
  [[nodiscard]] constexpr std::uint32_t t_maxseg() const noexcept { return get<std::uint32_t, &L::t_maxseg>(); }
  // Smoothed RTT in ms x 32 and its variance in ms x 16; 0 = no sample yet.
  [[nodiscard]] constexpr std::int32_t t_srtt() const noexcept { return get<std::int32_t, &L::t_srtt>(); }
  [[nodiscard]] constexpr std::int32_t t_rttvar() const noexcept { return get<std::int32_t, &L::t_rttvar>(); }
  [[nodiscard]] constexpr std::int32_t t_rxtshift() const noexcept { return get<std::int32_t, &L::t_rxtshift>(); }
  // The minimum RTO allowed (ms), a configured bound, not an observed RTT.
  [[nodiscard]] constexpr std::uint32_t t_rttmin() const noexcept { return get<std::uint32_t, &L::t_rttmin>(); }
  [[nodiscard]] constexpr std::uint32_t t_rttupdated() const noexcept { return get<std::uint32_t, &L::t_rttupdated>(); }
  [[nodiscard]] constexpr std::uint32_t max_sndwnd() const noexcept { return get<std::uint32_t, &L::max_sndwnd>(); }
  [[nodiscard]] constexpr std::int32_t t_softerror() const noexcept { return get<std::int32_t, &L::t_softerror>(); }
  [[nodiscard]] constexpr std::uint8_t snd_scale() const noexcept { return get<std::uint8_t, &L::snd_scale>(); }
  [[nodiscard]] constexpr std::uint8_t rcv_scale() const noexcept { return get<std::uint8_t, &L::rcv_scale>(); }
  [[nodiscard]] constexpr std::uint8_t request_r_scale() const noexcept { return get<std::uint8_t, &L::request_r_scale>(); }
  [[nodiscard]] constexpr std::uint8_t requested_s_scale() const noexcept {
    return get<std::uint8_t, &L::requested_s_scale>();
  }
  [[nodiscard]] constexpr std::uint32_t ts_recent() const noexcept { return get<std::uint32_t, &L::ts_recent>(); }
  [[nodiscard]] constexpr std::uint32_t ts_recent_age() const noexcept { return get<std::uint32_t, &L::ts_recent_age>(); }
  [[nodiscard]] constexpr std::uint32_t last_ack_sent() const noexcept { return get<std::uint32_t, &L::last_ack_sent>(); }
  [[nodiscard]] constexpr std::uint32_t snd_recover() const noexcept { return get<std::uint32_t, &L::snd_recover>(); }
  [[nodiscard]] constexpr std::uint32_t snd_cwnd_prev() const noexcept { return get<std::uint32_t, &L::snd_cwnd_prev>(); }
  [[nodiscard]] constexpr std::uint32_t snd_ssthresh_prev() const noexcept {
    return get<std::uint32_t, &L::snd_ssthresh_prev>();
  }
  // Only before xnu-2422.
  [[nodiscard]] constexpr std::optional<std::uint32_t> t_badrxtwin() const noexcept {
    return get_optional<std::uint32_t, &L::t_badrxtwin>();
  }
};

}  // namespace tcpstats::xnu
