// The pcblist_n walker on buffers written as XNU writes them, for every
// layout generation, and on every kind of malformed input.
#include <catch2/catch.hpp>

#include <string>

#include "xnu_blob_builder.hpp"
#include "xnu_connection.hpp"
#include "xnu_walk.hpp"

namespace xnu = tcpstats::xnu;
using tcpstats::errc;
using tcpstats::ip_family;
using tcpstats::parse_error;
using tcpstats::tcp_state;
using tcpstats::test::v4_in_kernel_form;
using tcpstats::test::walk;
using tcpstats::test::xnu_blob;
using tcpstats::test::xnu_connection;
using tcpstats::test::xnu_reference_layouts;

namespace {

xnu_connection established_v4() {
  xnu_connection c;
  c.xi_inpp = 0xffffff8012345670;
  c.vflag = 0x1;
  c.laddr = v4_in_kernel_form(192, 168, 1, 20);
  c.faddr = v4_in_kernel_form(17, 253, 144, 10);
  c.lport = 52344;
  c.fport = 443;
  c.inp_gencnt = 9001;
  c.xso_so = 0xffffff80abcdef00;
  c.so_uid = 501;
  c.so_last_pid = 812;
  c.so_e_pid = 640;
  c.rcv_cc = 10;
  c.rcv_hiwat = 131072;
  c.snd_cc = 2896;
  c.snd_hiwat = 131400;
  c.traffic[0] = {100, 150000, 80, 9000};
  c.traffic[1] = {1, 10, 2, 20};
  c.t_state = 4;
  c.t_srtt = 1000;   // 31.25 ms
  c.t_rttvar = 160;  // 10 ms
  c.t_rxtcur = 232;
  c.snd_una = 1000;
  c.snd_nxt = 3896;
  c.snd_max = 3896;
  c.rcv_nxt = 77;
  c.rcv_adv = 131149;
  c.t_dupacks = 1;
  c.t_rxtshift = 2;
  c.t_rttupdated = 42;
  c.t_rcvtime = 5'000;
  c.t_starttime = 1'000;
  return c;
}

xnu_connection listener_dual_stack() {
  xnu_connection c;
  c.xi_inpp = 0xffffff8000001000;
  c.vflag = 0x3;
  c.lport = 8080;
  c.xso_so = 0xffffff8000002000;
  c.so_uid = 0;
  c.so_qlen = 3;
  c.so_qlimit = 128;
  c.t_state = 1;
  return c;
}

xnu_connection time_wait_v6() {
  xnu_connection c;
  c.xi_inpp = 0xffffff8000003000;
  c.vflag = 0x2;
  c.laddr = {0xfe, 0x80, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  c.faddr = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  c.lport = 22;
  c.fport = 60000;
  c.xso_so = 0xffffff8000004000;
  c.so_last_pid = 0;  // no owner any more
  c.so_e_pid = 0;
  c.t_state = 10;
  return c;
}

std::vector<std::byte> three_connections(const std::string& version, std::uint64_t trailer_gen = 7) {
  xnu_blob blob(version);
  blob.header(3, 7, 70);
  write_connection(blob, established_v4());
  write_connection(blob, listener_dual_stack());
  write_connection(blob, time_wait_v6());
  blob.trailer(3, trailer_gen, 70);
  return blob.finish();
}

bool has_pids(const std::string& version) {
  return xnu_reference_layouts::instance().get(version, "xsocket_n").fields.count("so_last_pid") != 0;
}

}  // namespace

TEST_CASE("three connections decode in every layout generation", "[xnu][walker]") {
  for (const std::string& version : xnu_reference_layouts::instance().versions()) {
    INFO(version);
    const auto bytes = three_connections(version);
    const auto out = walk(bytes, {xnu::darwin_release{23, 0, 0}, 6'000});
    REQUIRE_FALSE(out.parse_failure);
    REQUIRE_FALSE(out.error);
    REQUIRE(out.records.size() == 3);
    CHECK(out.group_offsets[0] == 24);
    CHECK(out.header_gen == 7u);
    CHECK(out.trailer_gen == 7u);

    const auto& est = out.records[0];
    REQUIRE(est.local_address);
    CHECK(to_string(*est.local_address) == "192.168.1.20");
    CHECK(to_string(*est.remote_address) == "17.253.144.10");
    CHECK(est.local_port == 52344);
    CHECK(est.remote_port == 443);
    CHECK(est.dual_stack == false);
    CHECK(est.state == tcp_state::established);
    CHECK(est.kernel_state == 4);
    CHECK(est.socket_id == 0xffffff80abcdef00u);
    CHECK(est.inp_gencnt == 9001u);
    CHECK(est.uid == 501u);
    if (has_pids(version)) {
      CHECK(est.pid == 812);
      CHECK(est.effective_pid == 640);
    } else {
      CHECK_FALSE(est.pid);  // before xnu-2782 the kernel had no owner pid
      CHECK_FALSE(est.effective_pid);
    }
    CHECK(est.rtt_us == 31'250u);
    CHECK(est.rttvar_us == 10'000u);
    CHECK(est.rto_us == 232'000u);
    CHECK(est.rtt_update_count == 42u);
    CHECK(est.snd_una == 1000u);
    CHECK(est.snd_nxt == 3896u);
    CHECK(est.snd_max == 3896u);
    CHECK(est.rcv_nxt == 77u);
    CHECK(est.rcv_adv == 131149u);
    CHECK(est.snd_cwnd == 14480u);
    CHECK(est.snd_ssthresh == 1073725440u);
    CHECK(est.maxseg == 1448u);
    CHECK(est.snd_wscale == 6);
    CHECK(est.dupacks == 1u);
    CHECK(est.rxt_shift == 2u);
    CHECK(est.rcv_buf_used == 10u);
    CHECK(est.snd_buf_used == 2896u);
    CHECK(est.snd_buf_hiwat == 131400u);
    // Darwin 23: the four traffic classes add up.
    CHECK(est.rx_bytes == 150010u);
    CHECK(est.tx_packets == 82u);
    CHECK(est.idle_time_ms == 1'000u);
    CHECK(est.connection_age_ms == 5'000u);
    CHECK_FALSE(est.rtt_min_us);  // t_rttmin is an RTO floor, never an RTT
    CHECK_FALSE(est.timer_rexmt_ms);
    CHECK_FALSE(est.listen_queue_len);

    const auto& listener = out.records[1];
    CHECK(listener.state == tcp_state::listen);
    CHECK(listener.local_address->family == ip_family::ipv6);
    CHECK(listener.dual_stack == true);
    CHECK(to_string(*listener.local_address) == "::");
    CHECK(listener.remote_port == 0);
    CHECK(listener.uid == 0u);  // root, and known: the socket is a kernel one
    CHECK_FALSE(listener.rtt_us);
    CHECK(listener.listen_queue_len == 3u);
    CHECK(listener.listen_queue_limit == 128u);
    CHECK_FALSE(listener.connection_age_ms);  // t_starttime 0: never established

    const auto& tw = out.records[2];
    CHECK(tw.state == tcp_state::time_wait);
    CHECK(to_string(*tw.local_address) == "fe80::1%4");
    CHECK(to_string(*tw.remote_address) == "2001:db8::2");
    CHECK_FALSE(tw.pid);
  }
}

TEST_CASE("from Darwin 24 only traffic group 0 counts", "[xnu][walker]") {
  const auto bytes = three_connections(tcpstats::test::newest_xnu);
  const auto out = walk(bytes, {xnu::darwin_release{24, 0, 0}, std::nullopt});
  REQUIRE(out.records.size() == 3);
  CHECK(out.records[0].rx_bytes == 150000u);
  CHECK(out.records[0].tx_packets == 80u);
  CHECK_FALSE(out.records[0].idle_time_ms);  // no tcp_now estimate given
}

TEST_CASE("a changed generation is visible in the trailer", "[xnu][walker]") {
  const auto bytes = three_connections(tcpstats::test::newest_xnu, 8);
  const auto out = walk(bytes);
  CHECK(out.header_gen == 7u);
  CHECK(out.trailer_gen == 8u);
}

TEST_CASE("an empty list is 24 bytes with no trailer", "[xnu][walker]") {
  auto bytes = xnu_blob().header(0, 12, 3).finish();
  REQUIRE(bytes.size() == 24);
  const auto out = walk(bytes);
  CHECK_FALSE(out.error);
  CHECK(out.records.empty());
  CHECK(out.trailer_gen == 12u);

  bytes.resize(32);
  const auto extra = walk(bytes);
  CHECK(extra.parse_failure == parse_error{errc::trailing_garbage, 24});
}

TEST_CASE("a bad header is rejected", "[xnu][walker]") {
  auto bytes = xnu_blob().header(1, 1).finish();
  CHECK(walk(std::span(bytes).first(23)).parse_failure == parse_error{errc::truncated_header, 23});
  CHECK(walk({}).parse_failure == parse_error{errc::truncated_header, 0});
  bytes[0] = std::byte{32};
  CHECK(walk(bytes).parse_failure == parse_error{errc::bad_header_length, 0});
  bytes[0] = std::byte{8};
  CHECK(walk(bytes).parse_failure == parse_error{errc::bad_header_length, 0});
}

TEST_CASE("malformed records: k groups, then one error at its offset", "[xnu][walker]") {
  xnu_blob blob;
  blob.header(3, 1);
  write_connection(blob, established_v4());
  const std::size_t second = blob.pad().size();  // 24 + 104 + 104 + 32 + 32 + 136 + 208
  REQUIRE(second == 640);

  SECTION("missing trailer") {
    const auto bytes = blob.finish();
    const auto out = walk(bytes);
    CHECK(out.records.size() == 1);
    CHECK(out.error == parse_error{errc::missing_trailer, 640});
  }
  SECTION("a record cut short by the end of the buffer") {
    write_connection(blob, established_v4());
    auto bytes = blob.finish();
    bytes.resize(bytes.size() - 100);  // inside the second xtcpcb_n
    const auto out = walk(bytes);
    CHECK(out.records.size() == 1);
    CHECK(out.error == parse_error{errc::truncated_record, 640 + 104 + 104 + 32 + 32 + 136});
  }
  SECTION("a record header cut short") {
    auto bytes = blob.finish();
    bytes.resize(bytes.size() + 4);
    const auto out = walk(bytes);
    CHECK(out.error == parse_error{errc::truncated_record, 640});
  }
  SECTION("len past the end") {
    blob.record("xinpcb_n", 0x10).set_len(4096);
    const auto out = walk(blob.finish());
    CHECK(out.records.size() == 1);
    CHECK(out.error == parse_error{errc::truncated_record, 640});
  }
  SECTION("zero len") {
    blob.raw_record(0, 0x10, 104);
    const auto out = walk(blob.finish());
    CHECK(out.error == parse_error{errc::zero_length, 640});
  }
  SECTION("len below the header") {
    blob.raw_record(4, 0x10, 8);
    const auto out = walk(blob.finish());
    CHECK(out.error == parse_error{errc::record_too_short, 640});
  }
  SECTION("len below the minimum for the kind") {
    write_connection(blob, established_v4());
    blob.trailer(3, 1);
    auto bytes = blob.finish();
    // Shrink the second group's xtcpcb_n to 200 bytes (minimum 204).
    const std::size_t tcpcb = 640 + 104 + 104 + 32 + 32 + 136;
    bytes[tcpcb] = std::byte{200};
    const auto out = walk(bytes);
    CHECK(out.records.size() == 1);
    CHECK(out.error == parse_error{errc::record_too_short, tcpcb});
  }
  SECTION("an inpcb shorter than the oldest layout") {
    blob.record("xinpcb_n", 0x10).set_len(88);
    blob.trailer(2, 1);
    const auto out = walk(blob.finish());
    CHECK(out.error == parse_error{errc::record_too_short, 640});
  }
  SECTION("a repeated kind within one group") {
    write_connection(blob, established_v4());
    blob.record("xsockbuf_n", 0x04);  // a second send buffer for the second group
    blob.trailer(2, 1);
    const auto out = walk(blob.finish());
    CHECK(out.records.size() == 1);
    CHECK(out.error == parse_error{errc::duplicate_record, 640 + 104 + 104 + 32 + 32 + 136 + 208});
  }
  SECTION("trailing garbage after the trailer") {
    blob.trailer(1, 1);
    auto bytes = blob.finish();
    bytes.resize(bytes.size() + 8);
    const auto out = walk(bytes);
    CHECK(out.records.size() == 1);
    CHECK(out.error == parse_error{errc::trailing_garbage, 664});
  }
  SECTION("missing padding before the trailer") {
    write_connection(blob, established_v4());
    auto bytes = blob.finish();
    bytes.resize(bytes.size() - 4);  // the xtcpcb_n's 4 padding bytes
    const auto out = walk(bytes);
    CHECK(out.records.size() == 1);
    CHECK(out.error == parse_error{errc::truncated_record, 640 + 104 + 104 + 32 + 32 + 136});
  }
  CHECK(walk(blob.finish()).yields_after_error == 0);
}

TEST_CASE("records before the first inpcb are malformed", "[xnu][walker]") {
  xnu_blob blob;
  blob.header(1, 1);
  blob.record("xsocket_n", 0x01);
  write_connection(blob, established_v4());
  blob.trailer(1, 1);
  const auto out = walk(blob.finish());
  CHECK(out.records.empty());
  CHECK(out.error == parse_error{errc::record_outside_group, 24});
  CHECK(out.yields_after_error == 0);

  xnu_blob unknown;
  unknown.header(1, 1).raw_record(40, 0x40, 40);
  CHECK(walk(unknown.finish()).error == parse_error{errc::record_outside_group, 24});
}

TEST_CASE("socketless PCBs write kind-0 buffers and decode", "[xnu][walker]") {
  xnu_connection c = established_v4();
  c.socketless = true;
  xnu_blob blob;
  blob.header(1, 1);
  write_connection(blob, c);
  blob.trailer(1, 1);
  const auto out = walk(blob.finish());
  REQUIRE_FALSE(out.error);
  REQUIRE(out.records.size() == 1);
  const auto& r = out.records[0];
  CHECK_FALSE(r.socket_id);
  CHECK_FALSE(r.uid);
  CHECK_FALSE(r.pid);
  CHECK_FALSE(r.rcv_buf_used);
  CHECK_FALSE(r.snd_buf_hiwat);
  CHECK_FALSE(r.tx_bytes);  // its statistics record is all zeros
  CHECK_FALSE(r.rx_packets);
  CHECK(r.state == tcp_state::established);
  CHECK(r.inp_gencnt == 9001u);
}

TEST_CASE("unknown kinds are skipped by their length", "[xnu][walker]") {
  xnu_blob blob;
  blob.header(2, 1);
  write_connection(blob, established_v4());
  blob.raw_record(44, 0x40, 48);   // KCREG-like, padded
  blob.raw_record(16, 0x30, 16);   // an unknown combination of bits
  write_connection(blob, time_wait_v6());
  blob.trailer(2, 1);
  const auto out = walk(blob.finish());
  REQUIRE_FALSE(out.error);
  REQUIRE(out.records.size() == 2);
  CHECK(out.records[1].state == tcp_state::time_wait);
}

TEST_CASE("user-space flows decode with what they carry", "[xnu][walker]") {
  xnu_connection c = established_v4();
  c.xi_inpp = 0;
  c.xso_so = 0;
  c.so_uid = 0;
  c.traffic[1] = {};
  xnu_blob blob;
  blob.header(1, 1);
  write_connection(blob, c);
  blob.trailer(1, 1);
  const auto out = walk(blob.finish(), {xnu::darwin_release{21, 0, 0}, 9'000});
  REQUIRE(out.records.size() == 1);
  const auto& r = out.records[0];
  CHECK(r.user_space_flow);
  CHECK(to_string(*r.local_address) == "192.168.1.20");
  CHECK(r.local_port == 52344);
  CHECK(r.pid == 812);
  CHECK(r.state == tcp_state::established);
  CHECK(r.snd_cwnd == 14480u);
  CHECK(r.snd_wnd == 131072u);
  CHECK(r.rx_bytes == 150000u);
  CHECK(r.rcv_buf_used == 10u);
  // Not filled by the kernel for these flows: absent, not zero.
  CHECK_FALSE(r.socket_id);
  CHECK_FALSE(r.uid);
  CHECK_FALSE(r.inp_gencnt);
  CHECK_FALSE(r.rtt_us);
  CHECK_FALSE(r.rto_us);
  CHECK_FALSE(r.maxseg);
  CHECK_FALSE(r.snd_nxt);
  CHECK_FALSE(r.idle_time_ms);
}

TEST_CASE("an invalid state is reported, not used", "[xnu][walker]") {
  xnu_connection c = established_v4();
  c.t_state = 42;
  xnu_blob blob;
  blob.header(1, 1);
  write_connection(blob, c);
  blob.trailer(1, 1);
  const auto out = walk(blob.finish());
  REQUIRE(out.records.size() == 1);
  CHECK_FALSE(out.records[0].state);
  CHECK(out.records[0].kernel_state == 42);
}

TEST_CASE("records longer than any known layout decode their known prefix", "[xnu][walker]") {
  // A future kernel's xtcpcb_n of 220 bytes: the walker decodes the first
  // 204 and strides by ROUNDUP64(220) = 224.
  xnu_blob blob;
  blob.header(2, 1);
  write_connection(blob, established_v4());
  const auto first = blob.finish();
  const std::size_t tcpcb = first.size() - 208;
  std::vector<std::byte> future(first.begin(), first.begin() + static_cast<std::ptrdiff_t>(tcpcb + 204));
  future.resize(tcpcb + 224);
  future[tcpcb] = std::byte{220};

  xnu_blob rest;
  rest.header(0, 0);  // the builder needs a header; only what follows is kept
  write_connection(rest, time_wait_v6());
  rest.trailer(2, 1);
  const auto tail = rest.finish();
  future.insert(future.end(), tail.begin() + 24, tail.end());

  const auto out = walk(future);
  REQUIRE_FALSE(out.error);
  REQUIRE(out.records.size() == 2);
  CHECK(out.records[0].rtt_us == 31'250u);
  CHECK(out.records[1].state == tcp_state::time_wait);
}
