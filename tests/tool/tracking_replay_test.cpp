// --deltas and --changes-only over replayed sequences of dumps (macOS
// pcblist_n and Linux sock_diag, built here with known counters, their
// meta files one second apart): exact deltas and rates, closed records,
// reused identities, counters that go backwards, and the same batches in
// JSON Lines and binary.
#include <catch2/catch.hpp>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "batches.hpp"
#include "netlink_builder.hpp"
#include "subprocess.hpp"
#include "tcp_stats.pb.h"
#include "xnu_blob_builder.hpp"
#include "xnu_connection.hpp"

namespace pb = tcpstats_reader;
using namespace tcpstats::test;

namespace {

const std::string tool = TCPSTATS_READER;
constexpr std::uint64_t first_timestamp_ns = 1'764'290'000'000'000'000;

void write_bytes(const std::string& path, const std::vector<std::byte>& bytes) {
  tcpstats::test::write_file(path, std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

void write_meta(const std::string& dump, const std::string& source, int pass, const std::string& extra = "") {
  std::ofstream out(dump + ".meta.json");
  out << "{\"source\": \"" << source << "\", \"timestamp_ns\": " << first_timestamp_ns + pass * 1'000'000'000ull
      << extra << "}\n";
}

// Replays `files` with `options`; checks that binary output says the same.
std::vector<pb::BatchMessage> replay(const std::vector<std::string>& files, const std::vector<std::string>& options) {
  std::vector<std::string> args{tool};
  args.insert(args.end(), options.begin(), options.end());
  args.emplace_back("--replay");
  args.insert(args.end(), files.begin(), files.end());
  const auto jsonl = run_process(args);
  INFO(jsonl.err);
  REQUIRE(jsonl.exit_status == 0);
  auto batches = parse_jsonl(jsonl.out);

  args.insert(args.begin() + 1, {"-f", "binary"});
  const auto binary = run_process(args);
  REQUIRE(binary.exit_status == 0);
  const auto frames = parse_frames(binary.out);
  REQUIRE(frames.size() == batches.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    pb::BatchMessage a = frames[i], b = batches[i];
    a.mutable_metadata()->clear_collection_duration_ns();
    b.mutable_metadata()->clear_collection_duration_ns();
    CHECK(google::protobuf::util::MessageDifferencer::Equals(a, b));
  }
  return batches;
}

// Records of a batch by local port, closed ones apart.
struct by_port {
  std::map<std::uint32_t, pb::TcpSocketRecord> open, closed;
  explicit by_port(const pb::BatchMessage& batch) {
    for (const auto& r : batch.records()) (r.closed() ? closed : open)[r.local_port()] = r;
  }
};

// macOS: A sends steadily; B closes after pass 1; C's socket is reused by
// another connection in pass 2; D is new in pass 2; E only ages; A's
// tx_bytes goes backwards in pass 3 (a reset).
std::vector<std::string> write_macos_sequence(const std::string& dir) {
  std::vector<std::string> files;
  for (int pass = 1; pass <= 3; ++pass) {
    xnu_blob blob(newest_xnu);
    blob.header(4, 1000 + pass, 5000 + pass);
    const std::uint32_t tcp_now = 900'000'000 + 1000 * pass;
    const auto connection = [&](std::uint16_t lport, std::uint64_t so, std::uint64_t gencnt) {
      xnu_connection c;
      c.xi_inpp = so + 0x10;
      c.laddr = v4_in_kernel_form(10, 1, 0, 1);
      c.faddr = v4_in_kernel_form(10, 1, 0, 2);
      c.lport = lport;
      c.fport = 443;
      c.xso_so = so;
      c.inp_gencnt = gencnt;
      c.t_starttime = 900'000'000 - 4000;  // pass 1 sees it 5 s old
      c.t_rcvtime = tcp_now - 10;
      return c;
    };
    auto a = connection(1001, 0xa000, 11);
    a.traffic[0] = {10u * pass, 1000u * pass, 20u * pass, pass == 3 ? 100u : 4000u * pass};
    write_connection(blob, a);
    if (pass == 1) {
      auto b = connection(1002, 0xb000, 12);
      b.traffic[0] = {5, 500, 6, 600};
      write_connection(blob, b);
    }
    auto c = connection(pass == 1 ? 1003 : 1013, 0xc000, 13);  // same socket and generation, new port
    c.traffic[0] = {1, 100, 1, 100u * pass};
    write_connection(blob, c);
    if (pass >= 2) {
      auto d = connection(1004, 0xd000, 14);
      d.traffic[0] = {1, 10u * pass, 1, 10u * pass};
      write_connection(blob, d);
    }
    auto e = connection(1005, 0xe000, 15);
    e.traffic[0] = {7, 700, 8, 800};
    write_connection(blob, e);
    blob.trailer(4, 1000 + pass, 5000 + pass);
    const std::string file = dir + "/seq-" + std::to_string(pass) + ".pcblist_n";
    write_bytes(file, blob.finish());
    write_meta(file, "macos", pass, ", \"os_release\": \"24.4.0\", \"tcp_now_ms\": " + std::to_string(tcp_now));
    files.push_back(file);
  }
  return files;
}

// A sock_diag reply with an established IPv4 socket: cookie, port and a
// tcp_info with the given counters.
struct linux_socket {
  std::uint64_t cookie;
  std::uint16_t port;
  std::uint64_t bytes_acked, bytes_received, bytes_retrans;
  std::uint32_t total_retrans, segs_out, segs_in, lost;
};

std::vector<std::byte> linux_dump(const std::vector<linux_socket>& sockets) {
  netlink_builder nl;
  for (const auto& s : sockets) {
    std::vector<std::byte> info(248);
    const auto put = [&info](std::size_t at, auto value) { std::memcpy(info.data() + at, &value, sizeof value); };
    put(32, s.lost);
    put(100, s.total_retrans);
    put(120, s.bytes_acked);
    put(128, s.bytes_received);
    put(136, s.segs_out);
    put(140, s.segs_in);
    put(208, s.bytes_retrans);
    diag_payload msg(2, 1);  // AF_INET, TCP_ESTABLISHED
    msg.ports(s.port, 443).src({127, 0, 0, 1}).dst({127, 0, 0, 2});
    msg.u32_at(44, static_cast<std::uint32_t>(s.cookie)).u32_at(48, static_cast<std::uint32_t>(s.cookie >> 32));
    msg.attribute(2, info);  // INET_DIAG_INFO
    nl.message(20, 0x2, msg.bytes());
  }
  return nl.done().bytes();
}

}  // namespace

TEST_CASE("macOS sequence: deltas, rates, kernel ages, closes and a reused socket", "[reader][tracking]") {
  temp_dir dir;
  const auto files = write_macos_sequence(dir.path.string());
  const auto batches = replay(files, {"--deltas"});
  REQUIRE(batches.size() == 3);

  const by_port first(batches[0]);
  REQUIRE(first.open.size() == 4);
  CHECK_FALSE(first.open.at(1001).has_delta_tx_bytes());  // first sighting
  CHECK(first.open.at(1001).connection_age_ms() == 5000);  // from the kernel's t_starttime
  CHECK_FALSE(batches[0].summary().has_connections_new());

  const by_port second(batches[1]);
  const auto& a = second.open.at(1001);
  CHECK(a.delta_tx_bytes() == 4000);
  CHECK(a.delta_rx_bytes() == 1000);
  CHECK(a.tx_bytes_per_sec() == 4000.0);  // 1 s apart
  CHECK(a.rx_bytes_per_sec() == 1000.0);
  CHECK(a.connection_age_ms() == 6000);
  CHECK_FALSE(a.has_delta_bytes_acked());  // Linux counters: absent on macOS
  REQUIRE(second.closed.size() == 2);      // B gone; C's socket now another connection
  CHECK(second.closed.at(1002).tx_bytes() == 600);
  CHECK(second.closed.at(1003).tx_bytes() == 100);
  CHECK_FALSE(second.open.at(1013).has_delta_tx_bytes());  // the reuse is new
  CHECK_FALSE(second.open.at(1004).has_delta_tx_bytes());
  CHECK(second.open.at(1005).delta_tx_bytes() == 0);
  CHECK(batches[1].summary().connections_new() == 2);
  CHECK(batches[1].summary().connections_closed() == 2);
  CHECK(batches[1].summary().total_sockets() == 4);  // closed records are not counted
  CHECK(batches[1].summary().elapsed_ns() == 1'000'000'000u);

  const by_port third(batches[2]);
  CHECK_FALSE(third.open.at(1001).has_delta_tx_bytes());  // went backwards: no delta
  CHECK(third.open.at(1001).delta_rx_bytes() == 1000);
  CHECK(third.open.at(1013).delta_tx_bytes() == 100);
  CHECK(third.open.at(1004).delta_tx_bytes() == 10);
  CHECK(third.closed.empty());
}

TEST_CASE("macOS sequence with --changes-only: only what changed, the summary whole", "[reader][tracking]") {
  temp_dir dir;
  const auto files = write_macos_sequence(dir.path.string());
  const auto batches = replay(files, {"--changes-only"});
  REQUIRE(batches.size() == 3);
  CHECK(batches[0].records_size() == 4);  // everything is new
  const by_port second(batches[1]);
  // E only aged (idle time, connection age): left out.
  CHECK(second.open.size() == 3);
  CHECK(second.open.count(1005) == 0);
  CHECK(second.closed.size() == 2);
  CHECK(batches[1].summary().connections_unchanged() == 1);
  CHECK(batches[1].summary().total_sockets() == 4);
  const by_port third(batches[2]);
  CHECK(third.open.size() == 3);  // A, C', D changed; E did not
  CHECK(third.open.count(1005) == 0);
}

TEST_CASE("Linux sequence: sock_diag deltas and rates, closes and wraps", "[reader][tracking]") {
  temp_dir dir;
  const std::vector<std::vector<linux_socket>> passes = {
      {{0x100000001, 2001, 10'000, 5'000, 0, 0, 20, 10, 0}, {0x100000002, 2002, 1, 1, 0, 0, 1, 1, 0}},
      {{0x100000001, 2001, 30'000, 5'500, 2'896, 2, 40, 15, 2}, {0x100000003, 2003, 0, 0, 0, 0, 1, 0, 0}},
      {{0x100000001, 2001, 50, 6'000, 2'896, 2, 42, 16, 0}, {0x100000003, 2003, 0, 0, 0, 0, 1, 0, 0}},
  };
  std::vector<std::string> files;
  for (std::size_t i = 0; i < passes.size(); ++i) {
    const std::string file = dir / ("seq-" + std::to_string(i + 1) + ".netlink");
    write_bytes(file, linux_dump(passes[i]));
    write_meta(file, "linux", static_cast<int>(i + 1) * 2);  // 2 s apart
    files.push_back(file);
  }
  const auto batches = replay(files, {"--deltas"});
  REQUIRE(batches.size() == 3);
  const by_port second(batches[1]);
  const auto& s = second.open.at(2001);
  CHECK(s.socket_id() == 0x100000001u);
  CHECK(s.delta_bytes_acked() == 20'000u);
  CHECK(s.delta_bytes_received() == 500u);
  CHECK(s.delta_bytes_retrans() == 2'896u);
  CHECK(s.delta_total_retrans() == 2u);
  CHECK(s.delta_segs_out() == 20u);
  CHECK(s.delta_segs_in() == 5u);
  CHECK(s.delta_lost() == 2);
  CHECK(s.tx_bytes_per_sec() == 10'000.0);
  CHECK(s.rx_bytes_per_sec() == 250.0);
  CHECK(s.retransmits_per_sec() == 1.0);
  CHECK(s.retransmitted_bytes_per_sec() == 1'448.0);
  CHECK(s.connection_age_ms() == 2000);  // since first seen: Linux has no start time
  CHECK_FALSE(s.has_delta_tx_bytes());
  REQUIRE(second.closed.size() == 1);
  CHECK(second.closed.at(2002).socket_id() == 0x100000002u);
  // Every last value, as the pass that saw it last wrote them.
  auto last = by_port(batches[0]).open.at(2002);
  last.set_closed(true);
  CHECK(second.closed.at(2002).DebugString() == last.DebugString());
  CHECK(batches[1].summary().elapsed_ns() == 2'000'000'000u);

  const by_port third(batches[2]);
  CHECK_FALSE(third.open.at(2001).has_delta_bytes_acked());  // wrapped or reset
  CHECK_FALSE(third.open.at(2001).has_tx_bytes_per_sec());
  CHECK(third.open.at(2001).delta_lost() == -2);
  CHECK(third.open.at(2001).delta_bytes_received() == 500u);
  CHECK(third.open.at(2003).delta_segs_out() == 0u);

  const auto changes = replay(files, {"--changes-only"});
  REQUIRE(changes.size() == 3);
  CHECK(changes[2].records_size() == 1);  // 2003 did not change
  CHECK(changes[2].summary().connections_unchanged() == 1);
}

TEST_CASE("without --deltas no delta field, no closed record", "[reader][tracking]") {
  temp_dir dir;
  const auto files = write_macos_sequence(dir.path.string());
  const auto batches = replay(files, {});
  REQUIRE(batches.size() == 3);
  for (const auto& batch : batches) {
    CHECK_FALSE(batch.summary().has_connections_new());
    for (const auto& r : batch.records()) {
      CHECK_FALSE(r.closed());
      CHECK_FALSE(r.has_delta_tx_bytes());
      CHECK_FALSE(r.has_tx_bytes_per_sec());
    }
  }
  CHECK(batches[1].summary().elapsed_ns() == 1'000'000'000u);  // the summary's time base is always there
}

TEST_CASE("the table shows rates, gone connections and the tracker's counts", "[reader][tracking][table]") {
  temp_dir dir;
  const auto files = write_macos_sequence(dir.path.string());
  std::vector<std::string> args{"/usr/bin/env", "COLUMNS=250", tool, "-f", "table", "--deltas", "--replay"};
  args.insert(args.end(), files.begin(), files.end());
  const auto result = run_process(args);
  INFO(result.err);
  REQUIRE(result.exit_status == 0);
  std::vector<std::string> lines;
  std::istringstream in(result.out);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  REQUIRE(lines.size() == 6 + 8 + 6);  // title, rows and summary per pass: 4, 6 (2 gone), 4 rows
  CHECK(lines[0].find("TX/s") != std::string::npos);
  const std::string& a = lines[7];  // pass 2, first row: A at 4000 B/s out, 1000 B/s in
  CHECK(a.find("ESTAB") == 0);
  CHECK(a.find("10.1.0.1:1001") != std::string::npos);
  CHECK(a.find("32.0kbit/s") != std::string::npos);
  CHECK(a.find("8.00kbit/s") != std::string::npos);
  INFO(result.out);
  CHECK(result.out.find("GONE   10.1.0.1:1002") != std::string::npos);
  CHECK(lines[13] == "4 connections: 4 ESTAB; 2 new, 2 gone");
}

TEST_CASE("FreeBSD sequence: deltas, a counter that falls, closes and a reused socket", "[reader][tracking]") {
  // tests/data/freebsd/README.md describes the three passes.
  const std::string dir = std::string(TCPSTATS_TEST_DATA) + "/freebsd/";
  const std::vector<std::string> files{dir + "seq-1.pcblist", dir + "seq-2.pcblist", dir + "seq-3.pcblist"};
  const auto batches = replay(files, {"--deltas"});
  REQUIRE(batches.size() == 3);

  std::map<std::uint32_t, pb::TcpSocketRecord> by_remote;
  for (const auto& r : batches[1].records()) by_remote[r.remote_port()] = r;
  const auto& b2 = by_remote.at(50001);
  CHECK(b2.delta_rexmit_packets() == 2);
  CHECK(b2.delta_ooo_packets() == 0);
  CHECK(b2.delta_zerowin() == 0);
  CHECK(b2.connection_age_ms() == 1000);  // since first seen: FreeBSD's pcblist has no start time
  CHECK(by_remote.at(443).state() == pb::TCP_STATE_FIN_WAIT_2);
  CHECK(by_remote.at(443).delta_rexmit_packets() == 1);
  CHECK_FALSE(by_remote.at(40000).has_delta_ooo_packets());  // D is new
  CHECK(by_remote.at(6000).delta_rexmit_packets() == 2);
  const auto& s2 = batches[1].summary();
  CHECK(s2.connections_new() == 1);
  CHECK(s2.connections_closed() == 0);
  CHECK(s2.delta_snd_total_packets() == 18000u);
  CHECK(s2.snd_total_packets_per_sec() == 18000.0);
  CHECK(s2.delta_snd_rexmit_packets() == 50u);

  std::map<std::uint32_t, pb::TcpSocketRecord> open3, closed3;
  for (const auto& r : batches[2].records()) (r.closed() ? closed3 : open3)[r.remote_port()] = r;
  CHECK(open3.at(50001).delta_rexmit_packets() == 4);
  CHECK(open3.at(50001).delta_ooo_packets() == 1);
  CHECK(open3.at(50001).delta_zerowin() == 1);
  CHECK_FALSE(open3.at(40000).has_delta_ooo_packets());  // 7 -> 4: fell, no delta
  CHECK(open3.at(40000).delta_rexmit_packets() == 2);
  REQUIRE(closed3.size() == 2);
  CHECK(closed3.at(443).state() == pb::TCP_STATE_FIN_WAIT_2);  // C's last values
  CHECK(closed3.at(443).rexmit_packets() == 1);
  CHECK(closed3.at(6000).local_port() == 5000);  // E's old connection, its socket reused
  CHECK(closed3.at(6000).rexmit_packets() == 12);
  CHECK_FALSE(open3.at(7000).has_delta_rexmit_packets());  // the reuse is new
  CHECK(batches[2].summary().connections_new() == 1);
  CHECK(batches[2].summary().connections_closed() == 2);

  const auto changes = replay(files, {"--changes-only"});
  REQUIRE(changes.size() == 3);
  CHECK(changes[1].records_size() == 4);  // the listener did not change
  CHECK(changes[1].summary().connections_unchanged() == 1);
}
