#pragma once
// One PCB's worth of pcblist_n records described as plain values, written
// with xnu_blob in the kernel's order, plus a random generator for round
// trips. The expected decode is computed in the tests from these values.

#include <array>
#include <cstdint>
#include <random>

#include "xnu_blob_builder.hpp"

namespace tcpstats::test {

struct xnu_traffic {
  std::uint64_t rxpackets = 0, rxbytes = 0, txpackets = 0, txbytes = 0;
};

struct xnu_connection {
  // xinpcb_n
  std::uint64_t xi_inpp = 0x1000;
  std::uint8_t vflag = 0x1;
  std::array<std::uint8_t, 16> laddr{};
  std::array<std::uint8_t, 16> faddr{};
  std::uint16_t lport = 0, fport = 0;
  std::uint64_t inp_gencnt = 1;
  // xsocket_n; socketless PCBs write an xsocket_n with only len/kind and
  // kind-0 xsockbuf_n records.
  bool socketless = false;
  std::uint64_t xso_so = 0x2000;
  std::uint32_t so_uid = 501;
  std::int32_t so_last_pid = 100, so_e_pid = 100;
  std::int16_t so_qlen = 0, so_qlimit = 0;
  std::uint32_t so_options = 0;
  // xsockbuf_n
  std::uint32_t rcv_cc = 0, rcv_hiwat = 131072, snd_cc = 0, snd_hiwat = 131072;
  // xsockstat_n
  std::array<xnu_traffic, 4> traffic{};
  // xtcpcb_n
  bool has_tcpcb = true;
  std::int32_t t_state = 4;
  std::uint32_t t_flags = 0x3e0;
  std::int32_t t_srtt = 0, t_rttvar = 0, t_rxtcur = 1000;
  std::uint32_t t_maxseg = 1448, snd_cwnd = 14480, snd_ssthresh = 1073725440;
  std::uint32_t snd_wnd = 131072, rcv_wnd = 131072;
  std::uint32_t snd_una = 0, snd_nxt = 0, snd_max = 0, rcv_nxt = 0, rcv_adv = 0;
  std::uint8_t snd_scale = 6, rcv_scale = 6;
  std::int32_t t_dupacks = 0, t_rxtshift = 0;
  std::uint32_t t_rttupdated = 0, t_rcvtime = 0, t_starttime = 0;
  std::uint32_t t_rttmin = 100;
};

inline std::array<std::uint8_t, 16> v4_in_kernel_form(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                                                      std::uint8_t d) {
  std::array<std::uint8_t, 16> out{};
  out[12] = a;
  out[13] = b;
  out[14] = c;
  out[15] = d;
  return out;
}

inline void write_connection(xnu_blob& blob, const xnu_connection& c) {
  blob.record("xinpcb_n", 0x10)
      .set("xi_inpp", c.xi_inpp)
      .set_be16("inp_fport", c.fport)
      .set_be16("inp_lport", c.lport)
      .set("inp_ppcb", c.xi_inpp + 0x100)
      .set("inp_gencnt", c.inp_gencnt)
      .set("inp_vflag", c.vflag)
      .set("inp_ip_p", 6)
      .set_bytes("inp_dependfaddr", {c.faddr.begin(), c.faddr.end()})
      .set_bytes("inp_dependladdr", {c.laddr.begin(), c.laddr.end()});

  blob.record("xsocket_n", 0x01);
  if (!c.socketless) {
    blob.set("xso_so", c.xso_so)
        .set("so_type", 1)
        .set("so_options", c.so_options)
        .set("so_pcb", c.xi_inpp)
        .set("xso_protocol", 6)
        .set("xso_family", (c.vflag & 0x2) != 0 ? 30 : 2)
        .set("so_qlen", static_cast<std::uint16_t>(c.so_qlen))
        .set("so_qlimit", static_cast<std::uint16_t>(c.so_qlimit))
        .set("so_uid", c.so_uid)
        .set_if_present("so_last_pid", static_cast<std::uint32_t>(c.so_last_pid))
        .set_if_present("so_e_pid", static_cast<std::uint32_t>(c.so_e_pid))
        .set_if_present("so_gencnt", c.inp_gencnt);
  }
  if (c.socketless) {
    blob.record("xsockbuf_n", 0).record("xsockbuf_n", 0);
  } else {
    blob.record("xsockbuf_n", 0x02).set("sb_cc", c.rcv_cc).set("sb_hiwat", c.rcv_hiwat);
    blob.record("xsockbuf_n", 0x04).set("sb_cc", c.snd_cc).set("sb_hiwat", c.snd_hiwat);
  }
  blob.record("xsockstat_n", 0x08);
  // Without a socket the kernel writes only the record's length and kind.
  for (int i = 0; i < 4 && !c.socketless; ++i) {
    const std::string g = "xst_tc_stats[" + std::to_string(i) + "].";
    blob.set(g + "rxpackets", c.traffic[i].rxpackets)
        .set(g + "rxbytes", c.traffic[i].rxbytes)
        .set(g + "txpackets", c.traffic[i].txpackets)
        .set(g + "txbytes", c.traffic[i].txbytes);
  }
  if (!c.has_tcpcb) return;
  blob.record("xtcpcb_n", 0x20)
      .set("t_dupacks", static_cast<std::uint32_t>(c.t_dupacks))
      .set("t_state", static_cast<std::uint32_t>(c.t_state))
      .set("t_flags", c.t_flags)
      .set("snd_una", c.snd_una)
      .set("snd_max", c.snd_max)
      .set("snd_nxt", c.snd_nxt)
      .set("rcv_nxt", c.rcv_nxt)
      .set("rcv_adv", c.rcv_adv)
      .set("rcv_wnd", c.rcv_wnd)
      .set("snd_wnd", c.snd_wnd)
      .set("snd_cwnd", c.snd_cwnd)
      .set("snd_ssthresh", c.snd_ssthresh)
      .set("t_rcvtime", c.t_rcvtime)
      .set("t_starttime", c.t_starttime)
      .set("t_rxtcur", static_cast<std::uint32_t>(c.t_rxtcur))
      .set("t_maxseg", c.t_maxseg)
      .set("t_srtt", static_cast<std::uint32_t>(c.t_srtt))
      .set("t_rttvar", static_cast<std::uint32_t>(c.t_rttvar))
      .set("t_rxtshift", static_cast<std::uint32_t>(c.t_rxtshift))
      .set("t_rttmin", c.t_rttmin)
      .set("t_rttupdated", c.t_rttupdated)
      .set("snd_scale", c.snd_scale)
      .set("rcv_scale", c.rcv_scale);
}

// A random but plausible connection: any state, family, counters.
inline xnu_connection random_connection(std::mt19937_64& rng) {
  auto u32 = [&rng] { return static_cast<std::uint32_t>(rng()); };
  auto small = [&rng](std::uint32_t bound) { return static_cast<std::uint32_t>(rng() % bound); };
  xnu_connection c;
  c.xi_inpp = rng() | 1;
  c.vflag = static_cast<std::uint8_t>(1 + small(3));
  for (auto& b : c.laddr) b = static_cast<std::uint8_t>(rng());
  for (auto& b : c.faddr) b = static_cast<std::uint8_t>(rng());
  if (small(4) == 0) {  // a link-local peer with an embedded scope
    c.faddr[0] = 0xfe;
    c.faddr[1] = 0x80;
  }
  c.lport = static_cast<std::uint16_t>(rng());
  c.fport = static_cast<std::uint16_t>(rng());
  c.inp_gencnt = rng();
  c.socketless = small(10) == 0;
  c.xso_so = rng() | 1;
  c.so_uid = small(70000);
  c.so_last_pid = static_cast<std::int32_t>(small(100000));
  c.so_e_pid = static_cast<std::int32_t>(small(100000));
  c.so_qlen = static_cast<std::int16_t>(small(128));
  c.so_qlimit = static_cast<std::int16_t>(small(4096));
  c.rcv_cc = u32();
  c.rcv_hiwat = u32();
  c.snd_cc = u32();
  c.snd_hiwat = u32();
  for (auto& t : c.traffic) t = {rng() >> 8, rng() >> 8, rng() >> 8, rng() >> 8};
  c.t_state = static_cast<std::int32_t>(small(11));
  c.t_flags = u32();
  c.t_srtt = small(3) == 0 ? 0 : static_cast<std::int32_t>(small(1u << 20));
  c.t_rttvar = static_cast<std::int32_t>(small(1u << 20));
  c.t_rxtcur = static_cast<std::int32_t>(small(64001));
  c.t_maxseg = small(65536);
  c.snd_cwnd = u32();
  c.snd_ssthresh = u32();
  c.snd_wnd = u32();
  c.rcv_wnd = u32();
  c.snd_una = u32();
  c.snd_nxt = u32();
  c.snd_max = u32();
  c.rcv_nxt = u32();
  c.rcv_adv = u32();
  c.snd_scale = static_cast<std::uint8_t>(small(15));
  c.rcv_scale = static_cast<std::uint8_t>(small(15));
  c.t_dupacks = static_cast<std::int32_t>(small(10));
  c.t_rxtshift = static_cast<std::int32_t>(small(13));
  c.t_rttupdated = u32();
  c.t_rcvtime = u32();
  c.t_starttime = u32();
  return c;
}

}  // namespace tcpstats::test
