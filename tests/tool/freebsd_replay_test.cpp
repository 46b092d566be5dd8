// tcpstats-reader --replay on the committed FreeBSD dumps (see
// tests/data/freebsd/README.md): exact values through the whole tool,
// the side files (kern.file join, process names, net.inet.tcp.stats deltas,
// net.inet.tcp.states), /dev/tcpstats dumps, --capture round trips, and
// malformed input of every kind rejected with its offset and no output.
#include <catch2/catch.hpp>

#include <google/protobuf/util/json_util.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "batches.hpp"
#include "subprocess.hpp"
#include "tcp_stats.pb.h"

namespace pb = tcpstats_reader;
namespace fs = std::filesystem;
using tcpstats::test::read_file;
using tcpstats::test::run_process;
using tcpstats::test::temp_dir;
using tcpstats::test::write_file;

namespace {

const std::string tool = TCPSTATS_READER;
const std::string data = std::string(TCPSTATS_TEST_DATA) + "/freebsd/";
constexpr std::uint64_t so_listener = 0xfffff80001a00000, so_established = 0xfffff80001b00000;

std::vector<pb::BatchMessage> replay(std::vector<std::string> args) {
  args.insert(args.begin(), tool);
  const auto result = run_process(args);
  INFO(result.err);
  REQUIRE(result.exit_status == 0);
  CHECK(result.err.empty());
  std::vector<pb::BatchMessage> out;
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) {
    pb::BatchMessage batch;
    REQUIRE(google::protobuf::util::JsonStringToMessage(line, &batch).ok());
    out.push_back(batch);
  }
  return out;
}

pb::BatchMessage replay_one(const std::string& file, std::vector<std::string> extra = {}) {
  extra.insert(extra.begin(), {"--replay", file});
  const auto batches = replay(extra);
  REQUIRE(batches.size() == 1);
  return batches[0];
}

// Copies a sample dump and the named side files into `dir`.
std::string copy_sample(const temp_dir& dir, const std::string& name, std::vector<std::string> suffixes) {
  const fs::path to = dir.path / name;
  fs::copy_file(data + name, to);
  for (const auto& suffix : suffixes) fs::copy_file(data + name + suffix, to.string() + suffix);
  return to.string();
}


std::string ip4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return std::string{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c), static_cast<char>(d)};
}

std::vector<int> sources(const pb::TcpSocketRecord& r) { return {r.sources().begin(), r.sources().end()}; }

}  // namespace

TEST_CASE("FreeBSD 14 sample with every side file", "[cli][freebsd]") {
  const auto b = replay_one(data + "sample-14.pcblist");
  const auto& m = b.metadata();
  CHECK(m.platform() == pb::PLATFORM_FREEBSD);
  CHECK(m.hostname() == "fbsd.example");
  CHECK(m.os_release() == "14.1-RELEASE");
  CHECK(m.timestamp_ns() == 1772400000000000002u);
  CHECK(m.pcblist_generation() == 500u);
  CHECK(m.pcblist_generation_changed() == false);
  CHECK(std::vector<int>(m.data_sources().begin(), m.data_sources().end()) ==
        std::vector<int>{pb::DATA_SOURCE_FREEBSD_PCBLIST, pb::DATA_SOURCE_KERN_FILE, pb::DATA_SOURCE_FREEBSD_TCP_STATS,
                         pb::DATA_SOURCE_FREEBSD_TCP_STATES});
  REQUIRE(b.records_size() == 6);  // the record freed during the copy is skipped

  const auto& syn = b.records(0);
  CHECK(syn.state() == pb::TCP_STATE_SYN_RECEIVED);
  CHECK(syn.syncache_entry());
  CHECK(syn.local_addr() == ip4(192, 0, 2, 1));
  CHECK(syn.remote_addr() == ip4(198, 51, 100, 20));
  CHECK(syn.local_port() == 443);
  CHECK(syn.remote_port() == 51000);
  CHECK_FALSE(syn.has_socket_id());
  CHECK_FALSE(syn.has_pid());
  CHECK_FALSE(syn.has_tcp_flags());

  const auto& listener = b.records(1);
  CHECK(listener.state() == pb::TCP_STATE_LISTEN);
  CHECK(listener.socket_id() == so_listener);
  CHECK(listener.pid() == 700);
  CHECK(listener.fd() == 3);
  CHECK(listener.command() == "sshd");
  CHECK(listener.uid() == 0u);
  CHECK(listener.listen_queue_len() == 2u);
  CHECK(listener.listen_queue_incomplete() == 1u);
  CHECK(listener.listen_queue_limit() == 128u);

  const auto& est = b.records(2);
  CHECK(est.state() == pb::TCP_STATE_ESTABLISHED);
  CHECK(est.ip_version() == pb::IP_VERSION_4);
  CHECK(est.local_addr() == ip4(192, 0, 2, 1));
  CHECK(est.remote_addr() == ip4(198, 51, 100, 7));
  CHECK(est.local_port() == 22);
  CHECK(est.remote_port() == 50001);
  CHECK(est.socket_id() == so_established);
  CHECK(est.pid() == 812);  // lowest pid, then lowest fd, of three descriptors
  CHECK(est.fd() == 4);
  CHECK(est.command() == "nginx");
  CHECK(est.uid() == 1001u);
  CHECK(est.inp_gencnt() == 102u);
  CHECK(est.fib() == 1u);
  CHECK(est.tcp_stack() == "rack");
  CHECK(est.cc_algo() == "newreno");
  CHECK(est.snd_cwnd() == 28960u);
  CHECK(est.snd_ssthresh() == 20272u);
  CHECK(est.maxseg() == 1448u);
  CHECK(est.rcv_wnd() == 65160u);
  CHECK(est.snd_wnd() == 64128u);
  CHECK(est.rexmit_packets() == 3u);
  CHECK(est.ooo_packets() == 2u);
  CHECK(est.zerowin_probes() == 1u);
  CHECK(est.idle_time_ms() == 250u);
  CHECK(est.timer_rexmt_ms() == 1200u);
  CHECK(est.timer_keep_ms() == 7199000u);
  CHECK(est.timer_delack_ms() == 40u);
  CHECK_FALSE(est.has_timer_persist_ms());
  CHECK(est.ecn_flags() == 1u);
  CHECK(est.encaps_port() == 4500u);
  CHECK(est.dsack_bytes() == 1448u);
  CHECK(est.dsack_tlp_bytes() == 724u);
  CHECK(est.dsack_packets() == 1u);
  CHECK(est.snd_buf_used() == 2000u);
  CHECK(est.rcv_buf_used() == 100u);
  CHECK(est.inp_flags() == 0x8000u);
  CHECK(sources(est) == std::vector<int>{pb::DATA_SOURCE_FREEBSD_PCBLIST, pb::DATA_SOURCE_KERN_FILE});
  // pcblist has no RTT, RTO, sequence numbers or traffic counters.
  CHECK_FALSE(est.has_rtt_us());
  CHECK_FALSE(est.has_rttvar_us());
  CHECK_FALSE(est.has_rto_us());
  CHECK_FALSE(est.has_snd_nxt());
  CHECK_FALSE(est.has_rcv_nxt());
  CHECK_FALSE(est.has_tx_bytes());

  const auto& ll = b.records(3);
  CHECK(ll.ip_version() == pb::IP_VERSION_6);
  CHECK(ll.local_scope_id() == 2u);
  CHECK(ll.pid() == 1200);
  CHECK(ll.command() == "python3.11");
  CHECK(ll.tcp_stack() == "abcdefghijklmnopqrstuvwxyz012345");
  CHECK(ll.cc_algo() == "cc_sixteen_chars");

  CHECK(b.records(4).dual_stack());
  CHECK_FALSE(b.records(4).has_pid());  // no kern.file entry for it
  CHECK(b.records(5).state() == pb::TCP_STATE_TIME_WAIT);
  CHECK(b.records(5).timer_2msl_ms() == 30000u);

  const auto& s = b.summary();
  CHECK(s.total_sockets() == 6u);
  REQUIRE(s.kernel_state_counts_size() == 11);
  CHECK(s.kernel_state_counts(1).state() == pb::TCP_STATE_LISTEN);
  CHECK(s.kernel_state_counts(1).count() == 2u);
  CHECK(s.kernel_state_counts(4).state() == pb::TCP_STATE_ESTABLISHED);
  CHECK(s.kernel_state_counts(4).count() == 3u);
  CHECK(s.kernel_state_counts(10).count() == 1u);
  CHECK_FALSE(s.has_delta_connects());  // first pass: no deltas
}

TEST_CASE("FreeBSD 12 and 13 samples: older layouts through the tool", "[cli][freebsd]") {
  const auto b12 = replay_one(data + "sample-12.pcblist");
  REQUIRE(b12.records_size() == 6);
  CHECK(b12.metadata().os_release() == "12.4-RELEASE");
  CHECK_FALSE(b12.records(2).has_cc_algo());
  CHECK_FALSE(b12.records(2).has_snd_cwnd());
  CHECK_FALSE(b12.records(2).has_encaps_port());
  CHECK(b12.records(2).tcp_stack() == "rack");
  const auto& tw = b12.records(5);  // TIME_WAIT without a socket part
  CHECK(tw.state() == pb::TCP_STATE_TIME_WAIT);
  CHECK_FALSE(tw.has_socket_id());
  CHECK_FALSE(tw.has_tcp_flags());
  CHECK(tw.inp_gencnt() == 105u);
  CHECK(std::vector<int>(b12.metadata().data_sources().begin(), b12.metadata().data_sources().end()) ==
        std::vector<int>{pb::DATA_SOURCE_FREEBSD_PCBLIST});

  const auto b13 = replay_one(data + "sample-13.pcblist");
  CHECK(b13.records(2).encaps_port() == 4500u);  // at offset 640 on 13
  CHECK(b13.records(2).cc_algo() == "newreno");
  CHECK_FALSE(b13.records(2).has_dsack_bytes());
  // The same dump read as 14 takes the port from 652: the release matters.
  temp_dir dir;
  const auto copy = copy_sample(dir, "sample-13.pcblist", {});
  write_file(copy + ".meta.json", R"({"os_release": "14.0-RELEASE"})");
  CHECK(replay_one(copy).records(2).encaps_port() == 0u);
}

TEST_CASE("a list that changed during the read is flagged", "[cli][freebsd]") {
  temp_dir dir;
  const auto copy = copy_sample(dir, "sample-14.pcblist", {".meta.json"});
  std::string bytes = read_file(copy);
  bytes[bytes.size() - 64 + 16] = '\xf5';  // trailer xig_gen 500 -> 501
  write_file(copy, bytes);
  const auto b = replay_one(copy);
  CHECK(b.metadata().pcblist_generation() == 501u);  // the trailer's
  CHECK(b.metadata().pcblist_generation_changed());
  CHECK(b.records_size() == 6);  // still skipped: newer than the header's 500
}

TEST_CASE("FreeBSD 15 sample: net.inet.tcp.stats in 15's member order", "[cli][freebsd]") {
  const auto batches = replay({"--replay", data + "sample-15.pcblist", "--replay", data + "sample-15.pcblist"});
  REQUIRE(batches.size() == 2);
  CHECK(batches[0].records_size() == 6);
  CHECK_FALSE(batches[0].summary().has_delta_snd_total_packets());
  CHECK(batches[1].summary().delta_snd_total_packets() == 0u);  // the same counters twice
}

// Two passes of a FreeBSD 13.4 host: struct tcpstat without tcps_progdrops
// (904 bytes; tcps_sndtotal is u64 16, tcps_sndpack 17, tcps_sndrexmitpack
// 19, tcps_rcvduppack 34), written by hand from 13.4's netinet/tcp_var.h.
TEST_CASE("FreeBSD 13.x: net.inet.tcp.stats in 13.4's member order", "[cli][freebsd]") {
  temp_dir dir;
  std::vector<std::string> args;
  for (const std::uint64_t pass : {1u, 2u}) {
    std::string stats(904, '\0');
    const auto put = [&stats](std::size_t index, std::uint64_t v) {
      for (std::size_t b = 0; b < 8; ++b) stats[index * 8 + b] = static_cast<char>((v >> (8 * b)) & 0xff);
    };
    put(16, 1000 * pass);   // tcps_sndtotal: +1000
    put(17, 7777 * pass);   // tcps_sndpack: what 14's order would read as sndtotal
    put(19, 10 * pass);     // tcps_sndrexmitpack: +10
    put(34, 4 * pass);      // tcps_rcvduppack: +4
    const std::string path = (dir.path / ("pass-" + std::to_string(pass) + ".pcblist")).string();
    fs::copy_file(data + "sample-13.pcblist", path);
    write_file(path + ".meta.json", R"({"os_release": "13.4-RELEASE"})");
    write_file(path + ".tcp_stats", stats);
    args.insert(args.end(), {"--replay", path});
  }
  const auto batches = replay(args);
  REQUIRE(batches.size() == 2);
  CHECK(batches[1].summary().delta_snd_total_packets() == 1000u);
  CHECK(batches[1].summary().delta_snd_rexmit_packets() == 10u);
  CHECK(batches[1].summary().delta_rcv_dup_packets() == 4u);
}

TEST_CASE("the seq-1..3 sequence: counters advance, connections come and go", "[cli][freebsd]") {
  const auto batches = replay({"--replay", data + "seq-1.pcblist", "--replay", data + "seq-2.pcblist", "--replay",
                               data + "seq-3.pcblist"});
  REQUIRE(batches.size() == 3);
  CHECK(batches[0].records_size() == 4);
  CHECK(batches[1].records_size() == 5);
  CHECK(batches[2].records_size() == 4);
  for (int i = 0; i < 3; ++i) CHECK(batches[i].metadata().pcblist_generation() == 1000u + 10u * i);
  // B's counters: rexmit 3, 5, 9.
  CHECK(batches[0].records(1).rexmit_packets() == 3u);
  CHECK(batches[1].records(1).rexmit_packets() == 5u);
  CHECK(batches[2].records(1).rexmit_packets() == 9u);
  // C closes: FIN_WAIT_2 in pass 2, gone in pass 3.
  CHECK(batches[1].records(2).state() == pb::TCP_STATE_FIN_WAIT_2);
  CHECK(batches[1].records(2).remote_port() == 443u);
  // D is new in pass 2; its t_rcvoopack decreases from 7 to 4.
  CHECK(batches[1].records(3).ooo_packets() == 7u);
  CHECK(batches[2].records(2).ooo_packets() == 4u);
  CHECK(batches[2].records(2).local_port() == 8080u);
  // E: the same socket address with another 4-tuple and generation.
  const auto& e2 = batches[1].records(4);
  const auto& e3 = batches[2].records(3);
  CHECK(e2.socket_id() == e3.socket_id());
  CHECK(e2.local_port() == 5000u);
  CHECK(e3.local_port() == 5001u);
  CHECK(e2.inp_gencnt() == 40u);
  CHECK(e3.inp_gencnt() == 61u);
  // System deltas (64-bit): member i of tcpstat is 1000 × pass × (i + 1).
  const auto& s2 = batches[1].summary();
  CHECK(s2.delta_conn_attempts() == 1000u);
  CHECK(s2.delta_snd_total_packets() == 18000u);
  CHECK(s2.delta_snd_rexmit_packets() == 50u);
  CHECK(s2.delta_rcv_dup_packets() == 30u);
  CHECK(s2.delta_rcv_bytes() == 31000u);
  CHECK(s2.retransmit_rate() == Approx(50.0 / 18000.0));
  CHECK(s2.kernel_state_counts(9).count() == 1u);  // C in FIN_WAIT_2
  CHECK(batches[2].summary().kernel_state_counts(9).count() == 0u);
}

TEST_CASE("/dev/tcpstats dumps: RTT and sequence numbers, by meta or by sniffing", "[cli][freebsd]") {
  const auto b = replay_one(data + "sample.dev_tcpstats");
  CHECK(std::vector<int>(b.metadata().data_sources().begin(), b.metadata().data_sources().end()) ==
        std::vector<int>{pb::DATA_SOURCE_FREEBSD_KLD, pb::DATA_SOURCE_KERN_FILE});
  CHECK_FALSE(b.metadata().has_pcblist_generation());
  REQUIRE(b.records_size() == 4);
  CHECK_FALSE(b.records(0).has_snd_cwnd());  // a listener: identity only
  CHECK(b.records(0).pid() == 700);
  const auto& est = b.records(1);
  CHECK(est.rtt_us() == 12500u);
  CHECK(est.rttvar_us() == 3100u);
  CHECK(est.rto_us() == 230000u);
  CHECK(est.snd_nxt() == 1000500u);
  CHECK(est.snd_una() == 1000000u);
  CHECK(est.rcv_adv() == 2065160u);
  CHECK(est.sack_blocks() == 2u);
  CHECK(est.ecn_ce_delivered() == 5u);
  CHECK(est.ecn_ce_received() == 6u);
  CHECK(est.negotiated_options() == 7u);
  CHECK(est.tlp_probes_sent() == 4u);
  CHECK(est.tlp_bytes_sent() == 0x1'0000'0005u);
  CHECK(est.pid() == 812);
  CHECK(est.fd() == 4);
  CHECK(sources(est) == std::vector<int>{pb::DATA_SOURCE_FREEBSD_KLD, pb::DATA_SOURCE_KERN_FILE});
  CHECK(b.records(2).syncache_entry());
  CHECK_FALSE(b.records(3).has_rtt_us());

  // Without its meta file the dump is recognised by its first record.
  temp_dir dir;
  const auto bare = copy_sample(dir, "sample.dev_tcpstats", {});
  const auto sniffed = replay_one(bare);
  CHECK(sniffed.metadata().platform() == pb::PLATFORM_FREEBSD);
  CHECK(sniffed.records_size() == 4);
  CHECK(sniffed.records(1).rtt_us() == 12500u);
  CHECK_FALSE(sniffed.records(1).has_pid());  // no kern.file beside it
}

TEST_CASE("process names as `ps -axo pid=,comm=` writes them", "[cli][freebsd]") {
  temp_dir dir;
  const auto copy = copy_sample(dir, "sample-14.pcblist", {".meta.json", ".kern_file"});
  write_file(copy + ".commands", "  700 sshd\n  812 nginx: master\n\n 1200 python3.11\n");
  const auto b = replay_one(copy);
  CHECK(b.records(1).command() == "sshd");
  CHECK(b.records(2).command() == "nginx: master");
  CHECK(b.records(3).command() == "python3.11");
  // Without the commands file, pid and fd still come from kern.file.
  fs::remove(copy + ".commands");
  const auto bare = replay_one(copy);
  CHECK(bare.records(2).pid() == 812);
  CHECK_FALSE(bare.records(2).has_command());
}

TEST_CASE("--capture writes the FreeBSD side files back", "[cli][freebsd]") {
  temp_dir dir;
  const auto original = replay_one(data + "sample-14.pcblist");
  (void)replay_one(data + "sample-14.pcblist", {"--capture", dir.path.string()});
  const std::string captured = (dir.path / "000001.pcblist").string();
  for (const char* suffix : {"", ".kern_file", ".tcp_stats", ".tcp_states", ".commands"}) {
    INFO(suffix);
    CHECK(read_file(captured + suffix) == read_file(data + "sample-14.pcblist" + suffix));
  }
  CHECK(read_file(captured + ".meta.json").find("\"table\": \"pcblist\"") != std::string::npos);
  const auto again = replay_one(captured);
  REQUIRE(again.records_size() == original.records_size());
  for (int i = 0; i < again.records_size(); ++i) CHECK(again.records(i).SerializeAsString() == original.records(i).SerializeAsString());

  temp_dir kld;
  (void)replay_one(data + "sample.dev_tcpstats", {"--capture", kld.path.string()});
  CHECK(read_file((kld.path / "000001.dev_tcpstats").string()) == read_file(data + "sample.dev_tcpstats"));
}

TEST_CASE("malformed FreeBSD input: exit 1, the offset, no output", "[cli][freebsd][malformed]") {
  temp_dir dir;
  struct bad_case {
    std::string name;
    std::string suffix;    // the side file to corrupt ("" = the dump)
    std::string content;   // its new content
    std::string message;   // expected in stderr
  };
  const std::string dump = read_file(data + "sample-14.pcblist");
  const std::string files = read_file(data + "sample-14.pcblist.kern_file");
  std::string bad_files = files;
  bad_files[128 * 2] = '\x10';
  std::string zero_len = dump;
  for (std::size_t i = 0; i < 8; ++i) zero_len[64 + 744 + i] = '\0';
  const std::vector<bad_case> cases{
      {"truncated dump", "", dump.substr(0, dump.size() - 1), "byte 5272: record runs past the end of the buffer"},
      {"zero length", "", zero_len, "byte 808: record declares length 0"},
      {"kern.file entry size", ".kern_file", bad_files, "kern.file: byte 256: record length is not its struct's size"},
      {"tcp_states size", ".tcp_states", std::string(80, '\0'), "net.inet.tcp.states: 80 bytes"},
      {"tcp_stats size", ".tcp_stats", std::string(16, '\0'), "net.inet.tcp.stats: 16 bytes"},
      {"commands line", ".commands", "700 sshd\nnginx\n", "commands line 2"},
      {"os_release", ".meta.json", R"({"os_release": "11.4-RELEASE"})", "not a FreeBSD release"},
      {"meta table", ".meta.json", R"({"table": "pcblist_n"})", "\"pcblist\" or \"dev_tcpstats\""},
      {"dev_tcpstats version", "", std::string("\x02\0\0\0\x40\x01\0\0", 8) + std::string(312, '\0'),
       "byte 0: record format version is not a known one"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto path = (dir.path / (c.name + ".pcblist")).string();
    fs::remove(path);
    for (const char* s : {".meta.json", ".kern_file", ".tcp_stats", ".tcp_states", ".commands"}) fs::remove(path + s);
    write_file(path, dump);
    for (const char* s : {".meta.json", ".kern_file", ".tcp_stats", ".tcp_states", ".commands"}) {
      write_file(path + s, read_file(data + "sample-14.pcblist" + s));
    }
    write_file(path + c.suffix, c.content);
    // A /dev/tcpstats dump of another version is not sniffed as one: its meta says so.
    if (c.name == "dev_tcpstats version") write_file(path + ".meta.json", R"({"table": "dev_tcpstats"})");
    const auto result = run_process({tool, "--source", "freebsd", "--replay", path});
    CHECK(result.exit_status == 1);
    CHECK(result.out.empty());
    INFO(result.err);
    CHECK(result.err.find(c.message) != std::string::npos);
  }
}
