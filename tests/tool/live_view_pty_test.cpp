// The live view (`-f table` on a terminal) in a pseudo-terminal of a fixed
// size, over a few hundred live loopback connections of which two carry
// known traffic: the screen (parsed by emulating the escape sequences the
// tool sends) has the titles on its first line, the summary at the bottom,
// no more lines than the window, the busiest connection first; keys change
// the order and the filter; a smaller window is redrawn to fit; and the
// terminal's settings are the same as before after q, Ctrl-C, SIGTERM,
// SIGHUP, Ctrl-Z (while stopped) and a crash signal.
//
// Every wait is for a condition on the screen or the job's state, bounded
// in time; the tool is limited to our connections with --port.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iterator>
#include <sstream>
#include <thread>

#include "pty_job.hpp"

using tcpstats::test::pty_job;
using tcpstats::test::same_settings;

namespace {

const std::string tool = TCPSTATS_READER;

std::uint16_t local_port(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  return ntohs(address.sin_port);
}

// A listener on 127.0.0.1 and `count` connections to it, both ends open.
struct loopback_connections {
  int listener = -1;
  std::uint16_t port = 0;
  std::vector<int> clients, servers;
  std::vector<std::uint16_t> client_ports;

  explicit loopback_connections(std::size_t count) {
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listener >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(listen(listener, 1024) == 0);
    port = local_port(listener);
    address.sin_port = htons(port);
    for (std::size_t i = 0; i < count; ++i) {
      const int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      REQUIRE(client >= 0);
      REQUIRE(connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
      const int server = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      REQUIRE(server >= 0);
      clients.push_back(client);
      servers.push_back(server);
      client_ports.push_back(local_port(client));
    }
  }
  ~loopback_connections() {
    // Reset, not closed: no TIME-WAIT sockets left in the host's table for
    // the tests that come next.
    const linger reset{1, 0};
    for (const int fd : clients) setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    for (const int fd : clients) close(fd);
    for (const int fd : servers) close(fd);
    close(listener);
  }
  loopback_connections(const loopback_connections&) = delete;
  loopback_connections& operator=(const loopback_connections&) = delete;
};

// Sends a steady byte rate from client to server on some connections, in a
// thread, until destroyed (at most two minutes).
class traffic {
 public:
  struct flow {
    int client, server;
    std::size_t bytes_per_second;
  };
  explicit traffic(std::vector<flow> flows) : flows_(std::move(flows)) {
    for (const flow& f : flows_) {
      fcntl(f.client, F_SETFL, fcntl(f.client, F_GETFL) | O_NONBLOCK);
      fcntl(f.server, F_SETFL, fcntl(f.server, F_GETFL) | O_NONBLOCK);
    }
    thread_ = std::thread([this] { run(); });
  }
  ~traffic() {
    stop_ = true;
    thread_.join();
  }
  traffic(const traffic&) = delete;
  traffic& operator=(const traffic&) = delete;

 private:
  void run() {
    const auto end = std::chrono::steady_clock::now() + std::chrono::minutes(2);
    const auto tick = std::chrono::milliseconds(10);
    std::vector<char> bytes(1 << 20, 'x');
    while (!stop_ && std::chrono::steady_clock::now() < end) {
      for (const flow& f : flows_) {
        const std::size_t chunk = std::min(bytes.size(), f.bytes_per_second / 100);
        [[maybe_unused]] const ssize_t sent = send(f.client, bytes.data(), chunk, MSG_NOSIGNAL);
        while (recv(f.server, bytes.data(), bytes.size(), 0) > 0) {
        }
      }
      std::this_thread::sleep_for(tick);
    }
  }

  std::vector<flow> flows_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::vector<std::string> words_of(const std::string& line) {
  std::istringstream in(line);
  return {std::istream_iterator<std::string>(in), std::istream_iterator<std::string>()};
}

// The screen's parts, as the view lays them out: titles, rows, status line
// (the one with " | sort: ", or the filter prompt), summary lines to the
// bottom.
struct layout {
  std::vector<std::string> lines;
  std::size_t status = 0;  // index; 0 = not found
  bool valid = false;

  explicit layout(const tcpstats::test::vt_screen& screen) : lines(screen.lines()) {
    for (std::size_t i = 1; i < lines.size(); ++i) {
      if (lines[i].find(" | sort: ") != std::string::npos || lines[i].rfind("filter> ", 0) == 0) status = i;
    }
    // A whole frame (not one being drawn), laid out as the view does.
    valid = !screen.updating() && !lines.empty() && lines[0].rfind("State", 0) == 0 && status != 0 &&
            status + 1 < lines.size() &&
            std::isdigit(static_cast<unsigned char>(lines[status + 1][0])) != 0 &&
            lines[status + 1].find(" connection") != std::string::npos && !lines.back().empty();
  }
  [[nodiscard]] std::vector<std::string> rows() const {
    std::vector<std::string> out;
    for (std::size_t i = 1; i < status; ++i) {
      if (!lines[i].empty()) out.push_back(lines[i]);
    }
    return out;
  }
  [[nodiscard]] const std::string& status_line() const { return lines[status]; }
  // The first row's local address (second column).
  [[nodiscard]] std::string first_local() const {
    const auto r = rows();
    if (r.empty()) return {};
    const auto words = words_of(r.front());
    return words.size() > 1 ? words[1] : std::string();
  }
};

std::string endpoint(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

std::vector<std::string> view_command(std::uint16_t port) {
  return {tool, "-f", "table", "-i", "200ms", "--port", std::to_string(port)};
}

// The terminal as it was before the job: settings, normal screen, cursor.
void check_restored(const pty_job& job) {
  INFO(job.screen.text());
  CHECK(same_settings(job.settings(), job.initial));
  CHECK_FALSE(job.screen.on_alternate_screen());
  CHECK(job.screen.cursor_visible());
  CHECK(job.screen.autowrap());
  CHECK(job.screen.problems().empty());
}

bool exited_zero(const std::optional<int>& state) {
  return state && WIFEXITED(*state) && WEXITSTATUS(*state) == 0;
}

}  // namespace

TEST_CASE("the live view fits a 100x20 terminal over a few hundred connections", "[reader][table][live]") {
  loopback_connections connections(200);
  const std::uint16_t busy = connections.client_ports[7], medium = connections.client_ports[3];
  traffic flows({{connections.clients[7], connections.servers[7], 2'000'000},
                 {connections.clients[3], connections.servers[3], 100'000}});
  pty_job job(view_command(connections.port), 20, 100);

  // Titles, rows, the hidden count, the summary; once the rates are in
  // (from the second pass) the two ends of the busy connection first, then
  // the two of the medium one.
  const auto has = [](const std::vector<std::string>& rows, std::size_t i, std::uint16_t port) {
    return i < rows.size() && rows[i].find(endpoint(port) + " ") != std::string::npos;
  };
  REQUIRE(job.wait_for([&] {
    const layout screen(job.screen);
    const auto rows = screen.valid ? screen.rows() : std::vector<std::string>{};
    return screen.valid && has(rows, 0, busy) && has(rows, 1, busy) && has(rows, 2, medium) && has(rows, 3, medium) &&
           screen.status_line().find(" of 401 connections not shown") != std::string::npos;
  }));
  {
    const layout screen(job.screen);
    INFO(job.screen.text());
    CHECK(job.screen.on_alternate_screen());
    CHECK(job.screen.lines().size() == 20);
    CHECK(screen.rows().size() + 2 + (screen.lines.size() - screen.status - 1) == 20);
    CHECK(screen.status_line().rfind(std::to_string(401 - screen.rows().size()) + " of 401 connections not shown", 0) ==
          0);
    CHECK(screen.lines[screen.status + 1].rfind("401 connections: 1 LISTEN, 400 ESTAB", 0) == 0);
    CHECK(job.screen.problems().empty());
  }

  // `s` until the sort is by port: the lowest local port first; `r`: the highest.
  const std::uint16_t lowest = std::min(connections.port, *std::min_element(connections.client_ports.begin(),
                                                                            connections.client_ports.end()));
  const std::uint16_t highest = std::max(connections.port, *std::max_element(connections.client_ports.begin(),
                                                                             connections.client_ports.end()));
  for (const char* sort : {"rtt", "retrans", "tx", "rx", "cwnd", "port"}) {
    job.send("s");
    REQUIRE(job.wait_for([&] {
      const layout screen(job.screen);
      return screen.valid && screen.status_line().find(std::string("sort: ") + sort + ",") != std::string::npos;
    }));
  }
  CHECK(layout(job.screen).first_local() == endpoint(lowest));
  job.send("r");
  REQUIRE(job.wait_for([&] {
    const layout screen(job.screen);
    return screen.valid && screen.status_line().find("sort: port, highest first") != std::string::npos;
  }));
  CHECK(layout(job.screen).first_local() == endpoint(highest));

  // The filter prompt, with the command line's words.
  job.send("/");
  REQUIRE(job.wait_for([&] {
    const layout screen(job.screen);
    return screen.valid && screen.status_line().rfind("filter> ", 0) == 0 && job.screen.cursor_visible();
  }));
  job.send("--sport " + std::to_string(busy) + "\r");
  REQUIRE(job.wait_for([&] {
    const layout screen(job.screen);
    return screen.valid && screen.status_line().rfind("1 connection, all shown", 0) == 0 &&
           screen.status_line().find("filter: --sport " + std::to_string(busy) + " (1 of 401 match)") !=
               std::string::npos;
  }));
  CHECK(layout(job.screen).first_local() == endpoint(busy));
  CHECK_FALSE(job.screen.cursor_visible());
  job.send("/\x15\r");  // Ctrl-U: an empty filter
  REQUIRE(job.wait_for([&] {
    const layout screen(job.screen);
    return screen.valid && screen.status_line().find(" of 401 connections not shown") != std::string::npos &&
           screen.status_line().find("filter:") == std::string::npos;
  }));

  // Paused, the view draws only on keys and resizes: a smaller window is
  // then redrawn to fit it, and no frame for the old size can be in flight.
  job.send("p");
  REQUIRE(job.wait_for([&] {
    const layout screen(job.screen);
    return screen.valid && screen.status_line().find("| PAUSED") != std::string::npos;
  }));
  job.resize(12, 60);
  REQUIRE(job.wait_for([&] {
    const layout screen(job.screen);
    return screen.valid && screen.lines.size() == 12 && !screen.rows().empty() &&
           screen.status_line().find(" of 401 connections not shown") != std::string::npos;
  }));
  {
    INFO(job.screen.text());
    const layout screen(job.screen);
    CHECK(screen.rows().size() + 2 + (screen.lines.size() - screen.status - 1) == 12);
    CHECK(job.screen.problems().empty());  // nothing addressed beyond 12x60, nothing wrapped
  }
  // Resumed: passes again, in the new size.
  job.send("p");
  const std::size_t frames = job.screen.frames();
  REQUIRE(job.wait_for([&] {
    const layout screen(job.screen);
    return screen.valid && job.screen.frames() > frames + 1 && screen.status_line().find("PAUSED") == std::string::npos;
  }));
  CHECK(job.screen.problems().empty());

  job.send("q");
  CHECK(exited_zero(job.next_state()));
  check_restored(job);
}

TEST_CASE("the live view gives the terminal back on Ctrl-C, SIGTERM and SIGHUP", "[reader][table][live]") {
  loopback_connections connections(20);
  for (const int signal : {SIGINT, SIGTERM, SIGHUP}) {
    INFO(strsignal(signal));
    pty_job job(view_command(connections.port), 20, 100);
    REQUIRE(job.wait_for([&] { return layout(job.screen).valid; }));
    CHECK_FALSE(same_settings(job.settings(), job.initial));  // no echo, no line editing
    if (signal == SIGINT) {
      job.send("\x03");  // Ctrl-C: the terminal sends the signal
    } else {
      kill(job.job, signal);
    }
    CHECK(exited_zero(job.next_state()));
    check_restored(job);
  }
}

TEST_CASE("Ctrl-Z gives the terminal back while stopped; SIGCONT brings the view back", "[reader][table][live]") {
  loopback_connections connections(20);
  pty_job job(view_command(connections.port), 20, 100);
  REQUIRE(job.wait_for([&] { return layout(job.screen).valid; }));
  job.send("\x1a");  // Ctrl-Z
  const auto stopped = job.next_state();
  REQUIRE(stopped);
  REQUIRE(WIFSTOPPED(*stopped));
  CHECK(WSTOPSIG(*stopped) == SIGTSTP);
  check_restored(job);

  kill(job.job, SIGCONT);
  const auto continued = job.next_state();
  REQUIRE(continued);
  CHECK(WIFCONTINUED(*continued));
  REQUIRE(job.wait_for([&] { return job.screen.on_alternate_screen() && layout(job.screen).valid; }));
  CHECK_FALSE(same_settings(job.settings(), job.initial));
  job.send("q");
  CHECK(exited_zero(job.next_state()));
  check_restored(job);
}

TEST_CASE("a crash signal restores the terminal, then acts as it would", "[reader][table][live]") {
  loopback_connections connections(20);
  for (const int signal : {SIGSEGV, SIGABRT}) {
    INFO(strsignal(signal));
    pty_job job(view_command(connections.port), 20, 100);
    REQUIRE(job.wait_for([&] { return layout(job.screen).valid; }));
    kill(job.job, signal);
    const auto state = job.next_state();
    REQUIRE(state);
    REQUIRE(WIFSIGNALED(*state));
    CHECK(WTERMSIG(*state) == signal);
    check_restored(job);
  }
}

TEST_CASE("without the live view a terminal gets the plain table", "[reader][table][live]") {
  loopback_connections connections(5);
  const std::string port = std::to_string(connections.port);
  // --no-interactive, and TERM=dumb: redrawn in place on the normal screen.
  for (const bool dumb : {false, true}) {
    INFO((dumb ? "TERM=dumb" : "--no-interactive"));
    std::vector<std::string> command{tool, "-f", "table", "-i", "200ms", "--port", port};
    if (!dumb) command.emplace_back("--no-interactive");
    pty_job job(command, 20, 100, {dumb ? "TERM=dumb" : "TERM=xterm"});
    REQUIRE(job.wait_for([&] {
      const std::string clear = "\x1b[H\x1b[2J";
      std::size_t passes = 0;
      for (auto at = job.output.find(clear); at != std::string::npos; at = job.output.find(clear, at + 1)) ++passes;
      return passes >= 2 && job.output.find("11 connections: 1 LISTEN, 10 ESTAB") != std::string::npos;
    }));
    CHECK(job.output.find("\x1b[?1049h") == std::string::npos);
    CHECK(same_settings(job.settings(), job.initial));
    kill(job.job, SIGTERM);
    CHECK(exited_zero(job.next_state()));
  }
}
