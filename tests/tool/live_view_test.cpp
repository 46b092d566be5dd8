// The live view's parts without a terminal: text made screen-safe, keys
// decoded, frames laid out for a window of a given size (and drawn: the
// escape sequences, fed to a terminal emulator, show the same lines), the
// keys' effect on sort, filter, pause and scrolling; and --sort and
// --reverse on the plain table of a replayed dump.
#include <catch2/catch.hpp>

#include <sstream>

#include "core/printable.hpp"
#include "output/live_view.hpp"
#include "subprocess.hpp"
#include "vt_screen.hpp"

namespace reader = tcpstats::reader;
using key = reader::key_press;
using role = reader::live_view::screen_line::role;
using tcpstats::test::run_process;

namespace {

const std::string tool = TCPSTATS_READER;
const std::string sample = std::string(TCPSTATS_TEST_DATA) + "/xnu/sample-macos15.pcblist_n";

tcpstats::ip_address loopback() { return {tcpstats::ip_family::ipv4, {127, 0, 0, 1}, 0}; }

// Connection i: local port 1000 + i to peer 443, RTT 10 + i ms, sending
// `tx[i]` bytes a second (absent: no rate), owned by `command`.
void feed(reader::live_view& view, const std::vector<std::optional<double>>& tx, std::string_view command = "curl") {
  static const reader::pass_info info;
  view.prepare(reader::run_context{}, std::nullopt);
  view.start(info);
  for (std::size_t i = 0; i < tx.size(); ++i) {
    tcpstats::connection_record r;
    r.state = tcpstats::tcp_state::established;
    r.local_address = loopback();
    r.remote_address = loopback();
    r.local_port = static_cast<std::uint16_t>(1000 + i);
    r.remote_port = 443;
    r.rtt_us = static_cast<std::uint32_t>(10'000 + 1000 * i);
    r.pid = 4242;
    r.command = tcpstats::short_name(command);
    reader::record_delta delta;
    delta.tx_bytes_per_sec = tx[i];
    if (tx[i]) delta.rx_bytes_per_sec = 0;
    view.add_tracked(r, delta, true);
  }
  view.set_pass_context(std::nullopt, reader::tracker_counts{});
}

std::vector<std::string> texts(const std::vector<reader::live_view::screen_line>& screen) {
  std::vector<std::string> out;
  for (const auto& line : screen) out.push_back(line.text);
  return out;
}

// The local port of the first connection row.
std::string first_local(const std::vector<reader::live_view::screen_line>& screen) {
  for (const auto& line : screen) {
    if (line.what != role::row || line.text.empty()) continue;
    std::istringstream words(line.text);
    std::string state, local;
    words >> state >> local;
    return local;
  }
  return {};
}

const reader::live_view::screen_line* status_of(const std::vector<reader::live_view::screen_line>& screen) {
  for (const auto& line : screen) {
    if (line.what == role::status) return &line;
  }
  return nullptr;
}

reader::live_view::response type(reader::live_view& view, std::string_view text) {
  auto response = reader::live_view::response::none;
  for (const key& k : reader::decode_keys(text)) response = view.press(k);
  return response;
}

}  // namespace

TEST_CASE("text for the screen: no controls, only whole UTF-8 characters", "[reader][live_view]") {
  CHECK(reader::printable("curl") == "curl");
  CHECK(reader::printable("\x1b]0;owned\x07x") == "\\x1b]0;owned\\x07x");
  CHECK(reader::printable(std::string_view("a\0b", 3)) == "a\\x00b");
  CHECK(reader::printable("\x7f\x9b") == "\\x7f\\x9b");  // DEL; a lone C1 byte (CSI on 8-bit terminals)
  // UTF-8 characters pass; C1 controls, bidirectional overrides and line
  // separators written in UTF-8 do not, nor do broken or overlong sequences.
  CHECK(reader::printable("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x90\xa7") == "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x90\xa7");
  CHECK(reader::printable("\xc2\x9b") == "\\xc2\\x9b");
  CHECK(reader::printable("a\xe2\x80\xae" "b") == "a\\xe2\\x80\\xae" "b");
  CHECK(reader::printable("\xe2\x80\xa8") == "\\xe2\\x80\\xa8");
  CHECK(reader::printable("\xc3") == "\\xc3");
  CHECK(reader::printable("\xc3(") == "\\xc3(");
  CHECK(reader::printable("\xc0\xaf") == "\\xc0\\xaf");
  CHECK(reader::printable("\xed\xa0\x80") == "\\xed\\xa0\\x80");
  CHECK(reader::printable("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");
  CHECK(reader::printable("\xff") == "\\xff");
}

TEST_CASE("keys decode from a terminal's bytes", "[reader][live_view]") {
  const auto keys = reader::decode_keys("s\x1b[A\x1b[B\x1b[5~\x1b[6~\x1bOH\x1b[F\r\x7f\x15\x0c\x1b[1;5C/\x1b");
  std::vector<key::kind> kinds;
  for (const key& k : keys) kinds.push_back(k.what);
  using K = key::kind;
  CHECK(kinds == std::vector<K>{K::character, K::up, K::down, K::page_up, K::page_down, K::home, K::end, K::enter,
                                K::backspace, K::kill_line, K::redraw, K::other, K::character, K::escape});
  CHECK(keys.front().c == 's');
  CHECK(keys[keys.size() - 2].c == '/');
  CHECK(reader::decode_keys("\x1b[").empty());  // cut short: nothing
  // Intermediate bytes belong to the sequence; a stray byte ends it.
  CHECK(reader::decode_keys("\x1b[1 q").size() == 1);
  const auto stray = reader::decode_keys("\x1b[1\x03q");
  REQUIRE(stray.size() == 3);
  CHECK(stray[2].what == K::character);
  CHECK(stray[2].c == 'q');
}

TEST_CASE("ages in human units", "[reader][table]") {
  CHECK(reader::format_age_ms(850) == "850ms");
  CHECK(reader::format_age_ms(42'000) == "42s");
  CHECK(reader::format_age_ms(723'000) == "12m03s");
  CHECK(reader::format_age_ms(11'040'000) == "3h04m");
  CHECK(reader::format_age_ms(183'600'000) == "2d03h");
}

TEST_CASE("a frame fits the window: titles, rows, status, summary", "[reader][live_view]") {
  reader::live_view view({});
  // Connection 3 is the busiest, 5 next; 0 has no rate yet.
  feed(view, {std::nullopt, 10, 20, 5000, 0, 900, 30, 40, 50, 60, 70, 80});
  const auto screen = view.compose({8, 100});
  INFO(Catch::StringMaker<std::vector<std::string>>::convert(texts(screen)));
  REQUIRE(screen.size() == 8);
  CHECK(screen[0].what == role::title);
  CHECK(screen[0].text.rfind("State", 0) == 0);
  CHECK(view.compose({8, 160})[0].text.find("Age") != std::string::npos);  // the live view's column, when there is room
  CHECK(first_local(screen) == "127.0.0.1:1003");
  CHECK(screen[2].text.find("127.0.0.1:1005") != std::string::npos);
  // 8 rows: titles, 5 connections, status, summary.
  CHECK(screen[5].what == role::row);
  REQUIRE(status_of(screen));
  CHECK(status_of(screen)->text.rfind("7 of 12 connections not shown | sort: activity, busiest first | ", 0) == 0);
  CHECK(screen[7].what == role::summary);
  CHECK(screen[7].text.rfind("12 connections: 12 ESTAB; 0 new, 0 gone", 0) == 0);
  for (const auto& line : screen) CHECK(line.text.size() <= 100);

  // Narrower: the summary wraps onto more lines, fewer rows fit.
  const auto narrow = view.compose({8, 24});
  CHECK(narrow.size() == 8);
  CHECK(narrow.back().what == role::summary);
  CHECK(narrow[narrow.size() - 2].what == role::summary);
  for (const auto& line : narrow) CHECK(line.text.size() <= 24);

  // Tiny windows keep the summary, then the titles, then the status.
  CHECK(texts(view.compose({1, 100})) == std::vector<std::string>{screen[7].text});
  CHECK(view.compose({2, 100})[0].what == role::title);
  CHECK(view.compose({3, 100})[1].what == role::status);
  CHECK(view.compose({0, 100}).empty());

  // The frame, drawn on a terminal, shows those lines and nothing more.
  tcpstats::test::vt_screen terminal(8, 100);
  terminal.feed("\x1b[?1049h\x1b[?7l");
  terminal.feed(view.frame({8, 100}, true));
  CHECK(terminal.problems().empty());
  const auto drawn = terminal.lines();
  for (std::size_t i = 0; i < screen.size(); ++i) {
    const std::string& text = screen[i].text;
    CHECK(drawn[i] == text.substr(0, text.find_last_not_of(' ') + 1));
  }
  CHECK_FALSE(terminal.cursor_visible());
}

TEST_CASE("-H: rows from the first line", "[reader][live_view]") {
  reader::live_view view({false, reader::sort_key::port, true});
  feed(view, {1, 2, 3, 4, 5, 6});
  const auto screen = view.compose({6, 120});
  REQUIRE(screen.size() == 6);
  CHECK(screen[0].what == role::row);
  CHECK(first_local(screen) == "127.0.0.1:1005");  // by port, reversed
  CHECK(screen[3].what == role::row);
  CHECK(status_of(screen)->text.rfind("2 of 6 connections not shown | sort: port, highest first", 0) == 0);
}

TEST_CASE("keys sort, reverse, filter, pause and scroll", "[reader][live_view]") {
  using response = reader::live_view::response;
  reader::live_view view({});
  feed(view, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  const reader::screen_size size{6, 120};  // 3 rows
  CHECK(first_local(view.compose(size)) == "127.0.0.1:1009");

  CHECK(view.press({key::kind::character, 's'}) == response::redraw);
  CHECK(view.sort() == reader::sort_key::rtt);
  CHECK(first_local(view.compose(size)) == "127.0.0.1:1009");  // the highest RTT
  type(view, "ssssss");  // retrans, tx, rx, cwnd, port, state... to port
  CHECK(view.sort() == reader::sort_key::state);
  type(view, "S");
  CHECK(view.sort() == reader::sort_key::port);
  CHECK(first_local(view.compose(size)) == "127.0.0.1:1000");
  type(view, "r");
  CHECK(first_local(view.compose(size)) == "127.0.0.1:1009");
  CHECK(status_of(view.compose(size))->text.find("sort: port, highest first") != std::string::npos);
  type(view, "r");

  // Scrolling: a page down shows the next rows and says which.
  type(view, "\x1b[6~");
  auto screen = view.compose(size);
  CHECK(first_local(screen) == "127.0.0.1:1003");
  CHECK(status_of(screen)->text.rfind("7 of 10 connections not shown (rows 4-6)", 0) == 0);
  type(view, "\x1b[F");  // End: the last full page
  CHECK(first_local(view.compose(size)) == "127.0.0.1:1007");
  type(view, "\x1b[B");  // no further
  CHECK(first_local(view.compose(size)) == "127.0.0.1:1007");
  type(view, "\x1b[A\x1b[H");
  CHECK(first_local(view.compose(size)) == "127.0.0.1:1000");

  // The filter prompt: the command line's words; a bad one is named and
  // the prompt stays.
  CHECK(type(view, "/") == response::redraw);
  CHECK(status_of(view.compose(size))->text.rfind("filter> ", 0) == 0);
  CHECK(view.frame(size, false).find("\x1b[?25h") != std::string::npos);  // the cursor shows
  type(view, "--dport http\r");
  CHECK(status_of(view.compose(size))->text.find("--dport: 'http' is not a port") != std::string::npos);
  type(view, "\x15sport 1004-1005 established\r");
  screen = view.compose(size);
  CHECK(status_of(screen)->text.rfind("2 connections, all shown", 0) == 0);
  CHECK(status_of(screen)->text.find("filter: sport 1004-1005 established (2 of 10 match)") != std::string::npos);
  CHECK(first_local(screen) == "127.0.0.1:1004");
  // Escape leaves the filter as it was; an empty one keeps all.
  type(view, "/x\x1b");
  CHECK(status_of(view.compose(size))->text.find("(2 of 10 match)") != std::string::npos);
  type(view, "/\x15\r");
  CHECK(status_of(view.compose(size))->text.rfind("7 of 10 connections not shown", 0) == 0);

  // Pause: said on the status line; resuming asks for a pass.
  CHECK(type(view, "p") == response::redraw);
  CHECK(view.paused());
  CHECK(status_of(view.compose(size))->text.find("| PAUSED |") != std::string::npos);
  CHECK(type(view, " ") == response::collect);
  CHECK_FALSE(view.paused());
  CHECK(type(view, "q") == response::quit);
}

TEST_CASE("a process name cannot send escape sequences", "[reader][live_view]") {
  reader::live_view view({});
  feed(view, {1}, "\x1b[2J\x1b]0;x\x07");
  const auto screen = view.compose({5, 200});
  bool found = false;
  for (const auto& line : screen) {
    for (const char c : line.text) CHECK(static_cast<unsigned char>(c) >= 0x20);
    found = found || line.text.find("\\x1b[2J\\x1b]0;x\\x07/4242") != std::string::npos;
  }
  CHECK(found);
  // A line of several-byte characters is cut between characters.
  std::string wide;
  for (int i = 0; i < 60; ++i) wide += "\xe6\x97\xa5";
  view.notice(wide);
  std::size_t backed_off = 0;
  for (std::size_t width = 100; width < 106; ++width) {
    const auto screen = view.compose({5, width});
    const auto* status = status_of(screen);
    REQUIRE(status);
    CHECK(status->text.size() <= width);
    CHECK(reader::printable(status->text) == status->text);  // no character cut in two
    if (status->text.size() < width) ++backed_off;
  }
  CHECK(backed_off == 4);  // two widths of every three end inside a character
  // Notices too (they may quote what they failed on).
  view.notice("bad \x1b[31m");
  CHECK(status_of(view.compose({5, 200}))->text.find("bad \\x1b[31m") != std::string::npos);
}

TEST_CASE("--sort and --reverse order the plain table", "[reader][table]") {
  const auto table = [](std::vector<std::string> extra) {
    std::vector<std::string> args{"/usr/bin/env", "COLUMNS=200", tool, "-f", "table", "--replay", sample};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto result = run_process(args);
    INFO(result.err);
    REQUIRE(result.exit_status == 0);
    std::vector<std::string> locals;
    std::istringstream in(result.out);
    std::string line;
    std::getline(in, line);  // titles
    while (std::getline(in, line)) {
      if (in.peek() == EOF) break;  // the summary
      std::istringstream words(line);
      std::string state, local;
      words >> state >> local;
      if (local.find(':') != std::string::npos) locals.push_back(local.substr(local.rfind(':') + 1));
    }
    return locals;
  };
  CHECK(table({"--sort", "port"}) ==
        std::vector<std::string>{"22", "8080", "8080", "8770", "52990", "53011", "53122", "53201", "60311"});
  CHECK(table({"--sort", "port", "--reverse"}) ==
        std::vector<std::string>{"60311", "53201", "53122", "53011", "52990", "8770", "8080", "8080", "22"});
  // RTT: the slowest first; the ones without an RTT last, by port.
  CHECK(table({"--sort", "rtt"}) ==
        std::vector<std::string>{"52990", "53122", "8770", "8080", "22", "8080", "53011", "53201", "60311"});

  const auto bad = run_process({tool, "--replay", sample, "--sort", "speed"});
  CHECK(bad.exit_status == 2);
  CHECK(bad.err.find("--sort: 'speed' is not one of activity, rtt, retrans, tx, rx, cwnd, port, state, age") !=
        std::string::npos);
  const auto not_table = run_process({tool, "--replay", sample, "--reverse"});
  CHECK(not_table.exit_status == 2);
  CHECK(not_table.err.find("--reverse applies to --format table only") != std::string::npos);
}
