#pragma once
// One FreeBSD connection described as plain values, written as struct
// xtcpcb the way the kernel fills it: tcp_inptoxtp for PCBs (12/13
// TIME_WAIT records with an empty socket part and a zeroed tcpcb), and
// syncache_pcblist for syncache entries. Fields a release lacks are skipped,
// as the kernel's bzero() leaves them.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "freebsd_blob_builder.hpp"

namespace tcpstats::test {

struct freebsd_connection {
  enum class shape { full, syncache, time_wait_without_socket };
  shape kind = shape::full;
  // xinpcb
  std::uint8_t vflag = 0x1;                // INP_IPV4
  std::array<std::uint8_t, 16> laddr{};    // kernel form: IPv4 in the last 4 bytes
  std::array<std::uint8_t, 16> faddr{};
  std::uint16_t lport = 0, fport = 0;      // host order here, network order in the record
  std::uint32_t zoneid = 0;
  std::uint16_t fibnum = 0;
  std::uint64_t inp_gencnt = 1;
  std::uint32_t inp_flags = 0, inp_flags2 = 0;
  // xsocket
  std::uint64_t xso_so = 0xfffff80001000000;
  std::uint32_t so_uid = 1001;
  std::uint32_t so_qlen = 0, so_incqlen = 0, so_qlimit = 0;
  std::uint16_t so_options = 0, so_state = 0x2;  // SS_ISCONNECTED
  std::uint32_t rcv_cc = 0, rcv_hiwat = 65536, snd_cc = 0, snd_hiwat = 32768;
  // tcpcb
  std::int32_t t_state = 4;
  std::uint32_t t_flags = 0x1e0;
  std::uint32_t t_sndzerowin = 0, t_sndrexmitpack = 0, t_rcvoopack = 0, t_rcvtime = 0;
  std::int32_t tt_rexmt = 0, tt_persist = 0, tt_keep = 7200000, tt_2msl = 0, tt_delack = 0;
  std::string stack = "freebsd", cc = "cubic";
  std::uint32_t cwnd = 14480, ssthresh = 1073725440, maxseg = 1448, rcv_wnd = 65536, snd_wnd = 65536;
  std::uint32_t ecn = 0, dsack_bytes = 0, dsack_tlp_bytes = 0, dsack_pack = 0;
  std::uint16_t encaps_port = 0;
};

inline std::array<std::uint8_t, 16> freebsd_v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  std::array<std::uint8_t, 16> out{};
  out[12] = a;
  out[13] = b;
  out[14] = c;
  out[15] = d;
  return out;
}

inline std::vector<std::uint8_t> as_vector(const std::array<std::uint8_t, 16>& a) { return {a.begin(), a.end()}; }

inline void write_connection(freebsd_blob& blob, const freebsd_connection& c) {
  using shape = freebsd_connection::shape;
  auto w = blob.record();
  const std::string inc = "xt_inp.inp_inc.";
  const std::string ie = "xt_inp.inp_inc.inc_ie.";
  const std::string so = "xt_inp.xi_socket.";
  // in_conninfo: every shape.
  w.set("xt_inp.inp_vflag", c.vflag);
  w.set(inc + "inc_flags", (c.vflag & 0x2) ? 1 : 0);  // INC_ISIPV6
  w.set(inc + "inc_fibnum", c.fibnum);
  w.set_be16(ie + "ie_fport", c.fport).set_be16(ie + "ie_lport", c.lport);
  w.set_bytes(ie + "ie_dependfaddr.id6_addr", as_vector(c.faddr));
  w.set_bytes(ie + "ie_dependladdr.id6_addr", as_vector(c.laddr));
  w.set(ie + "ie6_zoneid", c.zoneid);
  w.set(so + "xso_protocol", 6);
  // xt_encaps_port is network order in the kernel (sc_port / t_port).
  if (w.has("xt_encaps_port")) w.set_be16("xt_encaps_port", c.encaps_port);

  if (c.kind == shape::syncache) {
    // syncache_pcblist: no PCB (xi_len 0), no socket, state SYN_RECEIVED.
    w.set("t_state", 3);
    w.set(so + "xso_len", 240).set(so + "so_type", 1).set(so + "so_state", 0x4);  // SS_ISCONNECTING
    return;
  }
  w.set("xt_inp.xi_len", 400);
  w.set("xt_inp.inp_gencnt", c.inp_gencnt);
  w.set("xt_inp.inp_flags", c.inp_flags).set("xt_inp.inp_flags2", c.inp_flags2);
  if (c.kind == shape::time_wait_without_socket) {
    w.set("t_state", 10);
    return;
  }
  w.set(so + "xso_len", 240).set(so + "xso_so", c.xso_so).set(so + "so_pcb", c.xso_so + 0x800);
  w.set(so + "xso_family", (c.vflag & 0x2) ? 28 : 2).set(so + "so_type", 1);
  w.set(so + "so_qlen", c.so_qlen).set(so + "so_incqlen", c.so_incqlen).set(so + "so_qlimit", c.so_qlimit);
  w.set(so + "so_uid", c.so_uid).set(so + "so_options", c.so_options).set(so + "so_state", c.so_state);
  w.set(so + "so_rcv.sb_cc", c.rcv_cc).set(so + "so_rcv.sb_hiwat", c.rcv_hiwat);
  w.set(so + "so_snd.sb_cc", c.snd_cc).set(so + "so_snd.sb_hiwat", c.snd_hiwat);
  w.set("t_state", static_cast<std::uint32_t>(c.t_state)).set("t_flags", c.t_flags);
  w.set("t_sndzerowin", c.t_sndzerowin).set("t_sndrexmitpack", c.t_sndrexmitpack);
  w.set("t_rcvoopack", c.t_rcvoopack).set("t_rcvtime", c.t_rcvtime);
  w.set("tt_rexmt", static_cast<std::uint32_t>(c.tt_rexmt)).set("tt_persist", static_cast<std::uint32_t>(c.tt_persist));
  w.set("tt_keep", static_cast<std::uint32_t>(c.tt_keep)).set("tt_2msl", static_cast<std::uint32_t>(c.tt_2msl));
  w.set("tt_delack", static_cast<std::uint32_t>(c.tt_delack));
  w.set_string("xt_stack", c.stack);
  if (w.has("xt_cc")) w.set_string("xt_cc", c.cc);
  w.set_if_present("t_snd_cwnd", c.cwnd).set_if_present("t_snd_ssthresh", c.ssthresh);
  w.set_if_present("t_maxseg", c.maxseg).set_if_present("t_rcv_wnd", c.rcv_wnd);
  w.set_if_present("t_snd_wnd", c.snd_wnd).set_if_present("xt_ecn", c.ecn);
  w.set_if_present("t_dsack_bytes", c.dsack_bytes).set_if_present("t_dsack_tlp_bytes", c.dsack_tlp_bytes);
  w.set_if_present("t_dsack_pack", c.dsack_pack);
}

}  // namespace tcpstats::test
