// Socket destroy events on the live kernel: thousands of short loopback
// connections opened and closed between two passes, each socket's closed
// record found with its final byte counts; a receive buffer too small for a
// burst the tool cannot read (it is stopped), so messages are lost, counted,
// the lost closes completed from polling, and events still arrive after;
// another network namespace (--netns); a capture of it all that --replay
// turns into the same batches; and --listen's byte counters, which count
// connections no pass saw.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "batches.hpp"
#include "sockets.hpp"
#include "subprocess.hpp"
#include "tcp_stats.pb.h"

namespace pb = tcpstats_reader;
using tcpstats::test::fd_guard;
using tcpstats::test::receive_exactly;
using tcpstats::test::run_process;
using tcpstats::test::send_all;

namespace {

const std::string tool = TCPSTATS_READER;

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

std::uint16_t port_of(int fd) {
  sockaddr_in a{};
  socklen_t length = sizeof a;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length) == 0);
  return ntohs(a.sin_port);
}

// Close-on-exec everywhere: the tool must not hold the test's sockets.
fd_guard listen_loopback(std::uint16_t& port) {
  fd_guard s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(s.fd >= 0);
  const sockaddr_in a = loopback(0);
  REQUIRE(bind(s.fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(listen(s.fd, 1024) == 0);
  port = port_of(s.fd);
  return s;
}

// One short connection, closed in a fixed order so each socket's final
// counters are known: the client sends `up` bytes, the server answers
// `down`, the client closes first (its socket becomes a TIME_WAIT entry),
// the server reads the end and closes (LAST_ACK, then freed).
struct short_connection {
  std::uint16_t client_port = 0;
  std::size_t up = 0, down = 0;
};

short_connection connect_and_close(int listener, std::uint16_t port, std::size_t up, std::size_t down) {
  short_connection c{0, up, down};
  fd_guard client(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(client.fd >= 0);
  const sockaddr_in a = loopback(port);
  REQUIRE(connect(client.fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
  fd_guard server(accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
  REQUIRE(server.fd >= 0);
  c.client_port = port_of(client.fd);
  send_all(client.fd, up);
  receive_exactly(server.fd, up);
  send_all(server.fd, down);
  receive_exactly(client.fd, down);
  close(client.fd);
  client.fd = -1;
  char byte;
  REQUIRE(recv(server.fd, &byte, 1, 0) == 0);  // the client's FIN
  return c;
}

// The tool as a child process whose JSON Lines are read one batch at a time.
class tool_run {
 public:
  explicit tool_run(std::vector<std::string> arguments) {
    int out[2], err[2];
    REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    REQUIRE(pipe2(err, O_CLOEXEC) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      dup2(err[1], STDERR_FILENO);
      arguments.insert(arguments.begin(), tool);
      std::vector<char*> argv;
      for (auto& a : arguments) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    close(err[1]);
    out_ = out[0];
    err_ = err[0];
  }
  ~tool_run() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(out_);
    close(err_);
  }

  // Standard error up to the end of the first line holding `text` (20 s at most).
  std::string stderr_line_with(const std::string& text) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
      if (const auto at = errors_.find(text); at != std::string::npos) {
        const auto end = errors_.find('\n', at);
        if (end != std::string::npos) return errors_.substr(0, end);
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      REQUIRE(left.count() > 0);
      pollfd p{err_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[4096];
      const ssize_t n = read(err_, chunk, sizeof chunk);
      REQUIRE(n > 0);
      errors_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  tool_run(const tool_run&) = delete;
  tool_run& operator=(const tool_run&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }

  // The next batch; fails the test after 20 s without one.
  pb::BatchMessage next_batch() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
      if (const auto end = buffer_.find('\n'); end != std::string::npos) {
        pb::BatchMessage batch;
        const std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 1);
        REQUIRE(google::protobuf::util::JsonStringToMessage(line, &batch).ok());
        return batch;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      REQUIRE(left.count() > 0);
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[1 << 16];
      const ssize_t n = read(out_, chunk, sizeof chunk);
      REQUIRE(n > 0);
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  // Asks it to stop after the current pass; its exit status.
  int finish() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1, err_ = -1;
  std::string buffer_, errors_;
};

// Waits (at most 5 s) until every thread of `pid` is stopped: SIGSTOP
// takes effect when each is next scheduled.
void wait_stopped(pid_t pid) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    bool all = true;
    for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
      const std::string stat = tcpstats::test::read_file(task.path().string() + "/stat");
      const auto after_name = stat.rfind(") ");
      all = all && after_name != std::string::npos && stat.size() > after_name + 2 && stat[after_name + 2] == 'T';
    }
    if (all) return;
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// Every closed record of the listener's connections, by (local, remote) port.
using closed_records = std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<pb::TcpSocketRecord>>;

struct event_totals {
  std::uint64_t by_events = 0, by_polling = 0, dropped = 0;
  void add(const pb::SystemSummary& s) {
    REQUIRE(s.has_connections_closed_by_events());
    REQUIRE(s.has_connections_closed_by_polling());
    REQUIRE(s.has_events_dropped());
    by_events += s.connections_closed_by_events();
    by_polling += s.connections_closed_by_polling();
    dropped += s.events_dropped();
  }
};

void collect(const pb::BatchMessage& batch, std::uint16_t port, closed_records& closed, std::size_t& time_waits) {
  for (const auto& r : batch.records()) {
    if (r.local_port() != port && r.remote_port() != port) continue;
    if (r.closed()) closed[{r.local_port(), r.remote_port()}].push_back(r);
    if (!r.closed() && r.state() == pb::TCP_STATE_TIME_WAIT) ++time_waits;
  }
}

// Each connection's two sockets have exactly one closed record each, with
// the final counters: bytes_received is what the peer sent plus its FIN;
// bytes_acked what this side sent plus its FIN, and the client's SYN too
// (the server socket is made after its SYN-ACK was acked).
void check_final_counts(const std::vector<short_connection>& connections, std::uint16_t port,
                        const closed_records& closed) {
  std::size_t checked = 0;
  for (const auto& c : connections) {
    const auto client = closed.find({c.client_port, port});
    const auto server = closed.find({port, c.client_port});
    INFO("client port " << c.client_port);
    REQUIRE(client != closed.end());
    REQUIRE(server != closed.end());
    REQUIRE(client->second.size() == 1);
    REQUIRE(server->second.size() == 1);
    const auto& a = client->second[0];
    const auto& b = server->second[0];
    CHECK(a.state() == pb::TCP_STATE_CLOSED);
    CHECK(a.bytes_acked() == c.up + 2);
    CHECK(a.bytes_received() == c.down + 1);
    CHECK(b.bytes_acked() == c.down + 1);
    CHECK(b.bytes_received() == c.up + 1);
    CHECK_FALSE(a.has_uid());  // what a destroy message cannot carry stays absent
    CHECK_FALSE(a.has_inode());
    CHECK(a.socket_id() != b.socket_id());
    ++checked;
  }
  CHECK(checked == connections.size());
}

// Reads batches until every connection's two closed records came, at most `limit` batches.
std::vector<pb::BatchMessage> batches_until_closed(tool_run& run, const std::vector<short_connection>& connections,
                                                   std::uint16_t port, closed_records& closed,
                                                   std::size_t& time_waits, int limit = 6) {
  std::vector<pb::BatchMessage> batches;
  const auto all_found = [&] {
    return std::all_of(connections.begin(), connections.end(), [&](const short_connection& c) {
      return closed.count({c.client_port, port}) != 0 && closed.count({port, c.client_port}) != 0;
    });
  };
  for (int i = 0; i < limit && !all_found(); ++i) {
    batches.push_back(run.next_batch());
    collect(batches.back(), port, closed, time_waits);
  }
  return batches;
}

}  // namespace

TEST_CASE("thousands of connections closed between two passes: each socket's final counts", "[live][events]") {
  std::uint16_t port = 0;
  const fd_guard listener = listen_loopback(port);
  // 2 s: a TIME_WAIT entry waits a pass for its socket's event, which a
  // loaded machine's kernel workqueue may send late.
  tool_run run({"-i", "2s", "--changes-only", "--port", std::to_string(port)});
  const auto first = run.next_batch();
  CHECK(first.summary().connections_closed_by_events() == 0u);

  std::vector<short_connection> connections;
  for (std::size_t i = 0; i < 2000; ++i) {
    connections.push_back(connect_and_close(listener.fd, port, 1 + (i * 7919) % 20000, 3 + (i * 104729) % 3000));
  }
  closed_records closed;
  std::size_t time_waits = 0;
  event_totals totals;
  for (const auto& batch : batches_until_closed(run, connections, port, closed, time_waits)) totals.add(batch.summary());
  check_final_counts(connections, port, closed);
  CHECK(totals.dropped == 0u);
  CHECK(totals.by_events >= 2 * connections.size());
  // The clients' TIME_WAIT entries belong to connections already closed.
  CHECK(time_waits == 0u);
  CHECK(run.finish() == 0);
}

TEST_CASE("a receive buffer too small for a burst: losses counted, completed from polling, events go on",
          "[live][events]") {
  std::uint16_t port = 0;
  const fd_guard listener = listen_loopback(port);
  // A pair the first pass sees, to be closed while the tool cannot read.
  fd_guard client(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const sockaddr_in a = loopback(port);
  REQUIRE(connect(client.fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
  fd_guard server(accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC));
  const std::uint16_t tracked_port = port_of(client.fd);
  send_all(client.fd, 5000);
  receive_exactly(server.fd, 5000);

  // 4K: the kernel's floor, room for about three messages.
  tool_run run({"-i", "1s", "--changes-only", "--events-buffer", "4K", "--port", std::to_string(port)});
  const auto first = run.next_batch();
  bool saw_tracked = false;
  for (const auto& r : first.records()) saw_tracked = saw_tracked || r.local_port() == tracked_port;
  REQUIRE(saw_tracked);

  // Stopped, the tool reads nothing: a burst of 300 connections (600
  // messages) overflows its queue, and the tracked pair's messages, sent
  // last, find it full.
  REQUIRE(kill(run.pid(), SIGSTOP) == 0);
  wait_stopped(run.pid());
  for (std::size_t i = 0; i < 300; ++i) (void)connect_and_close(listener.fd, port, 100, 100);
  const linger abort_now{1, 0};  // RST: both sockets leave the table, no TIME_WAIT entry
  REQUIRE(setsockopt(client.fd, SOL_SOCKET, SO_LINGER, &abort_now, sizeof abort_now) == 0);
  close(client.fd);
  client.fd = -1;
  close(server.fd);
  server.fd = -1;
  REQUIRE(kill(run.pid(), SIGCONT) == 0);

  closed_records closed;
  std::size_t time_waits = 0;
  event_totals totals;
  const std::vector<short_connection> tracked{{tracked_port, 5000, 0}};
  for (const auto& batch : batches_until_closed(run, tracked, port, closed, time_waits, 4)) totals.add(batch.summary());
  CHECK(totals.dropped > 0u);
  CHECK(totals.by_polling >= 2u);
  // Completed from polling: exactly one closed record each, the last values a pass saw.
  const auto& gone_client = closed[{tracked_port, port}];
  const auto& gone_server = closed[{port, tracked_port}];
  REQUIRE(gone_client.size() == 1);
  REQUIRE(gone_server.size() == 1);
  CHECK(gone_client[0].bytes_acked() == 5001u);
  CHECK(gone_server[0].bytes_received() == 5000u);
  CHECK(gone_client[0].state() == pb::TCP_STATE_ESTABLISHED);

  // The reader went on: closes after the loss arrive as events again (a few,
  // spaced, so the small queue is read between them).
  std::vector<short_connection> later;
  for (std::size_t i = 0; i < 5; ++i) {
    later.push_back(connect_and_close(listener.fd, port, 10, 10));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  event_totals after;
  closed_records later_closed;
  std::size_t later_time_waits = 0;
  for (int i = 0; i < 3 && after.by_events == 0; ++i) {
    const auto batch = run.next_batch();
    collect(batch, port, later_closed, later_time_waits);
    after.add(batch.summary());
  }
  CHECK(after.by_events > 0u);
  CHECK(run.finish() == 0);
}

TEST_CASE("--no-events: closes come from polling only, the summary without event counts", "[live][events]") {
  std::uint16_t port = 0;
  const fd_guard listener = listen_loopback(port);
  tool_run run({"-i", "1s", "--changes-only", "--no-events", "--port", std::to_string(port)});
  (void)run.next_batch();
  std::vector<short_connection> connections;
  for (std::size_t i = 0; i < 20; ++i) connections.push_back(connect_and_close(listener.fd, port, 10, 10));
  const auto next = run.next_batch();
  const auto after = run.next_batch();
  for (const auto* batch : {&next, &after}) {
    CHECK_FALSE(batch->summary().has_connections_closed_by_events());
    CHECK_FALSE(batch->summary().has_events_dropped());
    for (const auto& r : batch->records()) CHECK_FALSE((r.closed() && r.state() == pb::TCP_STATE_CLOSED));
  }
  CHECK(run.finish() == 0);
}

namespace {

// A network namespace that exists for the test's lifetime, its loopback up.
struct scoped_netns {
  std::string name = "tcpstats-events-" + std::to_string(getpid());
  scoped_netns() {
    REQUIRE(run_process({"/usr/bin/env", "ip", "netns", "add", name}).exit_status == 0);
    REQUIRE(run_process({"/usr/bin/env", "ip", "-n", name, "link", "set", "lo", "up"}).exit_status == 0);
  }
  ~scoped_netns() { run_process({"/usr/bin/env", "ip", "netns", "del", name}); }
};

// Runs `work` inside the namespace, then comes back.
template <class Work>
void inside(const scoped_netns& ns, Work&& work) {
  const fd_guard home(open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
  const fd_guard there(open(("/var/run/netns/" + ns.name).c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(setns(there.fd, CLONE_NEWNET) == 0);
  work();
  REQUIRE(setns(home.fd, CLONE_NEWNET) == 0);
}

}  // namespace

TEST_CASE("--netns: the events of that namespace, not of ours", "[live][events][netns]") {
  if (geteuid() != 0) {
    WARN("not root: network namespaces cannot be created; this test needs root (CI runs as root)");
    return;
  }
  scoped_netns ns;
  std::uint16_t port = 0;
  std::optional<fd_guard> listener;
  inside(ns, [&] { listener.emplace(listen_loopback(port)); });
  // Ours: a listener on another port with connections the tool must not see.
  std::uint16_t our_port = 0;
  const fd_guard our_listener = listen_loopback(our_port);

  tool_run run({"-i", "1s", "--changes-only", "--netns", ns.name});
  (void)run.next_batch();
  std::vector<short_connection> connections;
  inside(ns, [&] {
    for (std::size_t i = 0; i < 200; ++i) connections.push_back(connect_and_close(listener->fd, port, 64 + i, 32 + i));
  });
  for (std::size_t i = 0; i < 50; ++i) (void)connect_and_close(our_listener.fd, our_port, 10, 10);

  closed_records closed, ours;
  std::size_t time_waits = 0, our_time_waits = 0;
  const auto batches = batches_until_closed(run, connections, port, closed, time_waits);
  check_final_counts(connections, port, closed);
  for (const auto& batch : batches) collect(batch, our_port, ours, our_time_waits);
  CHECK(ours.empty());
  CHECK(our_time_waits == 0u);
  CHECK(run.finish() == 0);
}

TEST_CASE("a capture keeps each pass's events; --replay reproduces the live batches", "[live][events][replay]") {
  tcpstats::test::temp_dir dir;
  std::uint16_t port = 0;
  const fd_guard listener = listen_loopback(port);
  // One connection every pass sees until it closes, to be matched by cookie.
  fd_guard client(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const sockaddr_in a = loopback(port);
  REQUIRE(connect(client.fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
  fd_guard server(accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC));

  const std::string filter = std::to_string(port);
  tool_run run({"-c", "4", "-i", "1s", "--changes-only", "--port", filter, "--capture", dir.path.string()});
  std::vector<pb::BatchMessage> live{run.next_batch()};
  for (std::size_t i = 0; i < 100; ++i) (void)connect_and_close(listener.fd, port, 100 + i, 50);
  send_all(client.fd, 70000);
  receive_exactly(server.fd, 70000);
  live.push_back(run.next_batch());
  close(client.fd);
  client.fd = -1;
  char byte;
  REQUIRE(recv(server.fd, &byte, 1, 0) == 0);
  close(server.fd);
  server.fd = -1;
  live.push_back(run.next_batch());
  live.push_back(run.next_batch());
  int status = 0;
  REQUIRE(waitpid(run.pid(), &status, 0) == run.pid());

  std::vector<std::string> dumps;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path)) {
    const std::string path = entry.path().string();
    if (path.size() > 8 && path.compare(path.size() - 8, 8, ".netlink") == 0) dumps.push_back(path);
  }
  std::sort(dumps.begin(), dumps.end());
  REQUIRE(dumps.size() == 4);
  for (const auto& d : dumps) CHECK(std::filesystem::exists(d + ".events"));
  std::vector<std::string> args{tool, "--changes-only", "--port", filter, "--replay"};
  args.insert(args.end(), dumps.begin(), dumps.end());
  const auto replayed_run = run_process(args);
  INFO(replayed_run.err);
  REQUIRE(replayed_run.exit_status == 0);
  const auto replayed = tcpstats::test::parse_jsonl(replayed_run.out);
  REQUIRE(replayed.size() == live.size());
  std::size_t closed_by_events = 0;
  for (std::size_t i = 0; i < live.size(); ++i) {
    INFO("batch " << i + 1);
    // The records and the summary exactly; elapsed time from the meta
    // files' clocks rather than the monotonic one.
    REQUIRE(replayed[i].records_size() == live[i].records_size());
    for (int r = 0; r < live[i].records_size(); ++r) {
      pb::TcpSocketRecord x = live[i].records(r), y = replayed[i].records(r);
      for (auto* record : {&x, &y}) {
        record->clear_tx_bytes_per_sec();
        record->clear_rx_bytes_per_sec();
        record->clear_retransmits_per_sec();
        record->clear_retransmitted_bytes_per_sec();
        record->clear_connection_age_ms();
      }
      CHECK(google::protobuf::util::MessageDifferencer::Equals(x, y));
    }
    const auto& s = live[i].summary();
    const auto& t = replayed[i].summary();
    CHECK(s.connections_closed_by_events() == t.connections_closed_by_events());
    CHECK(s.connections_closed_by_polling() == t.connections_closed_by_polling());
    CHECK(s.events_dropped() == t.events_dropped());
    CHECK(s.connections_closed() == t.connections_closed());
    CHECK(s.connections_new() == t.connections_new());
    CHECK(s.total_sockets() == t.total_sockets());
    closed_by_events += s.connections_closed_by_events();
  }
  CHECK(closed_by_events >= 202u);  // the 100 connections' sockets, and the pair every pass saw
}

namespace {

// GET /metrics from 127.0.0.1:port (HTTP/1.0: the server closes after it).
std::string scrape(std::uint16_t port) {
  fd_guard s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const sockaddr_in a = loopback(port);
  REQUIRE(connect(s.fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
  const std::string request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  REQUIRE(send(s.fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()));
  std::string reply;
  char chunk[65536];
  for (ssize_t n; (n = recv(s.fd, chunk, sizeof chunk, 0)) > 0;) reply.append(chunk, static_cast<std::size_t>(n));
  return reply;
}

// The value of the sample line starting with `prefix` ("name{labels}"), or -1.
double sample(const std::string& text, const std::string& prefix) {
  for (std::size_t at = 0; (at = text.find(prefix, at)) != std::string::npos; ++at) {
    if (at != 0 && text[at - 1] != '\n') continue;
    return std::strtod(text.c_str() + at + prefix.size(), nullptr);
  }
  return -1;
}

}  // namespace

TEST_CASE("--listen: connections no pass saw count in the byte counters", "[live][events][metrics]") {
  std::uint16_t port = 0;
  const fd_guard listener = listen_loopback(port);
  tool_run run({"-i", "1s", "--listen", "127.0.0.1:0"});
  const std::string serving = run.stderr_line_with("/metrics");
  const auto colon = serving.rfind(':');
  REQUIRE(colon != std::string::npos);
  const auto metrics_port = static_cast<std::uint16_t>(std::strtoul(serving.c_str() + colon + 1, nullptr, 10));
  const auto passes = [&] { return sample(scrape(metrics_port), "tcpstats_passes_total "); };
  const auto wait_for_passes = [&](double at_least) {
    for (int i = 0; i < 100 && passes() < at_least; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    REQUIRE(passes() >= at_least);
  };
  wait_for_passes(1);
  const double before = passes();
  std::uint64_t received = 0, sent = 0;
  for (std::size_t i = 0; i < 100; ++i) {
    const auto c = connect_and_close(listener.fd, port, 1000 + i, 300 + i);
    received += (c.up + 1) + (c.down + 1);  // the server's and the client's bytes_received
    sent += (c.up + 2) + (c.down + 1);      // bytes_acked: with the FINs, and the client's SYN
  }
  wait_for_passes(before + 2);
  const std::string text = scrape(metrics_port);
  const std::string labels = "{port=\"" + std::to_string(port) + "\"} ";
  CHECK(sample(text, "tcpstats_bytes_received_total" + labels) == static_cast<double>(received));
  CHECK(sample(text, "tcpstats_bytes_sent_total" + labels) == static_cast<double>(sent));
  CHECK(run.finish() == 0);
}
