#include "output/table_view.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>

#include "core/printable.hpp"
#include "output/terminal.hpp"
#include "tcpstats/ip_address.hpp"

namespace tcpstats::reader {

namespace {

// ss's short state names, by TcpState number (0 = unknown).
constexpr std::string_view state_names[] = {"UNKNOWN",    "CLOSE",      "LISTEN",     "SYN-SENT",
                                            "SYN-RECV",   "ESTAB",      "CLOSE-WAIT", "FIN-WAIT-1",
                                            "CLOSING",    "LAST-ACK",   "FIN-WAIT-2", "TIME-WAIT"};

struct column_info {
  std::string_view title;
  bool numeric;  // right-aligned
};
constexpr column_info columns[table_writer::column_count] = {
    {"State", false}, {"Local Address:Port", false}, {"Peer Address:Port", false},
    {"RTT", true},    {"RTTVAR", true},              {"CWND", true},
    {"MSS", true},    {"Retrans", true},             {"Sent", true},
    {"Recv", true},   {"TX/s", true},                {"RX/s", true},
    {"Age", true},    {"Process", false}};

// When the table is too wide, columns leave in this order (but not the one
// the rows are sorted by).
constexpr table_writer::column drop_order[] = {
    table_writer::rttvar, table_writer::mss,     table_writer::age,     table_writer::cwnd,
    table_writer::rx_rate, table_writer::received, table_writer::retrans, table_writer::process,
    table_writer::sent,   table_writer::tx_rate, table_writer::rtt};
// The live view keeps what changes from pass to pass longest.
constexpr table_writer::column live_drop_order[] = {
    table_writer::rttvar, table_writer::mss,     table_writer::received, table_writer::sent,
    table_writer::age,    table_writer::process, table_writer::cwnd,     table_writer::retrans,
    table_writer::rx_rate, table_writer::tx_rate, table_writer::rtt};

constexpr sort_key_info sort_key_table[] = {
    {sort_key::activity, "activity", true, "busiest first", "idlest first"},
    {sort_key::rtt, "rtt", true, "slowest first", "fastest first"},
    {sort_key::retrans, "retrans", true, "most first", "fewest first"},
    {sort_key::tx, "tx", true, "fastest first", "slowest first"},
    {sort_key::rx, "rx", true, "fastest first", "slowest first"},
    {sort_key::cwnd, "cwnd", true, "largest first", "smallest first"},
    {sort_key::port, "port", false, "lowest first", "highest first"},
    {sort_key::state, "state", false, "in ss's order", "in reverse order"},
    {sort_key::age, "age", true, "oldest first", "youngest first"}};
constexpr bool in_enum_order() {
  for (std::size_t i = 0; i < std::size(sort_key_table); ++i) {
    if (static_cast<std::size_t>(sort_key_table[i].key) != i) return false;
  }
  return std::size(sort_key_table) == static_cast<std::size_t>(sort_key::age) + 1;
}
static_assert(in_enum_order(), "info_of() indexes the table by the key");

// The columns a sort key shows (activity: both rates).
std::array<std::optional<table_writer::column>, 2> columns_of(sort_key key) {
  switch (key) {
    case sort_key::activity: return {table_writer::tx_rate, table_writer::rx_rate};
    case sort_key::rtt: return {table_writer::rtt, std::nullopt};
    case sort_key::retrans: return {table_writer::retrans, std::nullopt};
    case sort_key::tx: return {table_writer::tx_rate, std::nullopt};
    case sort_key::rx: return {table_writer::rx_rate, std::nullopt};
    case sort_key::cwnd: return {table_writer::cwnd, std::nullopt};
    case sort_key::port: return {table_writer::local, std::nullopt};
    case sort_key::state: return {table_writer::state, std::nullopt};
    case sort_key::age: return {table_writer::age, std::nullopt};
  }
  return {};
}

std::string printf_string(const char* format, double value) {
  char text[32];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

// Three significant digits: 1.23, 12.3, 123.
std::string three_digits(double value, const char* unit) {
  const char* format = value < 9.995 ? "%.2f" : value < 99.95 ? "%.1f" : "%.0f";
  return printf_string(format, value) + unit;
}

// Endpoint columns shrink to no less than this on a narrow terminal.
constexpr std::size_t min_endpoint_width = 24;

// `cell` in at most `width` characters: a longer one loses its middle,
// marked "..", keeping its start and its last 10 characters (the port).
std::string fit(std::string_view cell, std::size_t width) {
  if (cell.size() <= width) return std::string(cell);
  const std::size_t tail = std::min<std::size_t>(10, width / 2);
  const std::size_t head = width - tail - 2;
  return std::string(cell.substr(0, head)) + ".." + std::string(cell.substr(cell.size() - tail));
}

std::string endpoint(const std::optional<ip_address>& address, std::uint16_t port, bool peer) {
  std::string host = address ? to_string(*address) : "?";
  if (address && address->family == ip_family::ipv6) host = "[" + host + "]";
  // A listener's peer is nobody: ss prints its port as *.
  return host + ":" + (peer && port == 0 ? std::string("*") : std::to_string(port));
}

template <class T>
std::string number_or_dash(const std::optional<T>& value) {
  return value ? std::to_string(*value) : "-";
}

}  // namespace

std::span<const sort_key_info> sort_keys() { return sort_key_table; }

const sort_key_info& info_of(sort_key key) { return sort_key_table[static_cast<std::size_t>(key)]; }

std::optional<sort_key> parse_sort_key(std::string_view name) {
  for (const sort_key_info& info : sort_key_table) {
    if (info.name == name) return info.key;
  }
  return std::nullopt;
}

std::string format_age_ms(std::uint64_t ms) {
  if (ms < 1000) return std::to_string(ms) + "ms";
  const std::uint64_t s = ms / 1000;
  char text[48];
  if (s < 60) {
    std::snprintf(text, sizeof text, "%us", static_cast<unsigned>(s));
  } else if (s < 3600) {
    std::snprintf(text, sizeof text, "%um%02us", static_cast<unsigned>(s / 60), static_cast<unsigned>(s % 60));
  } else if (s < 86400) {
    std::snprintf(text, sizeof text, "%uh%02um", static_cast<unsigned>(s / 3600), static_cast<unsigned>(s / 60 % 60));
  } else {
    std::snprintf(text, sizeof text, "%llud%02uh", static_cast<unsigned long long>(s / 86400),
                  static_cast<unsigned>(s / 3600 % 24));
  }
  return text;
}

std::string format_duration_us(std::uint64_t us) {
  if (us < 1000) return std::to_string(us) + "us";
  if (us < 1'000'000) return three_digits(static_cast<double>(us) / 1e3, "ms");
  return three_digits(static_cast<double>(us) / 1e6, "s");
}

std::string format_bytes(std::uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + "B";
  static constexpr const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes) / 1024;
  std::size_t unit = 0;
  while (value >= 1023.5 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  return three_digits(value, units[unit]);
}

std::string format_bit_rate(double bytes_per_sec) {
  double bits = bytes_per_sec * 8;
  if (bits < 999.5) return printf_string("%.0f", bits) + "bit/s";
  static constexpr const char* units[] = {"kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"};
  bits /= 1000;
  std::size_t unit = 0;
  while (bits >= 999.5 && unit + 1 < std::size(units)) {
    bits /= 1000;
    ++unit;
  }
  return three_digits(bits, units[unit]);
}

void table_writer::prepare(const run_context& run, const std::optional<system_counters>& previous,
                           chunk_target& target) {
  prepare(run, previous);
  target_ = &target;
}

void table_writer::prepare(const run_context& run, const std::optional<system_counters>& previous) {
  run_ = run;
  previous_ = previous;
  target_ = nullptr;
}

void table_writer::start(const pass_info& info) {
  info_ = &info;
  tally_ = {};
  rows_.clear();
  keys_.clear();
}

void table_writer::add(const connection_record& record) {
  tally_.add(record);
  if (!options_.summary_only) add_row(record, nullptr);
}

void table_writer::add_tracked(const connection_record& record, const record_delta& delta, bool emit) {
  if (!delta.closed) tally_.add(record);
  if (emit && !options_.summary_only) add_row(record, &delta);
}

void table_writer::set_pass_context(std::optional<std::uint64_t> elapsed_ns,
                                    const std::optional<tracker_counts>& counts) {
  run_.elapsed_ns = elapsed_ns;
  run_.connections = counts;
}

void table_writer::add_row(const connection_record& r, const record_delta* delta) {
  row cells;
  const int state_number = r.state ? static_cast<int>(*r.state) + 1 : 0;
  cells[state] = delta && delta->closed ? "GONE" : std::string(state_names[state_number]);
  cells[local] = endpoint(r.local_address, r.local_port, false);
  cells[peer] = endpoint(r.remote_address, r.remote_port, true);
  cells[rtt] = r.rtt_us ? format_duration_us(*r.rtt_us) : "-";
  cells[rttvar] = r.rttvar_us ? format_duration_us(*r.rttvar_us) : "-";
  // Linux counts the window in segments, the BSDs in bytes.
  cells[cwnd] = r.snd_cwnd_segments ? std::to_string(*r.snd_cwnd_segments)
                : r.snd_cwnd        ? format_bytes(*r.snd_cwnd)
                                    : "-";
  cells[mss] = number_or_dash(r.maxseg ? r.maxseg : r.snd_mss);
  cells[retrans] = number_or_dash(r.total_retrans ? r.total_retrans : r.rexmit_packets);
  const auto sent_bytes = r.tx_bytes ? r.tx_bytes : r.bytes_acked;
  const auto received_bytes = r.rx_bytes ? r.rx_bytes : r.bytes_received;
  cells[sent] = sent_bytes ? format_bytes(*sent_bytes) : "-";
  cells[received] = received_bytes ? format_bytes(*received_bytes) : "-";
  cells[tx_rate] = delta && delta->tx_bytes_per_sec ? format_bit_rate(*delta->tx_bytes_per_sec) : "-";
  cells[rx_rate] = delta && delta->rx_bytes_per_sec ? format_bit_rate(*delta->rx_bytes_per_sec) : "-";
  const auto age_ms = r.connection_age_ms ? r.connection_age_ms : delta ? delta->first_seen_age_ms : std::nullopt;
  cells[age] = age_ms ? format_age_ms(*age_ms) : "-";
  std::string& owner = cells[process];
  if (r.command) {
    owner = r.command->view();
    owner += '/';
  }
  owner.append(r.pid ? std::to_string(*r.pid) : r.command ? "?" : "-");
  // Names come from other users (a process names itself): no cell may
  // drive the terminal.
  for (std::string& cell : cells) make_printable(cell);
  rows_.push_back(std::move(cells));

  row_keys k;
  if (delta) {
    k.tx_rate = delta->tx_bytes_per_sec;
    k.rx_rate = delta->rx_bytes_per_sec;
    if (k.tx_rate || k.rx_rate) k.activity = k.tx_rate.value_or(0) + k.rx_rate.value_or(0);
  }
  k.rtt_us = r.rtt_us;
  const auto retransmits = r.total_retrans ? r.total_retrans : r.rexmit_packets;
  k.retrans = retransmits;
  const auto window = r.snd_cwnd_segments ? r.snd_cwnd_segments : r.snd_cwnd;
  k.cwnd = window;
  k.age_ms = age_ms;
  k.local_port = r.local_port;
  k.remote_port = r.remote_port;
  // In ss's order of states, GONE after them all.
  k.state = delta && delta->closed ? static_cast<int>(std::size(state_names)) : state_number;
  keys_.push_back(k);
}

std::vector<std::size_t> table_writer::sorted(std::span<const std::size_t> subset, std::size_t needed) const {
  std::vector<std::size_t> order(subset.begin(), subset.end());
  if (!options_.sort) return order;
  const sort_key_info& info = info_of(*options_.sort);
  const bool largest_first = info.largest_first != options_.reverse;
  // <0, 0, >0 as a's value comes before, ties with, or after b's; an
  // absent value after any present one.
  const auto compare = [](const auto& a, const auto& b, bool descending) {
    if (!a || !b) return a ? -1 : b ? 1 : 0;
    if (*a == *b) return 0;
    return (*a < *b) != descending ? -1 : 1;
  };
  const auto number = [](int value) { return std::optional<int>(value); };  // always present
  const auto primary = [&](const row_keys& a, const row_keys& b) {
    switch (info.key) {
      case sort_key::activity: return compare(a.activity, b.activity, largest_first);
      case sort_key::rtt: return compare(a.rtt_us, b.rtt_us, largest_first);
      case sort_key::retrans: return compare(a.retrans, b.retrans, largest_first);
      case sort_key::tx: return compare(a.tx_rate, b.tx_rate, largest_first);
      case sort_key::rx: return compare(a.rx_rate, b.rx_rate, largest_first);
      case sort_key::cwnd: return compare(a.cwnd, b.cwnd, largest_first);
      case sort_key::port: {
        const int local = compare(number(a.local_port), number(b.local_port), largest_first);
        return local != 0 ? local : compare(number(a.remote_port), number(b.remote_port), largest_first);
      }
      case sort_key::state: return compare(number(a.state), number(b.state), largest_first);
      case sort_key::age: return compare(a.age_ms, b.age_ms, largest_first);
    }
    return 0;
  };
  const auto port_order = [](std::uint16_t a, std::uint16_t b) { return a == b ? 0 : a < b ? -1 : 1; };
  // Ties go by activity, RTT, the ports, then the kernel's order: a total
  // order, so a partial sort shows the same first rows as a full one.
  const auto before = [&](std::size_t x, std::size_t y) {
    const row_keys& a = keys_[x];
    const row_keys& b = keys_[y];
    int c = primary(a, b);
    if (c == 0) c = compare(a.activity, b.activity, true);
    if (c == 0) c = compare(a.rtt_us, b.rtt_us, true);
    if (c == 0) c = port_order(a.local_port, b.local_port);
    if (c == 0) c = port_order(a.remote_port, b.remote_port);
    return c != 0 ? c < 0 : x < y;
  };
  if (needed < order.size()) {
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(needed), order.end(), before);
    order.resize(needed);
  } else {
    std::sort(order.begin(), order.end(), before);
  }
  return order;
}

std::string table_writer::summary_line() const {
  if (info_ == nullptr) return {};
  std::string line = std::to_string(tally_.total) + (tally_.total == 1 ? " connection" : " connections");
  bool first = true;
  for (std::size_t s = 0; s < tally_.by_state.size(); ++s) {
    if (tally_.by_state[s] == 0) continue;
    line += first ? ": " : ", ";
    first = false;
    line += std::to_string(tally_.by_state[s]) + " " + std::string(state_names[s]);
  }
  if (run_.connections) {
    line += "; " + std::to_string(run_.connections->new_connections) + " new, " +
            std::to_string(run_.connections->closed) + " gone";
  }
  // The host's counters over the time since the previous pass.
  if (info_->counters && previous_ && run_.elapsed_ns && *run_.elapsed_ns != 0) {
    const system_counters& now = *info_->counters;
    const double seconds = static_cast<double>(*run_.elapsed_ns) / 1e9;
    const auto rate = [&](const std::optional<std::uint64_t>& later,
                          const std::optional<std::uint64_t>& earlier) -> std::optional<double> {
      if (!later || !earlier || *later < *earlier) return std::nullopt;
      return static_cast<double>(*later - *earlier) / seconds;
    };
    std::string host;
    const auto add = [&host](const std::string& text) { host += (host.empty() ? "" : ", ") + text; };
    if (const auto out = rate(now.snd_bytes, previous_->snd_bytes)) add(format_bit_rate(*out) + " out");
    if (const auto in = rate(now.rcv_bytes, previous_->rcv_bytes)) add(format_bit_rate(*in) + " in");
    const auto packets = rate(now.snd_total_packets, previous_->snd_total_packets);
    const auto rexmits = rate(now.snd_rexmit_packets, previous_->snd_rexmit_packets);
    if (packets) add(printf_string("%.0f", *packets) + " segments/s out");
    if (packets && rexmits && *packets > 0) add(printf_string("%.2f", 100 * *rexmits / *packets) + "% retransmitted");
    if (!host.empty()) line += "; host: " + host;
  }
  return line;
}

bool table_writer::finish() {
  if (target_ == nullptr) return false;
  std::string text;
  if (options_.redraw) text += "\x1b[H\x1b[2J";  // home, clear: the pass replaces the previous one
  if (!options_.summary_only) {
    std::vector<std::size_t> all(rows_.size());
    std::iota(all.begin(), all.end(), std::size_t{0});
    for (const std::string& line : lines(all, 0, all.size(), options_.width)) text += line + "\n";
  }
  text += summary_line() + "\n";
  return target_->write(text);
}

std::vector<std::string> table_writer::lines(std::span<const std::size_t> subset, std::size_t first,
                                             std::size_t max_rows, std::size_t width_limit) const {
  std::array<bool, column_count> shown{};
  std::array<std::size_t, column_count> width{};
  for (unsigned c = 0; c < column_count; ++c) {
    // Rates show with --deltas, or when an archive's records carry them.
    const bool rate = c == tx_rate || c == rx_rate;
    shown[c] = (!rate || options_.rates ||
                std::any_of(subset.begin(), subset.end(), [&](std::size_t i) { return rows_[i][c] != "-"; })) &&
               (c != age || options_.live);
    width[c] = options_.header ? columns[c].title.size() : 0;
    for (const std::size_t i : subset) width[c] = std::max(width[c], rows_[i][c].size());
  }
  const auto total = [&] {
    std::size_t sum = 0, count = 0;
    for (unsigned c = 0; c < column_count; ++c) {
      if (!shown[c]) continue;
      sum += width[c];
      ++count;
    }
    return sum + (count == 0 ? 0 : 2 * (count - 1));
  };
  // Too wide: first the endpoints give up the middle of long addresses
  // (the port stays), then columns leave.
  for (const column c : {local, peer}) {
    if (width_limit == 0 || total() <= width_limit) break;
    const std::size_t excess = total() - width_limit;
    width[c] = std::max(std::min(width[c], std::size_t{min_endpoint_width}), width[c] - std::min(width[c], excess));
  }
  const auto sorted_columns = options_.sort ? columns_of(*options_.sort) : decltype(columns_of(sort_key::rtt)){};
  const auto leaving = options_.live ? std::span<const column>(live_drop_order) : std::span<const column>(drop_order);
  for (const column c : leaving) {
    if (width_limit == 0 || total() <= width_limit) break;
    if (sorted_columns[0] == c || sorted_columns[1] == c) continue;
    shown[c] = false;
  }
  std::vector<std::string> out;
  const auto put_row = [&](const auto& cell_of) {
    std::string line;
    for (unsigned c = 0; c < column_count; ++c) {
      if (!shown[c]) continue;
      const std::string cell = fit(cell_of(c), width[c]);
      const std::string pad(width[c] - cell.size(), ' ');
      if (!line.empty()) line += "  ";
      line += columns[c].numeric ? pad + cell : cell + pad;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out.push_back(std::move(line));
  };
  if (options_.header) put_row([](unsigned c) { return columns[c].title; });
  // Only the rows shown need their place.
  const std::size_t rest = subset.size() - std::min(first, subset.size());
  const std::size_t needed = max_rows > rest ? subset.size() : first + max_rows;
  const std::vector<std::size_t> order = sorted(subset, needed);
  for (std::size_t i = first; i < order.size() && i - first < max_rows; ++i) {
    const row& r = rows_[order[i]];
    put_row([&r](unsigned c) { return std::string_view(r[c]); });
  }
  return out;
}

}  // namespace tcpstats::reader
