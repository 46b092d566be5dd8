#pragma once
// The bundled golden dump, tests/data/xnu/sample-macos15.pcblist_n: what a
// macOS 15 (xnu-11417, Darwin 24.4) kernel writes for a small but varied
// host. Regenerate with `build/tests/make_xnu_sample FILE`; the golden test
// checks that the committed file still equals this description.

#include "xnu_blob_builder.hpp"
#include "xnu_connection.hpp"

namespace tcpstats::test {

inline std::vector<std::byte> build_xnu_sample() {
  xnu_blob blob(newest_xnu);
  blob.header(9, 48213, 91177);

  xnu_connection https;  // a browser's HTTPS connection with a measured RTT
  https.xi_inpp = 0x8c1f3a0e7d2b4c10;
  https.vflag = 0x1;
  https.laddr = v4_in_kernel_form(192, 168, 1, 23);
  https.faddr = v4_in_kernel_form(17, 253, 144, 10);
  https.lport = 53122;
  https.fport = 443;
  https.inp_gencnt = 48190;
  https.xso_so = 0x8c1f3a0e7d2b5d20;
  https.so_uid = 501;
  https.so_last_pid = 1423;
  https.so_e_pid = 1423;
  https.rcv_cc = 0;
  https.rcv_hiwat = 2097152;
  https.snd_cc = 517;
  https.snd_hiwat = 131768;
  https.traffic[0] = {1840, 2411877, 903, 61244};
  https.traffic[1] = {3, 4344, 0, 0};  // dropped for lack of buffer space
  https.t_state = 4;
  https.t_flags = 0x1e0;
  https.t_srtt = 742;    // 23.1875 ms
  https.t_rttvar = 131;  // 8.1875 ms
  https.t_rxtcur = 300;
  https.t_maxseg = 1448;
  https.snd_cwnd = 33304;
  https.snd_ssthresh = 1073725440;
  https.snd_wnd = 262144;
  https.rcv_wnd = 2097152;
  https.snd_una = 2831044101u;
  https.snd_nxt = 2831044618u;
  https.snd_max = 2831044618u;
  https.rcv_nxt = 1193004522u;
  https.rcv_adv = 1195101674u;
  https.snd_scale = 8;
  https.rcv_scale = 6;
  https.t_rttupdated = 611;
  https.t_rcvtime = 905112340;
  https.t_starttime = 905051002;
  write_connection(blob, https);

  xnu_connection ssh_listener;  // sshd on both families
  ssh_listener.xi_inpp = 0x8c1f3a0e7d2a0010;
  ssh_listener.vflag = 0x3;
  ssh_listener.lport = 22;
  ssh_listener.inp_gencnt = 212;
  ssh_listener.xso_so = 0x8c1f3a0e7d2a1120;
  ssh_listener.so_uid = 0;
  ssh_listener.so_last_pid = 1;
  ssh_listener.so_e_pid = 1;
  ssh_listener.so_qlen = 0;
  ssh_listener.so_qlimit = 128;
  ssh_listener.t_state = 1;
  ssh_listener.t_rxtcur = 1000;
  ssh_listener.snd_cwnd = 1073725440;
  ssh_listener.t_rcvtime = 812000000;  // listening for a day; never established
  write_connection(blob, ssh_listener);

  xnu_connection v4_listener;  // a local web server, IPv4 loopback only
  v4_listener.xi_inpp = 0x8c1f3a0e7d2a2210;
  v4_listener.vflag = 0x1;
  v4_listener.laddr = v4_in_kernel_form(127, 0, 0, 1);
  v4_listener.lport = 8080;
  v4_listener.inp_gencnt = 47001;
  v4_listener.xso_so = 0x8c1f3a0e7d2a3320;
  v4_listener.so_last_pid = 2210;
  v4_listener.so_e_pid = 2210;
  v4_listener.so_qlen = 2;
  v4_listener.so_qlimit = 511;
  v4_listener.t_state = 1;
  v4_listener.t_rcvtime = 904000000;
  write_connection(blob, v4_listener);

  xnu_connection link_local;  // AirDrop-style peer on a link-local address
  link_local.xi_inpp = 0x8c1f3a0e7d2b6e10;
  link_local.vflag = 0x2;
  link_local.laddr = {0xfe, 0x80, 0x00, 0x0e, 0, 0, 0, 0, 0x14, 0x8f, 0x2a, 0xff, 0xfe, 0x11, 0x22, 0x33};
  link_local.faddr = {0xfe, 0x80, 0x00, 0x0e, 0, 0, 0, 0, 0x90, 0xdd, 0x5d, 0xff, 0xfe, 0x44, 0x55, 0x66};
  link_local.lport = 8770;
  link_local.fport = 61002;
  link_local.inp_gencnt = 48201;
  link_local.xso_so = 0x8c1f3a0e7d2b7f20;
  link_local.so_last_pid = 388;
  link_local.so_e_pid = 388;
  link_local.traffic[0] = {12, 1660, 14, 2302};
  link_local.t_state = 4;
  link_local.t_srtt = 64;  // 2 ms
  link_local.t_rttvar = 32;
  link_local.t_rxtcur = 200;
  link_local.t_maxseg = 1428;
  link_local.t_rttupdated = 9;
  link_local.t_rcvtime = 905112900;
  link_local.t_starttime = 905100000;
  write_connection(blob, link_local);

  xnu_connection connecting;  // SYN_SENT to an IPv6 host: no RTT sample yet
  connecting.xi_inpp = 0x8c1f3a0e7d2b8010;
  connecting.vflag = 0x2;
  connecting.laddr = {0x2a, 0x02, 0x81, 0x0d, 0x4b, 0x40, 0x2e, 0x00, 0x10, 0x52, 0x3c, 0x9a, 0x55, 0x01, 0x7e, 0x2b};
  connecting.faddr = {0x26, 0x06, 0x47, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x68, 0x1a, 0x0b, 0x2c};
  connecting.lport = 53201;
  connecting.fport = 443;
  connecting.inp_gencnt = 48212;
  connecting.xso_so = 0x8c1f3a0e7d2b9120;
  connecting.so_last_pid = 1423;
  connecting.so_e_pid = 1423;
  connecting.t_state = 2;
  connecting.t_rxtcur = 1000;
  connecting.t_rxtshift = 1;
  connecting.snd_una = 77;
  connecting.snd_nxt = 78;
  connecting.snd_max = 78;
  connecting.t_rcvtime = 905112000;
  write_connection(blob, connecting);

  xnu_connection socketless;  // a PCB whose socket is gone
  socketless.socketless = true;
  socketless.xi_inpp = 0x8c1f3a0e7d2ba210;
  socketless.laddr = v4_in_kernel_form(192, 168, 1, 23);
  socketless.faddr = v4_in_kernel_form(140, 82, 112, 21);
  socketless.lport = 53011;
  socketless.fport = 443;
  socketless.inp_gencnt = 48100;
  socketless.t_state = 0;
  socketless.t_rcvtime = 905000000;
  socketless.t_starttime = 904990000;
  write_connection(blob, socketless);

  // A record kind that inet lists do not use: skipped by its length.
  blob.raw_record(44, 0x40, 48);

  xnu_connection user_flow;  // a user-space-stack (Skywalk) flow, mostly zero
  user_flow.xi_inpp = 0;
  user_flow.xso_so = 0;
  user_flow.so_uid = 0;
  user_flow.vflag = 0x1;
  user_flow.laddr = v4_in_kernel_form(192, 168, 1, 23);
  user_flow.faddr = v4_in_kernel_form(17, 57, 146, 52);
  user_flow.lport = 60311;
  user_flow.fport = 5223;
  user_flow.inp_gencnt = 0;
  user_flow.so_last_pid = 402;
  user_flow.so_e_pid = 402;
  user_flow.rcv_cc = 0;
  user_flow.rcv_hiwat = 65536;
  user_flow.snd_cc = 0;
  user_flow.snd_hiwat = 65536;
  user_flow.traffic[0] = {220, 31210, 198, 18722};
  user_flow.t_state = 4;
  user_flow.t_flags = 0;
  user_flow.t_rxtcur = 0;
  user_flow.t_maxseg = 0;
  user_flow.snd_ssthresh = 0;
  user_flow.rcv_wnd = 0;
  user_flow.snd_scale = 0;
  user_flow.rcv_scale = 0;
  user_flow.snd_wnd = 131072;
  user_flow.snd_cwnd = 28960;
  write_connection(blob, user_flow);

  xnu_connection closing;  // the peer closed; the app has not yet
  closing.xi_inpp = 0x8c1f3a0e7d2bb310;
  closing.laddr = v4_in_kernel_form(127, 0, 0, 1);
  closing.faddr = v4_in_kernel_form(127, 0, 0, 1);
  closing.lport = 8080;
  closing.fport = 53300;
  closing.inp_gencnt = 48207;
  closing.xso_so = 0x8c1f3a0e7d2bc420;
  closing.so_last_pid = 2210;
  closing.so_e_pid = 2210;
  closing.rcv_cc = 1;
  closing.traffic[0] = {6, 1210, 5, 9000};
  closing.t_state = 5;
  closing.t_srtt = 3;  // under a tenth of a millisecond: loopback
  closing.t_rttvar = 2;
  closing.t_rxtcur = 200;
  closing.t_maxseg = 16344;
  closing.t_rttupdated = 4;
  closing.t_rcvtime = 905110000;
  closing.t_starttime = 905090000;
  write_connection(blob, closing);

  xnu_connection time_wait;  // TIME_WAIT entries come last
  time_wait.xi_inpp = 0x8c1f3a0e7d2bd510;
  time_wait.laddr = v4_in_kernel_form(192, 168, 1, 23);
  time_wait.faddr = v4_in_kernel_form(151, 101, 1, 69);
  time_wait.lport = 52990;
  time_wait.fport = 443;
  time_wait.inp_gencnt = 47950;
  time_wait.xso_so = 0x8c1f3a0e7d2be620;
  time_wait.so_last_pid = 0;
  time_wait.so_e_pid = 0;
  time_wait.traffic[0] = {40, 51234, 22, 3012};
  time_wait.t_state = 10;
  time_wait.t_srtt = 1344;  // 42 ms
  time_wait.t_rttvar = 320;
  time_wait.t_rxtcur = 240;
  time_wait.t_rttupdated = 17;
  time_wait.t_rcvtime = 905083000;
  time_wait.t_starttime = 905020000;
  write_connection(blob, time_wait);

  blob.trailer(9, 48213, 91177);
  return blob.finish();
}

// A small dump in the layout of one XNU release: an established IPv4
// connection with an RTT sample, a dual-stack listener, an IPv6 TIME_WAIT
// with a link-local end. Used for the CLI tests of every generation.
inline std::vector<std::byte> build_xnu_generation_sample(const std::string& version) {
  xnu_blob blob(version);
  blob.header(3, 77, 700);

  xnu_connection est;
  est.xi_inpp = 0x51f0a2c4d8e61010;
  est.laddr = v4_in_kernel_form(10, 0, 0, 5);
  est.faddr = v4_in_kernel_form(10, 0, 0, 9);
  est.lport = 50022;
  est.fport = 443;
  est.inp_gencnt = 1001;
  est.xso_so = 0x51f0a2c4d8e62020;
  est.so_uid = 501;
  est.so_last_pid = 4242;
  est.so_e_pid = 4243;
  est.rcv_cc = 12;
  est.snd_cc = 34;
  est.traffic[0] = {10, 1000, 20, 2000};
  est.traffic[1] = {1, 100, 2, 200};
  est.traffic[2] = {0, 0, 0, 0};
  est.traffic[3] = {3, 300, 4, 400};
  est.t_state = 4;
  est.t_srtt = 1000;  // 31.25 ms
  est.t_rttvar = 160;  // 10 ms
  est.t_rxtcur = 232;
  est.t_rttupdated = 42;
  est.snd_una = 5000;
  est.snd_nxt = 5100;
  est.snd_max = 5100;
  est.rcv_nxt = 9000;
  est.rcv_adv = 140072;
  est.t_rcvtime = 90'000;
  est.t_starttime = 30'000;
  write_connection(blob, est);

  xnu_connection listener;
  listener.xi_inpp = 0x51f0a2c4d8e63010;
  listener.vflag = 0x3;
  listener.lport = 8443;
  listener.inp_gencnt = 17;
  listener.xso_so = 0x51f0a2c4d8e64020;
  listener.so_uid = 0;
  listener.so_last_pid = 88;
  listener.so_e_pid = 88;
  listener.so_qlen = 1;
  listener.so_qlimit = 128;
  listener.t_state = 1;
  write_connection(blob, listener);

  xnu_connection tw;
  tw.xi_inpp = 0x51f0a2c4d8e65010;
  tw.vflag = 0x2;
  tw.laddr = {0xfe, 0x80, 0x00, 0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x21};
  tw.faddr = {0xfe, 0x80, 0x00, 0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42};
  tw.lport = 22;
  tw.fport = 61000;
  tw.inp_gencnt = 999;
  tw.xso_so = 0x51f0a2c4d8e66020;
  tw.so_last_pid = 0;
  tw.so_e_pid = 0;
  tw.t_state = 10;
  tw.t_srtt = 64;
  tw.t_rttvar = 32;
  write_connection(blob, tw);

  blob.trailer(3, 77, 700);
  return blob.finish();
}

}  // namespace tcpstats::test
