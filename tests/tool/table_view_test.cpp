// --format table: human units, the macOS sample at fixed widths against
// goldens, header and summary-only variants, and a live run on a
// pseudo-terminal (redrawn in place, fitted to the terminal's width) versus
// a pipe (appended, no escape sequences).
#include <catch2/catch.hpp>

#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include "subprocess.hpp"
#include "output/table_view.hpp"

namespace reader = tcpstats::reader;
using tcpstats::test::run_process;

namespace {

const std::string tool = TCPSTATS_READER;
const std::string data = std::string(TCPSTATS_TEST_DATA) + "/xnu/";

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string table_of_sample(const std::string& columns, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"/usr/bin/env", "COLUMNS=" + columns, tool, "-f", "table", "--replay",
                                data + "sample-macos15.pcblist_n"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto result = run_process(args);
  INFO(result.err);
  REQUIRE(result.exit_status == 0);
  return result.out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Runs the tool on a pseudo-terminal of `columns` x 40 until it exits; returns what it wrote.
std::string run_on_terminal(const std::vector<std::string>& args, unsigned short columns) {
  winsize size{};
  size.ws_col = columns;
  size.ws_row = 40;
  int master = -1;
  const pid_t child = forkpty(&master, nullptr, nullptr, &size);
  REQUIRE(child >= 0);
  if (child == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    unsetenv("COLUMNS");
    execv(argv[0], argv.data());
    _exit(127);
  }
  std::string out;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(master, buffer, sizeof buffer);
    if (n <= 0) break;  // EIO once the child has exited and closed the terminal
    out.append(buffer, static_cast<std::size_t>(n));
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  close(master);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  return out;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("human units", "[reader][table]") {
  CHECK(reader::format_duration_us(93) == "93us");
  CHECK(reader::format_duration_us(8187) == "8.19ms");
  CHECK(reader::format_duration_us(23187) == "23.2ms");
  CHECK(reader::format_duration_us(231870) == "232ms");
  CHECK(reader::format_duration_us(1'500'000) == "1.50s");
  CHECK(reader::format_bytes(0) == "0B");
  CHECK(reader::format_bytes(1023) == "1023B");
  CHECK(reader::format_bytes(1024) == "1.00KiB");
  CHECK(reader::format_bytes(2411877) == "2.30MiB");
  CHECK(reader::format_bytes(1073725440) == "1.00GiB");
  CHECK(reader::format_bit_rate(0) == "0bit/s");
  CHECK(reader::format_bit_rate(4000) == "32.0kbit/s");
  CHECK(reader::format_bit_rate(125'000'000) == "1.00Gbit/s");
  CHECK(reader::format_bit_rate(1.5e6) == "12.0Mbit/s");
}

TEST_CASE("the macOS sample as a table at fixed widths", "[reader][table]") {
  for (const char* width : {"200", "100", "80"}) {
    INFO(width);
    const std::string table = table_of_sample(width);
    CHECK(table == read_all(data + "sample-macos15.table-" + width + ".txt"));
    for (const auto& line : lines_of(table)) {
      if (line.rfind("9 connections", 0) != 0) CHECK(line.size() <= std::stoul(width));
    }
  }
  const auto plain = lines_of(table_of_sample("200"));
  const auto headless = lines_of(table_of_sample("200", {"--no-header"}));
  REQUIRE(plain.size() == 11);
  // The same rows without the titles (columns may then be narrower).
  const auto words = [](const std::vector<std::string>& lines) {
    std::vector<std::vector<std::string>> out;
    for (const auto& line : lines) {
      std::istringstream in(line);
      out.emplace_back(std::istream_iterator<std::string>(in), std::istream_iterator<std::string>());
    }
    return out;
  };
  CHECK(words(headless) == words(std::vector<std::string>(plain.begin() + 1, plain.end())));
  CHECK(table_of_sample("200", {"--summary-only"}) == plain.back() + "\n");
  CHECK(table_of_sample("200", {"-l"}) ==
        "State   Local Address:Port  Peer Address:Port  RTT  RTTVAR     CWND   MSS  Retrans  Sent  Recv  Process\n"
        "LISTEN  [::]:22             [::]:*               -       -  1.00GiB  1448        -    0B    0B  1\n"
        "LISTEN  127.0.0.1:8080      0.0.0.0:*            -       -  14.1KiB  1448        -    0B    0B  2210\n"
        "2 connections: 2 LISTEN\n");
}

TEST_CASE("a live table redraws in place on a terminal and fits its width", "[reader][table][live]") {
  const std::string out = run_on_terminal({tool, "-f", "table", "-c", "2", "-i", "200ms"}, 72);
  CHECK(count_of(out, "\x1b[H\x1b[2J") == 2);
  CHECK(count_of(out, "State") == 2);
  std::string text = out;
  for (std::size_t at; (at = text.find("\x1b[H\x1b[2J")) != std::string::npos;) text.erase(at, 7);
  for (const auto& line : lines_of(text)) {
    const std::string row = line.back() == '\r' ? line.substr(0, line.size() - 1) : line;
    // The summary may wrap; a slow-pass note on the same terminal (a loaded
    // machine) is the tool's stderr, not the table.
    if (row.find("connection") == std::string::npos && row.find("tcpstats-reader:") == std::string::npos) {
      CHECK(row.size() <= 72);
    }
  }
  // Through a pipe the passes append, without escape sequences.
  const auto piped = run_process({tool, "-f", "table", "-c", "2", "-i", "200ms"});
  CHECK(piped.exit_status == 0);
  CHECK(piped.out.find('\x1b') == std::string::npos);
  CHECK(count_of(piped.out, "State") == 2);
}
