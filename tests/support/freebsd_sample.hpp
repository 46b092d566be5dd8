#pragma once
// The committed FreeBSD sample dumps (tests/data/freebsd/, written by
// make_freebsd_sample) and the values they hold, shared by the generator and
// the tests that check exact values. See tests/data/freebsd/README.md.

#include <map>
#include <string>
#include <vector>

#include "freebsd_blob_builder.hpp"
#include "freebsd_connection.hpp"

namespace tcpstats::test {

using sample_files = std::map<std::string, std::vector<std::byte>>;

inline std::vector<std::byte> text_bytes(const std::string& text) {
  std::vector<std::byte> out(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) out[i] = std::byte(static_cast<unsigned char>(text[i]));
  return out;
}

inline std::string sample_meta(const std::string& release, const std::string& table, std::uint64_t timestamp_ns) {
  return "{\n  \"hostname\": \"fbsd.example\",\n  \"os_version\": \"" + release + "\",\n  \"os_release\": \"" +
         release + "\",\n  \"timestamp_ns\": " + std::to_string(timestamp_ns) +
         ",\n  \"source\": \"freebsd\",\n  \"table\": \"" + table + "\"\n}\n";
}

// Kernel addresses of the sample's sockets.
inline constexpr std::uint64_t so_listener = 0xfffff80001a00000, so_established = 0xfffff80001b00000,
                               so_link_local = 0xfffff80001c00000, so_dual_listener = 0xfffff80001d00000,
                               so_time_wait = 0xfffff80001e00000, so_freed = 0xfffff80001f00000;
inline constexpr std::uint64_t sample_gen = 500;

// sample-<version>.pcblist: seven records in kernel order, one of them freed
// during the copy (skipped), for FreeBSD `version` ("12".."15").
inline std::vector<freebsd_connection> sample_connections(const std::string& version) {
  using shape = freebsd_connection::shape;
  std::vector<freebsd_connection> out;
  freebsd_connection syn;  // syncache entries come first
  syn.kind = shape::syncache;
  syn.laddr = freebsd_v4(192, 0, 2, 1);
  syn.faddr = freebsd_v4(198, 51, 100, 20);
  syn.lport = 443;
  syn.fport = 51000;
  out.push_back(syn);

  freebsd_connection listener;
  listener.laddr = {};
  listener.lport = 22;
  listener.inp_gencnt = 101;
  listener.xso_so = so_listener;
  listener.so_uid = 0;
  listener.so_qlen = 2;
  listener.so_incqlen = 1;
  listener.so_qlimit = 128;
  listener.so_options = 0x2;  // SO_ACCEPTCONN
  listener.so_state = 0;
  listener.t_state = 1;
  listener.tt_keep = 0;
  out.push_back(listener);

  freebsd_connection est;
  est.laddr = freebsd_v4(192, 0, 2, 1);
  est.faddr = freebsd_v4(198, 51, 100, 7);
  est.lport = 22;
  est.fport = 50001;
  est.fibnum = 1;
  est.inp_gencnt = 102;
  est.inp_flags = 0x8000;
  est.inp_flags2 = 0x10;
  est.xso_so = so_established;
  est.so_uid = 1001;
  est.rcv_cc = 100;
  est.snd_cc = 2000;
  est.t_sndrexmitpack = 3;
  est.t_rcvoopack = 2;
  est.t_sndzerowin = 1;
  est.t_rcvtime = 250;
  est.tt_rexmt = 1200;
  est.tt_keep = 7199000;
  est.tt_delack = 40;
  est.stack = "rack";
  est.cc = "newreno";
  est.cwnd = 28960;
  est.ssthresh = 20272;
  est.rcv_wnd = 65160;
  est.snd_wnd = 64128;
  est.ecn = 1;
  est.dsack_bytes = 1448;
  est.dsack_tlp_bytes = 724;
  est.dsack_pack = 1;
  est.encaps_port = 4500;
  out.push_back(est);

  freebsd_connection ll;  // link-local IPv6 with a zone; names filling their fields
  ll.vflag = 0x2;
  ll.laddr = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  ll.faddr = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  ll.zoneid = 2;
  ll.lport = 8080;
  ll.fport = 40000;
  ll.inp_gencnt = 103;
  ll.xso_so = so_link_local;
  ll.so_uid = 1002;
  ll.stack = "abcdefghijklmnopqrstuvwxyz012345";  // 32 bytes: no NUL
  ll.cc = "cc_sixteen_chars";                      // 16 bytes: no NUL
  out.push_back(ll);

  freebsd_connection dual;  // an IPv6 listener also accepting IPv4
  dual.vflag = 0x3;
  dual.lport = 443;
  dual.inp_gencnt = 104;
  dual.xso_so = so_dual_listener;
  dual.so_uid = 80;
  dual.so_qlimit = 511;
  dual.so_options = 0x2;
  dual.so_state = 0;
  dual.t_state = 1;
  dual.tt_keep = 0;
  out.push_back(dual);

  freebsd_connection tw;  // 12/13: no socket part; 14+: keeps its socket
  tw.kind = (version == "12" || version == "13") ? shape::time_wait_without_socket : shape::full;
  tw.laddr = freebsd_v4(192, 0, 2, 1);
  tw.faddr = freebsd_v4(198, 51, 100, 8);
  tw.lport = 22;
  tw.fport = 50002;
  tw.inp_gencnt = 105;
  tw.xso_so = so_time_wait;
  tw.t_state = 10;
  tw.tt_keep = 0;
  tw.tt_2msl = 30000;
  tw.so_state = 0x2000;
  out.push_back(tw);

  freebsd_connection freed = est;  // created after the header: skipped
  freed.inp_gencnt = sample_gen + 1;
  freed.xso_so = so_freed;
  freed.fport = 50003;
  out.push_back(freed);
  return out;
}

inline std::vector<std::byte> build_freebsd_sample(const std::string& version) {
  freebsd_blob blob(version);
  const auto connections = sample_connections(version);
  blob.header(static_cast<std::uint32_t>(connections.size()), sample_gen, 900);
  for (const auto& c : connections) write_connection(blob, c);
  blob.trailer(static_cast<std::uint32_t>(connections.size()), sample_gen, 900);
  return blob.finish();
}

// kern.file beside sample-14: the established socket is open in three
// descriptors of two processes (pid 812 fds 4 and 5, pid 900 fd 7); a
// vnode whose xf_data happens to equal a socket's address must not join.
inline std::vector<xfile_entry> sample_files_entries() {
  return {{700, 0, 3, 2, so_listener, 0xfffff80010000001},
          {900, 1001, 7, 2, so_established, 0xfffff80010000002},
          {812, 1001, 5, 2, so_established, 0xfffff80010000003},
          {812, 1001, 4, 2, so_established, 0xfffff80010000004},
          {812, 1001, 1, 1, so_link_local, 0xfffff80010000005},
          {1200, 1002, 6, 2, so_link_local, 0xfffff80010000006},
          {1000, 1003, 9, 2, 0xfffff80009999990, 0xfffff80010000007}};
}
inline const char* sample_commands = "700 sshd\n812 nginx\n900 nginx-worker\n1200 python3.11\n";

// tcpstat members hold 1000 × their index + 7 in the writing release, so
// a wrong member order reads different numbers.
inline std::vector<std::byte> sample_tcpstat(const std::string& version) {
  const auto& layout = freebsd_reference_layouts::instance().get(version, "tcpstat");
  return tcpstat_blob(version, [&](const std::string& name) { return layout.fields.at(name).index * 1000 + 7; });
}
// The kernel counts every connection, also those the reader may not see.
inline constexpr std::array<std::uint64_t, 11> sample_states{0, 2, 0, 1, 3, 0, 0, 0, 0, 0, 1};

// sample.dev_tcpstats: a listener, an established IPv4 connection with every
// field set, a syncache entry and an established IPv6 connection.
inline std::vector<std::byte> build_dev_tcpstats_sample() {
  std::vector<std::byte> out;
  const auto add = [&out](const tcpstats_record_writer& w) { out.insert(out.end(), w.bytes().begin(), w.bytes().end()); };
  tcpstats_record_writer listener;
  listener.set("tsr_flags", 0x2).set("tsr_af", 2).set("tsr_local_port", 22).set("tsr_state", 1);
  listener.set("tsr_so_addr", so_listener).set("tsr_uid", 0).set("tsr_inp_gencnt", 101);
  listener.set("tsr_snd_cwnd", 9999);  // listeners carry identity only: not reported
  add(listener);
  tcpstats_record_writer est;
  est.set("tsr_af", 2).set("tsr_local_port", 22).set("tsr_remote_port", 50001).set("tsr_state", 4);
  est.addresses({192, 0, 2, 1}, {198, 51, 100, 7}).names("cubic", "freebsd");
  est.set("tsr_flags_tcp", 0x1e0).set("tsr_snd_cwnd", 28960).set("tsr_snd_ssthresh", 20272);
  est.set("tsr_snd_wnd", 64128).set("tsr_rcv_wnd", 65160).set("tsr_maxseg", 1448);
  est.set("tsr_rtt", 12500).set("tsr_rttvar", 3100).set("tsr_rto", 230000).set("tsr_rttmin", 30);
  est.set("tsr_snd_wscale", 6).set("tsr_rcv_wscale", 7).set("tsr_options", 0x7);
  est.set("tsr_snd_nxt", 1000500).set("tsr_snd_una", 1000000).set("tsr_snd_max", 1000600);
  est.set("tsr_rcv_nxt", 2000000).set("tsr_rcv_adv", 2065160);
  est.set("tsr_snd_rexmitpack", 3).set("tsr_rcv_ooopack", 2).set("tsr_snd_zerowin", 1).set("tsr_dupacks", 1);
  est.set("tsr_rcv_numsacks", 2).set("tsr_ecn", 1).set("tsr_delivered_ce", 5).set("tsr_received_ce", 6);
  est.set("tsr_dsack_bytes", 1448).set("tsr_dsack_pack", 1).set("tsr_total_tlp", 4);
  est.set("tsr_total_tlp_bytes", 0x1'0000'0005ull);
  est.set("tsr_tt_rexmt", 1200).set("tsr_tt_keep", 7199000).set("tsr_tt_delack", 0xffffffff);  // -1: due
  est.set("tsr_rcvtime", 250).set("tsr_snd_buf_cc", 2000).set("tsr_snd_buf_hiwat", 32768);
  est.set("tsr_rcv_buf_cc", 100).set("tsr_rcv_buf_hiwat", 65536);
  est.set("tsr_so_addr", so_established).set("tsr_uid", 1001).set("tsr_inp_gencnt", 102);
  add(est);
  tcpstats_record_writer syn;
  syn.set("tsr_flags", 0x4).set("tsr_af", 2).set("tsr_local_port", 443).set("tsr_remote_port", 51000);
  syn.set("tsr_state", 3).addresses({192, 0, 2, 1}, {198, 51, 100, 20});
  add(syn);
  tcpstats_record_writer v6;
  v6.set("tsr_flags", 0x1).set("tsr_af", 28).set("tsr_local_port", 8080).set("tsr_remote_port", 40000);
  v6.set("tsr_state", 4).addresses({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
                                   {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2});
  v6.set("tsr_so_addr", so_link_local).set("tsr_uid", 1002).set("tsr_inp_gencnt", 103).set("tsr_rto", 1000000);
  add(v6);  // no RTT sample yet: tsr_rtt 0
  return out;
}

// seq-1..3.pcblist (FreeBSD 14): the same host three passes in a row.
//   A  listener *:22                                     in every pass
//   B  192.0.2.1:22 <-> 198.51.100.7:50001               counters advance
//   C  192.0.2.1:43210 <-> 203.0.113.5:443               ESTABLISHED, FIN_WAIT_2, closed
//   D  [2001:db8::1]:8080 <-> [2001:db8::2]:40000        new in pass 2; t_rcvoopack drops 7 -> 4
//   E  xso_so 0xfffff80003e00000 reused: 192.0.2.1:5000 <-> 203.0.113.9:6000 (gencnt 40) in
//      passes 1-2, 192.0.2.1:5001 <-> 203.0.113.10:7000 (gencnt 61) in pass 3
inline std::vector<freebsd_connection> sequence_connections(int pass) {
  std::vector<freebsd_connection> out;
  freebsd_connection a;
  a.lport = 22;
  a.inp_gencnt = 10;
  a.xso_so = 0xfffff80003a00000;
  a.so_uid = 0;
  a.so_qlimit = 128;
  a.so_options = 0x2;
  a.so_state = 0;
  a.t_state = 1;
  a.tt_keep = 0;
  out.push_back(a);

  freebsd_connection b;
  b.laddr = freebsd_v4(192, 0, 2, 1);
  b.faddr = freebsd_v4(198, 51, 100, 7);
  b.lport = 22;
  b.fport = 50001;
  b.inp_gencnt = 20;
  b.xso_so = 0xfffff80003b00000;
  const std::uint32_t rexmit[] = {3, 5, 9}, ooo[] = {1, 1, 2}, zerowin[] = {0, 0, 1}, idle[] = {100, 40, 900};
  const std::uint32_t snd_cc[] = {0, 1448, 4096}, cwnd[] = {14480, 28960, 14480}, dsack[] = {0, 1448, 2896};
  b.t_sndrexmitpack = rexmit[pass - 1];
  b.t_rcvoopack = ooo[pass - 1];
  b.t_sndzerowin = zerowin[pass - 1];
  b.t_rcvtime = idle[pass - 1];
  b.snd_cc = snd_cc[pass - 1];
  b.cwnd = cwnd[pass - 1];
  b.dsack_bytes = dsack[pass - 1];
  b.dsack_pack = pass - 1;
  out.push_back(b);

  if (pass <= 2) {
    freebsd_connection c;
    c.laddr = freebsd_v4(192, 0, 2, 1);
    c.faddr = freebsd_v4(203, 0, 113, 5);
    c.lport = 43210;
    c.fport = 443;
    c.inp_gencnt = 30;
    c.xso_so = 0xfffff80003c00000;
    c.t_state = pass == 1 ? 4 : 9;
    c.t_sndrexmitpack = pass == 1 ? 0 : 1;
    c.tt_2msl = pass == 1 ? 0 : 60000;
    out.push_back(c);
  }
  if (pass >= 2) {
    freebsd_connection d;
    d.vflag = 0x2;
    d.laddr = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    d.faddr = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    d.lport = 8080;
    d.fport = 40000;
    d.inp_gencnt = 50;
    d.xso_so = 0xfffff80003d00000;
    d.t_rcvoopack = pass == 2 ? 7 : 4;
    d.t_sndrexmitpack = pass == 2 ? 0 : 2;
    out.push_back(d);
  }
  freebsd_connection e;
  e.laddr = freebsd_v4(192, 0, 2, 1);
  e.xso_so = 0xfffff80003e00000;
  if (pass <= 2) {
    e.faddr = freebsd_v4(203, 0, 113, 9);
    e.lport = 5000;
    e.fport = 6000;
    e.inp_gencnt = 40;
    e.t_sndrexmitpack = pass == 1 ? 10 : 12;
  } else {
    e.faddr = freebsd_v4(203, 0, 113, 10);
    e.lport = 5001;
    e.fport = 7000;
    e.inp_gencnt = 61;
    e.t_sndrexmitpack = 0;
  }
  out.push_back(e);
  return out;
}

inline constexpr std::uint64_t sequence_gen(int pass) { return 1000 + 10 * static_cast<std::uint64_t>(pass - 1); }

inline std::vector<std::byte> build_sequence_pass(int pass) {
  freebsd_blob blob("14");
  const auto connections = sequence_connections(pass);
  const auto count = static_cast<std::uint32_t>(connections.size());
  blob.header(count, sequence_gen(pass), 2000);
  for (const auto& c : connections) write_connection(blob, c);
  blob.trailer(count, sequence_gen(pass), 2000);
  return blob.finish();
}

// The pass's net.inet.tcp.stats (14's order): member i holds
// 1000 × pass × (i + 1), so every counter advances between passes, except
// the retransmitted and duplicate packets: 50 × pass and 30 × pass.
inline std::vector<std::byte> sequence_tcpstat(int pass) {
  const auto& layout = freebsd_reference_layouts::instance().get("14", "tcpstat");
  const auto p = static_cast<std::uint64_t>(pass);
  return tcpstat_blob("14", [&](const std::string& name) -> std::uint64_t {
    if (name == "tcps_sndrexmitpack") return 50 * p;
    if (name == "tcps_rcvduppack") return 30 * p;
    return 1000 * p * (layout.fields.at(name).index + 1);
  });
}

// Every committed file of tests/data/freebsd, by name.
inline sample_files all_freebsd_samples() {
  sample_files files;
  for (const std::string version : {"12", "13", "14", "15"}) {
    files["sample-" + version + ".pcblist"] = build_freebsd_sample(version);
  }
  const std::string releases[] = {"12.4-RELEASE", "13.1-RELEASE", "14.1-RELEASE", "15.0-CURRENT"};
  for (std::size_t i = 0; i < 4; ++i) {
    const std::string name = "sample-" + std::to_string(12 + i) + ".pcblist";
    files[name + ".meta.json"] = text_bytes(sample_meta(releases[i], "pcblist", 1772400000000000000ull + i));
  }
  files["sample-14.pcblist.kern_file"] = kern_file_blob(sample_files_entries());
  files["sample-14.pcblist.commands"] = text_bytes(sample_commands);
  files["sample-14.pcblist.tcp_stats"] = sample_tcpstat("14");
  files["sample-14.pcblist.tcp_states"] = tcp_states_blob(sample_states);
  files["sample-15.pcblist.tcp_stats"] = sample_tcpstat("15");
  files["sample.dev_tcpstats"] = build_dev_tcpstats_sample();
  files["sample.dev_tcpstats.meta.json"] = text_bytes(sample_meta("14.2-RELEASE", "dev_tcpstats", 1772400000000000010ull));
  files["sample.dev_tcpstats.kern_file"] = kern_file_blob(sample_files_entries());
  for (int pass = 1; pass <= 3; ++pass) {
    const std::string name = "seq-" + std::to_string(pass) + ".pcblist";
    files[name] = build_sequence_pass(pass);
    files[name + ".meta.json"] =
        text_bytes(sample_meta("14.1-RELEASE", "pcblist", 1772401000000000000ull + static_cast<std::uint64_t>(pass) * 1000000000ull));
    files[name + ".tcp_stats"] = sequence_tcpstat(pass);
    files[name + ".tcp_states"] =
        tcp_states_blob({0, 1, 0, 0, 3, 0, 0, 0, 0, pass == 2 ? 1u : 0u, 0});
  }
  return files;
}

}  // namespace tcpstats::test
