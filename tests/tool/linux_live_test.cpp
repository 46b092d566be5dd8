// tcpstats-reader against the live kernel and against `ss`: real loopback
// sockets in several states (IPv4 and IPv6, data transferred), one pass of
// the tool and one of `ss -tinHeO`, compared socket by socket.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <thread>
#include <vector>

#include "ss_output.hpp"
#include "sockets.hpp"
#include "subprocess.hpp"
#include "tcp_stats.pb.h"

namespace pb = tcpstats_reader;
using tcpstats::test::parse_ss;
using tcpstats::test::fd_guard;
using tcpstats::test::receive_exactly;
using tcpstats::test::run_process;
using tcpstats::test::send_all;

namespace {

const std::string tool = TCPSTATS_READER;

// A listener on the loopback address of `family`, on an ephemeral port.
fd_guard listen_loopback(int family, std::uint16_t& port) {
  fd_guard s(socket(family, SOCK_STREAM, 0));
  REQUIRE(s.fd >= 0);
  sockaddr_storage address{};
  socklen_t length;
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&address);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    length = sizeof(sockaddr_in);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&address);
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    length = sizeof(sockaddr_in6);
  }
  REQUIRE(bind(s.fd, reinterpret_cast<sockaddr*>(&address), length) == 0);
  REQUIRE(listen(s.fd, 64) == 0);
  REQUIRE(getsockname(s.fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  port = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&address)->sin_port
                                 : reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
  return s;
}

fd_guard connect_loopback(int family, std::uint16_t port) {
  fd_guard s(socket(family, SOCK_STREAM, 0));
  REQUIRE(s.fd >= 0);
  sockaddr_storage address{};
  socklen_t length;
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&address);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a->sin_port = htons(port);
    length = sizeof(sockaddr_in);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&address);
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    a->sin6_port = htons(port);
    length = sizeof(sockaddr_in6);
  }
  REQUIRE(connect(s.fd, reinterpret_cast<sockaddr*>(&address), length) == 0);
  return s;
}

std::string endpoint(const std::string& address, std::uint32_t port, bool v6) {
  return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

std::string address_text(const std::string& bytes) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(bytes.size() == 4 ? AF_INET : AF_INET6, bytes.data(), text, sizeof text);
  return text;
}

const char* ss_state(pb::TcpState state) {
  switch (state) {
    case pb::TCP_STATE_ESTABLISHED: return "ESTAB";
    case pb::TCP_STATE_LISTEN: return "LISTEN";
    case pb::TCP_STATE_CLOSE_WAIT: return "CLOSE-WAIT";
    case pb::TCP_STATE_FIN_WAIT_2: return "FIN-WAIT-2";
    case pb::TCP_STATE_TIME_WAIT: return "TIME-WAIT";
    case pb::TCP_STATE_SYN_SENT: return "SYN-SENT";
    case pb::TCP_STATE_SYN_RECEIVED: return "SYN-RECV";
    case pb::TCP_STATE_FIN_WAIT_1: return "FIN-WAIT-1";
    case pb::TCP_STATE_LAST_ACK: return "LAST-ACK";
    case pb::TCP_STATE_CLOSING: return "CLOSING";
    default: return "UNKNOWN";
  }
}

pb::BatchMessage one_pass(const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{tool, "--once", "-f", "binary"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto result = run_process(args);
  INFO(result.err);
  REQUIRE(result.exit_status == 0);
  google::protobuf::io::ArrayInputStream input(result.out.data(), static_cast<int>(result.out.size()));
  pb::BatchMessage batch;
  bool clean_eof = false;
  REQUIRE(google::protobuf::util::ParseDelimitedFromZeroCopyStream(&batch, &input, &clean_eof));
  return batch;
}

std::uint64_t number(const std::string& text) { return std::strtoull(text.c_str(), nullptr, 10); }

}  // namespace

TEST_CASE("live passes on an interval carry host counter deltas from the second on", "[live]") {
  const auto result = run_process({tool, "-c", "3", "-i", "200ms", "-f", "binary"});
  REQUIRE(result.exit_status == 0);
  google::protobuf::io::ArrayInputStream input(result.out.data(), static_cast<int>(result.out.size()));
  std::vector<pb::BatchMessage> batches;
  for (;;) {
    pb::BatchMessage batch;
    bool clean_eof = false;
    if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(&batch, &input, &clean_eof)) break;
    batches.push_back(batch);
  }
  REQUIRE(batches.size() == 3);
  CHECK_FALSE(batches[0].summary().has_delta_snd_total_packets());
  for (std::size_t i = 1; i < 3; ++i) {
    const auto& s = batches[i].summary();
    CHECK(s.has_delta_snd_total_packets());
    CHECK(s.has_delta_conn_attempts());
    CHECK(s.has_delta_rcv_total_packets());
    CHECK_FALSE(s.has_delta_snd_bytes());  // Linux has no such TCP counter: absent, not 0
    CHECK(batches[i].metadata().batch_sequence() == i + 1);
    // Passes sit on a 200 ms grid of the monotonic clock.
    const auto gap = batches[i].metadata().timestamp_ns() - batches[i - 1].metadata().timestamp_ns();
    CHECK(gap > 150'000'000u);
    CHECK(gap < 400'000'000u);
  }
}

TEST_CASE("live records agree with ss on real loopback sockets", "[live]") {
  std::vector<fd_guard> keep;
  std::vector<std::uint16_t> ports;
  for (const int family : {AF_INET, AF_INET6}) {
    std::uint16_t port = 0;
    keep.push_back(listen_loopback(family, port));
    const int listener = keep.back().fd;
    ports.push_back(port);
    // Established pairs with different amounts of data each way.
    for (std::size_t i = 0; i < 3; ++i) {
      keep.push_back(connect_loopback(family, port));
      const int client = keep.back().fd;
      keep.emplace_back(accept(listener, nullptr, nullptr));
      const int server = keep.back().fd;
      send_all(client, 10'000 * (i + 1));
      receive_exactly(server, 10'000 * (i + 1));
      send_all(server, 3'000 * (i + 1));
      receive_exactly(client, 3'000 * (i + 1));
    }
    // CLOSE_WAIT on the server side, FIN_WAIT_2 on the client side.
    fd_guard client = connect_loopback(family, port);
    fd_guard server(accept(listener, nullptr, nullptr));
    shutdown(client.fd, SHUT_WR);
    keep.push_back(std::move(client));
    keep.push_back(std::move(server));
    // TIME_WAIT: the client closes first, then the server.
    fd_guard c2 = connect_loopback(family, port);
    fd_guard s2(accept(listener, nullptr, nullptr));
    close(c2.fd);
    c2.fd = -1;
    char byte;
    REQUIRE(recv(s2.fd, &byte, 1, 0) == 0);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the last ACKs land

  const auto batch = one_pass();
  const auto ss = run_process({"/usr/bin/env", "ss", "-tinHeOa"});
  REQUIRE(ss.exit_status == 0);
  const auto by_endpoints = parse_ss(ss.out);

  CHECK(batch.metadata().platform() == pb::PLATFORM_LINUX);
  const auto& sources = batch.metadata().data_sources();
  CHECK(std::find(sources.begin(), sources.end(), pb::DATA_SOURCE_LINUX_SOCK_DIAG) != sources.end());

  std::size_t compared = 0;
  std::map<pb::TcpState, std::size_t> states;
  for (const auto& r : batch.records()) {
    const bool ours = std::find(ports.begin(), ports.end(), r.local_port()) != ports.end() ||
                      std::find(ports.begin(), ports.end(), r.remote_port()) != ports.end();
    if (!ours) continue;
    const bool v6 = r.ip_version() == pb::IP_VERSION_6;
    const std::string key = endpoint(address_text(r.local_addr()), r.local_port(), v6) + " " +
                            (r.state() == pb::TCP_STATE_LISTEN ? (v6 ? std::string("[::]:*") : std::string("0.0.0.0:*"))
                                                               : endpoint(address_text(r.remote_addr()), r.remote_port(), v6));
    const auto it = by_endpoints.find(key);
    INFO("socket " << key);
    if (r.state() == pb::TCP_STATE_LISTEN) {
      // ss prints a listener's peer as *:* in its own family's spelling.
      bool found = false;
      for (const auto& [k, s] : by_endpoints) {
        if (k.rfind(endpoint(address_text(r.local_addr()), r.local_port(), v6) + " ", 0) == 0) found = true;
      }
      CHECK(found);
      ++states[r.state()];
      continue;
    }
    REQUIRE(it != by_endpoints.end());
    const auto& s = it->second;
    ++states[r.state()];
    CHECK(s.state == ss_state(r.state()));
    if (r.state() == pb::TCP_STATE_TIME_WAIT) {
      ++compared;
      continue;  // no tcp_info for TIME_WAIT sockets
    }
    CHECK(r.socket_id() == std::strtoull(s.get("sk").c_str(), nullptr, 16));
    CHECK(r.inode() == number(s.get("ino")));
    CHECK(r.snd_mss() == number(s.get("mss")));
    CHECK(r.snd_cwnd_segments() == number(s.get("cwnd")));
    CHECK(r.bytes_acked() == number(s.get("bytes_acked")));      // ss omits zeros: number("") == 0
    CHECK(r.bytes_received() == number(s.get("bytes_received")));
    CHECK(r.segs_out() == number(s.get("segs_out")));
    CHECK(r.segs_in() == number(s.get("segs_in")));
    CHECK(r.advmss() == number(s.get("advmss")));
    CHECK(r.pmtu() == number(s.get("pmtu")));
    CHECK(r.cc_algo() == (s.flags.count("bbr") ? "bbr" : s.flags.count("cubic") ? "cubic" : r.cc_algo()));
    // ss prints rtt as ms with 3 decimals: "0.042/0.023".
    const std::string rtt = s.get("rtt");
    if (!rtt.empty()) {
      const double ss_rtt_ms = std::strtod(rtt.c_str(), nullptr);
      CHECK(r.rtt_us() / 1000.0 == Approx(ss_rtt_ms).margin(0.002));
    }
    ++compared;
  }
  // --processes: every socket of ours is this process's, at the fd we hold.
  const auto owned = one_pass({"--processes"});
  std::size_t attributed = 0;
  for (const auto& r : owned.records()) {
    const bool ours = std::find(ports.begin(), ports.end(), r.local_port()) != ports.end() ||
                      std::find(ports.begin(), ports.end(), r.remote_port()) != ports.end();
    if (!ours || r.state() == pb::TCP_STATE_TIME_WAIT) continue;
    INFO("port " << r.local_port() << " -> " << r.remote_port());
    CHECK(r.pid() == getpid());
    CHECK(r.command() == "linux_live_test");
    const std::string link = "/proc/self/fd/" + std::to_string(r.fd());
    char target[64] = {};
    REQUIRE(readlink(link.c_str(), target, sizeof target - 1) > 0);
    CHECK(std::string(target) == "socket:[" + std::to_string(r.inode()) + "]");
    ++attributed;
  }
  CHECK(attributed == 18);  // 2 listeners, 12 established, 2 CLOSE_WAIT, 2 FIN_WAIT_2
  CHECK(std::find(owned.records(0).sources().begin(), owned.records(0).sources().end(), pb::DATA_SOURCE_LINUX_PROC_FD) !=
        owned.records(0).sources().end());

  // --state goes into the kernel's state mask: only what was asked comes back.
  const auto only = one_pass({"--state", "listen,close-wait"});
  REQUIRE(only.records_size() >= 4);
  for (const auto& r : only.records()) {
    CHECK((r.state() == pb::TCP_STATE_LISTEN || r.state() == pb::TCP_STATE_CLOSE_WAIT));
  }

  CHECK(states[pb::TCP_STATE_LISTEN] == 2);
  CHECK(states[pb::TCP_STATE_ESTABLISHED] == 12);
  CHECK(states[pb::TCP_STATE_CLOSE_WAIT] == 2);
  CHECK(states[pb::TCP_STATE_FIN_WAIT_2] == 2);
  CHECK(states[pb::TCP_STATE_TIME_WAIT] == 2);
  CHECK(compared == 18);
}

// Reads the tool's JSON Lines output one batch at a time while the test
// makes traffic between passes.
class live_run {
 public:
  explicit live_run(const std::string& arguments) : pipe_(popen((tool + " " + arguments).c_str(), "r")) {
    REQUIRE(pipe_ != nullptr);
  }
  ~live_run() {
    if (pipe_) pclose(pipe_);
    std::free(line_);
  }
  live_run(const live_run&) = delete;
  live_run& operator=(const live_run&) = delete;

  pb::BatchMessage next_batch() {
    const ssize_t n = getline(&line_, &capacity_, pipe_);
    REQUIRE(n > 0);
    pb::BatchMessage batch;
    const std::string text(line_, static_cast<std::size_t>(n));
    REQUIRE(google::protobuf::util::JsonStringToMessage(text, &batch).ok());
    return batch;
  }
  int finish() {
    const int status = pclose(pipe_);
    pipe_ = nullptr;
    return status;
  }

 private:
  FILE* pipe_;
  char* line_ = nullptr;
  std::size_t capacity_ = 0;
};

const pb::TcpSocketRecord* find_record(const pb::BatchMessage& batch, std::uint32_t local_port,
                                       std::uint32_t remote_port, bool closed) {
  for (const auto& r : batch.records()) {
    if (r.local_port() == local_port && r.remote_port() == remote_port && r.closed() == closed) return &r;
  }
  return nullptr;
}

std::uint16_t local_port_of(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  return ntohs(address.sin_port);
}

TEST_CASE("--deltas on live sockets: the bytes sent between passes, then the closes", "[live]") {
  std::uint16_t port = 0;
  const fd_guard listener = listen_loopback(AF_INET, port);
  fd_guard client = connect_loopback(AF_INET, port);
  fd_guard server(accept(listener.fd, nullptr, nullptr));
  REQUIRE(server.fd >= 0);
  const std::uint16_t client_port = local_port_of(client.fd);
  // The tool must not inherit the sockets, or closing them here would not end them.
  for (const int fd : {listener.fd, client.fd, server.fd}) REQUIRE(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0);

  // Only this test's sockets: on a host with thousands more, parsing a large
  // batch could outlast the interval, and the tool would take the second
  // pass before the traffic below.
  live_run run("-c 3 -i 1s --deltas --state established --port " + std::to_string(port));
  const auto first = run.next_batch();
  const auto* before = find_record(first, client_port, port, false);
  REQUIRE(before != nullptr);
  CHECK_FALSE(before->has_delta_bytes_acked());

  constexpr std::size_t sent = 300'000;
  send_all(client.fd, sent);
  receive_exactly(server.fd, sent);
  send_all(server.fd, 1000);
  receive_exactly(client.fd, 1000);
  const auto second = run.next_batch();
  const auto* sender = find_record(second, client_port, port, false);
  const auto* receiver = find_record(second, port, client_port, false);
  REQUIRE(sender != nullptr);
  REQUIRE(receiver != nullptr);
  CHECK(sender->socket_id() == before->socket_id());
  CHECK(sender->delta_bytes_acked() == sent);
  CHECK(sender->delta_bytes_received() == 1000u);
  CHECK(receiver->delta_bytes_received() == sent);
  CHECK(receiver->delta_bytes_acked() == 1000u);
  CHECK(sender->delta_segs_out() > 0u);
  CHECK(sender->delta_total_retrans() == 0u);
  REQUIRE(second.summary().has_elapsed_ns());
  const double seconds = static_cast<double>(second.summary().elapsed_ns()) / 1e9;
  // About the interval; more when a loaded machine made the tool skip a slot.
  CHECK(seconds > 0.8);
  CHECK(seconds < 10.0);
  CHECK(sender->tx_bytes_per_sec() == Approx(static_cast<double>(sent) / seconds));
  CHECK(sender->connection_age_ms() >= 800u);  // since first seen

  // An abortive close (RST): both sockets vanish without TIME_WAIT.
  const linger abort_now{1, 0};
  REQUIRE(setsockopt(client.fd, SOL_SOCKET, SO_LINGER, &abort_now, sizeof abort_now) == 0);
  close(client.fd);
  client.fd = -1;
  close(server.fd);
  server.fd = -1;
  const auto third = run.next_batch();
  const auto* gone_client = find_record(third, client_port, port, true);
  const auto* gone_server = find_record(third, port, client_port, true);
  REQUIRE(gone_client != nullptr);
  REQUIRE(gone_server != nullptr);
  CHECK(gone_client->bytes_acked() == sender->bytes_acked());  // its last values
  CHECK(gone_server->bytes_received() == receiver->bytes_received());
  CHECK(find_record(third, client_port, port, false) == nullptr);
  CHECK(third.summary().connections_closed() >= 2u);
  CHECK(run.finish() == 0);
}

TEST_CASE("live filters: families skip a dump, ports and states select", "[live]") {
  std::uint16_t port4 = 0, port6 = 0;
  const fd_guard listener4 = listen_loopback(AF_INET, port4);
  const fd_guard listener6 = listen_loopback(AF_INET6, port6);
  const std::string ports = std::to_string(port4) + "," + std::to_string(port6);
  const auto ports_of = [](const pb::BatchMessage& batch) {
    std::multiset<std::uint32_t> out;
    for (const auto& r : batch.records()) out.insert(r.local_port());
    return out;
  };
  CHECK(ports_of(one_pass({"--sport", ports})) == std::multiset<std::uint32_t>{port4, port6});
  CHECK(ports_of(one_pass({"--sport", ports, "-4"})) == std::multiset<std::uint32_t>{port4});
  CHECK(ports_of(one_pass({"--sport", ports, "-6", "-l"})) == std::multiset<std::uint32_t>{port6});
  CHECK(ports_of(one_pass({"--sport", ports, "--established"})).empty());
  CHECK(ports_of(one_pass({"--src", "::1", "--sport", ports})) == std::multiset<std::uint32_t>{port6});
}
