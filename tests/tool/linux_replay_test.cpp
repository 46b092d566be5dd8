// Replaying committed Linux sock_diag dumps: one captured by
// `tcpstats-reader --capture`, one by `ss -t -i -a -D`, both taken here
// with `ss -tinHeOa` printed at the same moment (ss-capture.ss.txt) as the
// expected values; malformed netlink input of every kind; and a captured
// run with socket destroy events (events/), replayed to its closed records.
#include <catch2/catch.hpp>

#include <google/protobuf/util/json_util.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <unistd.h>

#include "ss_output.hpp"
#include "subprocess.hpp"
#include "tcp_stats.pb.h"

namespace pb = tcpstats_reader;
namespace fs = std::filesystem;
using tcpstats::test::run_process;

namespace {

const std::string tool = TCPSTATS_READER;
const std::string data = std::string(TCPSTATS_TEST_DATA) + "/linux/";

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

pb::BatchMessage replay(const std::string& file, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{tool, "--replay", file};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto result = run_process(args);
  INFO(result.err);
  REQUIRE(result.exit_status == 0);
  pb::BatchMessage batch;
  REQUIRE(google::protobuf::util::JsonStringToMessage(result.out, &batch).ok());
  return batch;
}

std::string endpoint(const std::string& bytes, std::uint32_t port) {
  char text[64] = {};
  if (bytes.size() == 4) {
    std::snprintf(text, sizeof text, "%u.%u.%u.%u:%u", std::uint8_t(bytes[0]), std::uint8_t(bytes[1]),
                  std::uint8_t(bytes[2]), std::uint8_t(bytes[3]), port);
    return text;
  }
  // The dumps hold only ::1 and :: in IPv6.
  const bool loopback = bytes[15] == 1;
  return std::string(loopback ? "[::1]" : "[::]") + ":" + std::to_string(port);
}

void check_against_ss(const pb::BatchMessage& batch) {
  const auto ss = tcpstats::test::parse_ss(read_all(data + "ss-capture.ss.txt"));
  REQUIRE(batch.records_size() == 12);
  for (const auto& r : batch.records()) {
    const bool listener = r.state() == pb::TCP_STATE_LISTEN;
    const std::string local = endpoint(r.local_addr(), r.local_port());
    const std::string peer =
        listener ? (r.local_addr().size() == 4 ? "0.0.0.0:*" : "[::]:*") : endpoint(r.remote_addr(), r.remote_port());
    INFO(local << " " << peer);
    const auto it = ss.find(local + " " + peer);
    REQUIRE(it != ss.end());
    const auto& s = it->second;
    const auto u = [&s](const char* key) { return std::strtoull(s.get(key).c_str(), nullptr, 10); };
    CHECK(r.socket_id() == std::strtoull(s.get("sk").c_str(), nullptr, 16));
    CHECK(r.inode() == u("ino"));
    CHECK(r.snd_cwnd_segments() == u("cwnd"));
    CHECK(r.cc_algo() == "bbr");
    if (listener) {
      CHECK(r.listen_queue_limit() == std::strtoull(s.get("sendq").c_str(), nullptr, 10));
      continue;
    }
    CHECK(r.rcv_buf_used() == std::strtoull(s.get("recvq").c_str(), nullptr, 10));
    CHECK(r.snd_mss() == u("mss"));
    CHECK(r.rcv_mss() == u("rcvmss"));
    CHECK(r.advmss() == u("advmss"));
    CHECK(r.pmtu() == u("pmtu"));
    CHECK(r.bytes_acked() == u("bytes_acked"));
    CHECK(r.bytes_received() == u("bytes_received"));
    CHECK(r.bytes_sent() == u("bytes_sent"));
    CHECK(r.segs_out() == u("segs_out"));
    CHECK(r.segs_in() == u("segs_in"));
    CHECK(r.data_segs_out() == u("data_segs_out"));
    CHECK(r.data_segs_in() == u("data_segs_in"));
    CHECK(r.snd_wnd() == u("snd_wnd"));
    CHECK(r.rcv_ssthresh() == u("rcv_ssthresh"));
    CHECK(r.rcv_space() == u("rcv_space"));
    CHECK(r.rto_us() == u("rto") * 1000);
    const std::string wscale = s.get("wscale");  // "snd,rcv"
    CHECK(r.snd_wscale() == std::strtoul(wscale.c_str(), nullptr, 10));
    CHECK(r.rcv_wscale() == std::strtoul(wscale.substr(wscale.find(',') + 1).c_str(), nullptr, 10));
    // ss prints µs as ms with 3 decimals and trims zeros: "0.02/0.011".
    const std::string rtt = s.get("rtt");
    CHECK(r.rtt_us() == static_cast<std::uint32_t>(std::strtod(rtt.c_str(), nullptr) * 1000 + 0.5));
    CHECK(r.rttvar_us() == static_cast<std::uint32_t>(std::strtod(rtt.substr(rtt.find('/') + 1).c_str(), nullptr) * 1000 + 0.5));
  }
}

}  // namespace

TEST_CASE("a dump captured by tcpstats-reader replays to what ss printed", "[linux][replay]") {
  const auto batch = replay(data + "tool-capture.netlink");
  const auto& m = batch.metadata();
  CHECK(m.platform() == pb::PLATFORM_LINUX);
  CHECK(m.hostname() == "vm");
  CHECK(m.os_version() == "6.18.44-fc-v782");
  CHECK(m.timestamp_ns() == 1795832327115516623u);
  REQUIRE(m.data_sources_size() == 2);
  CHECK(m.data_sources(1) == pb::DATA_SOURCE_LINUX_PROC_NET_SNMP);
  check_against_ss(batch);
  // Exact values of one pair, as the test wrote them: 7000 bytes one way, 900 back.
  for (const auto& r : batch.records()) {
    if (r.local_port() == 54704) {
      CHECK(r.state() == pb::TCP_STATE_ESTABLISHED);
      CHECK(r.kernel_state() == 1);
      CHECK(r.bytes_acked() == 7001u);  // + the SYN
      CHECK(r.bytes_received() == 900u);
      CHECK(r.remote_port() == 40100u);
      CHECK(r.ip_version() == pb::IP_VERSION_4);
    }
  }
  CHECK(batch.summary().total_sockets() == 12u);
}

TEST_CASE("a dump written by ss -D replays the same", "[linux][replay]") {
  const auto by_ss = replay(data + "ss-capture.netlink", {"--source", "linux"});
  CHECK(by_ss.metadata().platform() == pb::PLATFORM_LINUX);
  check_against_ss(by_ss);
  // Recognised without --source too.
  CHECK(replay(data + "ss-capture.netlink").records_size() == 12);
}

TEST_CASE("malformed netlink input: one error line with its byte offset", "[linux][replay]") {
  const std::string good = read_all(data + "tool-capture.netlink");
  const fs::path dir = fs::temp_directory_path() / ("tcpstats-netlink-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const auto attempt = [&dir](const std::string& name, const std::string& bytes) {
    const auto path = (dir / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return run_process({tool, "--source", "linux", "--replay", path});
  };
  const auto first_len = [](const std::string& b, std::size_t at) {
    std::uint32_t len;
    std::memcpy(&len, b.data() + at, 4);
    return len;
  };
  const std::uint32_t first = first_len(good, 0);

  const auto cut = attempt("cut", good.substr(0, first + 30));
  CHECK(cut.exit_status == 1);
  CHECK(cut.err.find("byte " + std::to_string(first) + ": record runs past the end of the buffer") != std::string::npos);
  CHECK(cut.out.empty());

  const auto no_done = attempt("no-done", good.substr(0, good.size() - 20));
  CHECK(no_done.exit_status == 1);
  CHECK(no_done.err.find("netlink dump ends without NLMSG_DONE") != std::string::npos);

  std::string bad_attr = good;
  const std::uint16_t two = 2;
  std::memcpy(bad_attr.data() + 16 + 72, &two, 2);  // first attribute of the first socket
  const auto attr = attempt("bad-attr", bad_attr);
  CHECK(attr.exit_status == 1);
  CHECK(attr.err.find("byte 88: netlink attribute length is out of bounds") != std::string::npos);

  // NLMSG_ERROR carrying -EACCES (13) in place of the first reply.
  std::string error_reply(36, '\0');
  const std::uint32_t len = 36;
  const std::uint16_t type = 2;
  const std::int32_t errno_value = -13;
  std::memcpy(error_reply.data(), &len, 4);
  std::memcpy(error_reply.data() + 4, &type, 2);
  std::memcpy(error_reply.data() + 16, &errno_value, 4);
  const auto denied = attempt("denied", error_reply + good);
  CHECK(denied.exit_status == 1);
  CHECK(denied.err.find("byte 0: the kernel reported an error (Permission denied)") != std::string::npos);

  std::string short_msg = good.substr(0, 16 + 10);
  const std::uint32_t short_len = 26;
  std::memcpy(short_msg.data(), &short_len, 4);
  const auto too_short = attempt("short", short_msg + good.substr(good.size() - 20));
  CHECK(too_short.exit_status == 1);
  CHECK(too_short.err.find("byte 16: record is shorter than its kind requires") != std::string::npos);

  std::string zero = good;
  std::memset(zero.data(), 0, 4);
  CHECK(attempt("zero", zero).err.find("byte 0: record declares length 0") != std::string::npos);
  fs::remove_all(dir);
}

namespace {

std::vector<pb::BatchMessage> replay_events(const std::string& dir, std::vector<std::string> options) {
  std::vector<std::string> args{tool};
  args.insert(args.end(), options.begin(), options.end());
  args.emplace_back("--replay");
  for (const char* pass : {"000001", "000002", "000003"}) args.push_back(dir + pass + ".netlink");
  const auto result = run_process(args);
  INFO(result.err);
  REQUIRE(result.exit_status == 0);
  std::vector<pb::BatchMessage> batches;
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) {
    REQUIRE(google::protobuf::util::JsonStringToMessage(line, &batches.emplace_back()).ok());
  }
  return batches;
}

const pb::TcpSocketRecord* closed_record(const pb::BatchMessage& batch, std::uint32_t local, std::uint32_t remote) {
  for (const auto& r : batch.records()) {
    if (r.closed() && r.local_port() == local && r.remote_port() == remote) return &r;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("a capture with destroy events replays to every close's final values", "[linux][replay][events]") {
  const auto batches = replay_events(data + "events/", {"--changes-only"});
  REQUIRE(batches.size() == 3);
  CHECK(batches[0].records_size() == 3);  // the listener and L
  CHECK(batches[0].summary().connections_closed_by_events() == 0u);

  // Three connections no pass saw: each socket's final counts (a side's
  // bytes plus its FIN; the client's SYN too).
  const auto& second = batches[1];
  CHECK(second.records_size() == 6);
  std::uint32_t client_ports[3] = {55760, 55766, 55780};
  std::uint64_t up[3] = {1000, 2000, 3000}, down[3] = {500, 700, 900};
  for (int i = 0; i < 3; ++i) {
    const auto* client = closed_record(second, client_ports[i], 8080);
    const auto* server = closed_record(second, 8080, client_ports[i]);
    REQUIRE(client != nullptr);
    REQUIRE(server != nullptr);
    CHECK(client->state() == pb::TCP_STATE_CLOSED);
    CHECK(client->bytes_acked() == up[i] + 2);
    CHECK(client->bytes_received() == down[i] + 1);
    CHECK(server->bytes_acked() == down[i] + 1);
    CHECK(server->bytes_received() == up[i] + 1);
    CHECK_FALSE(client->has_uid());
    CHECK_FALSE(client->has_delta_bytes_acked());
  }
  // Their clients' TIME_WAIT entries are in the table, not new connections.
  CHECK(second.summary().total_sockets() == 6u);
  CHECK(second.summary().connections_new() == 0u);
  CHECK(second.summary().connections_closed() == 6u);
  CHECK(second.summary().connections_closed_by_events() == 6u);
  CHECK(second.summary().connections_closed_by_polling() == 0u);
  CHECK(second.summary().events_dropped() == 0u);

  // L, which every pass saw: matched by its cookie, with its deltas.
  const auto& third = batches[2];
  const auto* client = closed_record(third, 55754, 8080);
  const auto* server = closed_record(third, 8080, 55754);
  REQUIRE(client != nullptr);
  REQUIRE(server != nullptr);
  CHECK(client->socket_id() == batches[0].records(2).socket_id());
  CHECK(client->bytes_acked() == 5002u);
  CHECK(client->delta_bytes_acked() == 1001u);  // the 1,000 bytes and the FIN
  CHECK(server->bytes_received() == 5001u);
  CHECK(server->delta_bytes_received() == 1001u);
  CHECK(client->connection_age_ms() >= 1900u);  // first seen two passes before
  CHECK(third.summary().connections_closed_by_events() == 2u);
  CHECK(third.records_size() == 2);
}

TEST_CASE("destroy events need --deltas; with --deltas the TIME_WAIT entries are written", "[linux][replay][events]") {
  for (const auto& batch : replay_events(data + "events/", {})) {
    CHECK_FALSE(batch.summary().has_connections_closed_by_events());
    for (const auto& r : batch.records()) CHECK_FALSE(r.closed());
  }
  const auto batches = replay_events(data + "events/", {"--deltas"});
  REQUIRE(batches.size() == 3);
  int time_waits = 0;
  for (const auto& r : batches[1].records()) time_waits += r.state() == pb::TCP_STATE_TIME_WAIT ? 1 : 0;
  CHECK(time_waits == 3);
  CHECK(batches[1].summary().connections_new() == 0u);
}

TEST_CASE("a malformed events file is an error naming it, with the byte offset", "[linux][replay][events]") {
  const fs::path dir = fs::temp_directory_path() / ("tcpstats-events-" + std::to_string(getpid()));
  fs::create_directories(dir);
  for (const auto& entry : fs::directory_iterator(data + "events/")) fs::copy(entry.path(), dir / entry.path().filename());
  fs::resize_file(dir / "000002.netlink.events", 380 + 100);  // inside the second message
  const auto result = run_process({tool, "--changes-only", "--replay", (dir / "000001.netlink").string(),
                                   (dir / "000002.netlink").string()});
  fs::remove_all(dir);
  CHECK(result.exit_status == 1);
  CHECK(result.err == "tcpstats-reader: " + (dir / "000002.netlink").string() +
                          ".events: byte 380: record runs past the end of the buffer\n");
}
