// Loss on purpose: a network namespace of the test's own whose loopback
// goes through a tbf qdisc (netem is not available on this kernel) small
// enough to drop bursts, so a bulk transfer retransmits. The tool reads
// that namespace with --netns; its retransmit counters must agree with ss.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>

#include <cstdlib>
#include <thread>
#include <vector>

#include "ss_output.hpp"
#include "subprocess.hpp"
#include "tcp_stats.pb.h"

namespace pb = tcpstats_reader;
using tcpstats::test::run_process;

namespace {

const std::string tool = TCPSTATS_READER;

void run(const std::vector<std::string>& argv) {
  const auto r = run_process(argv);
  INFO(argv[0] << " " << (argv.size() > 1 ? argv[1] : "") << ": " << r.err);
  REQUIRE(r.exit_status == 0);
}

// A namespace that exists for the test's lifetime.
struct scoped_netns {
  std::string name = "tcpstats-test-" + std::to_string(getpid());
  scoped_netns() { run({"/usr/bin/env", "ip", "netns", "add", name}); }
  ~scoped_netns() { run_process({"/usr/bin/env", "ip", "netns", "del", name}); }
};

}  // namespace

TEST_CASE("retransmits under tbf loss agree with ss, read through --netns", "[live][netns]") {
  if (geteuid() != 0) {
    WARN("not root: network namespaces cannot be created; this test needs root (CI runs as root)");
    return;
  }
  scoped_netns ns;
  const auto in_ns = [&ns](std::vector<std::string> argv) {
    argv.insert(argv.begin(), {"/usr/bin/env", "ip", "netns", "exec", ns.name});
    return argv;
  };
  // An Ethernet-sized MTU: tbf never passes a packet larger than its burst.
  run(in_ns({"ip", "link", "set", "lo", "mtu", "1500", "up"}));
  // 8 Mbit/s with a 20 kB queue: a loopback burst overflows it at once.
  run(in_ns({"tc", "qdisc", "add", "dev", "lo", "root", "tbf", "rate", "8mbit", "burst", "16kb", "limit", "20kb"}));

  // Enter the namespace to make the sockets, then come back.
  const int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  const int there = open(("/var/run/netns/" + ns.name).c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(home >= 0);
  REQUIRE(there >= 0);
  REQUIRE(setns(there, CLONE_NEWNET) == 0);
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&address), length) == 0);
  REQUIRE(listen(listener, 4) == 0);
  REQUIRE(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  const int client = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(connect(client, reinterpret_cast<sockaddr*>(&address), length) == 0);
  const int server = accept(listener, nullptr, nullptr);
  REQUIRE(setns(home, CLONE_NEWNET) == 0);
  // Never hang: a stuck transfer fails the test after 30 s instead.
  const timeval patience{30, 0};
  for (const int fd : {client, server}) {
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &patience, sizeof patience);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
  }
  const std::uint16_t port = ntohs(address.sin_port);

  // 2 MB through the 8 Mbit/s bucket: about two seconds, with drops.
  constexpr std::size_t total = 2 << 20;
  std::size_t received = 0;
  std::thread reader([server, &received] {
    std::vector<char> buffer(65536);
    while (received < total) {
      const ssize_t n = recv(server, buffer.data(), buffer.size(), 0);
      if (n <= 0) break;
      received += static_cast<std::size_t>(n);
    }
  });
  const std::vector<char> data(total, 'y');
  std::size_t sent = 0;
  while (sent < total) {
    const ssize_t n = send(client, data.data() + sent, total - sent, 0);
    REQUIRE(n > 0);
    sent += static_cast<std::size_t>(n);
  }
  reader.join();
  REQUIRE(received == total);

  const auto tool_run = run_process({tool, "--once", "-f", "binary", "--netns", ns.name});
  INFO(tool_run.err);
  REQUIRE(tool_run.exit_status == 0);
  const auto ss_run = run_process(in_ns({"ss", "-tinHeO"}));
  REQUIRE(ss_run.exit_status == 0);

  google::protobuf::io::ArrayInputStream input(tool_run.out.data(), static_cast<int>(tool_run.out.size()));
  pb::BatchMessage batch;
  bool eof = false;
  REQUIRE(google::protobuf::util::ParseDelimitedFromZeroCopyStream(&batch, &input, &eof));
  const auto ss = tcpstats::test::parse_ss(ss_run.out);

  const pb::TcpSocketRecord* sender = nullptr;
  for (const auto& r : batch.records()) {
    if (r.remote_port() == port) sender = &r;
  }
  REQUIRE(sender != nullptr);
  const auto it = ss.find("127.0.0.1:" + std::to_string(sender->local_port()) + " 127.0.0.1:" + std::to_string(port));
  REQUIRE(it != ss.end());
  // ss: "retrans:UNACKED/TOTAL", "bytes_retrans:N".
  const std::string retrans = it->second.get("retrans");
  REQUIRE(!retrans.empty());
  const auto total_retrans = std::strtoull(retrans.substr(retrans.find('/') + 1).c_str(), nullptr, 10);
  CHECK(total_retrans > 0);  // the queue did drop
  CHECK(sender->total_retrans() == total_retrans);
  CHECK(sender->bytes_retrans() == std::strtoull(it->second.get("bytes_retrans").c_str(), nullptr, 10));
  CHECK(sender->bytes_retrans() > 0);
  CHECK(sender->bytes_acked() == total + 1);  // the SYN counts one
  CHECK(sender->lost() == std::strtoull(it->second.get("lost").c_str(), nullptr, 10));

  // The namespace's own counters come along: its /proc/net/snmp.
  const auto& sources = batch.metadata().data_sources();
  CHECK(std::find(sources.begin(), sources.end(), pb::DATA_SOURCE_LINUX_PROC_NET_SNMP) != sources.end());
  close(client);
  close(server);
  close(listener);
  close(home);
  close(there);
}
