#include "pipeline/proc_net_snmp.hpp"

#include <charconv>
#include <vector>

namespace tcpstats::reader {

namespace {

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  while (!line.empty()) {
    const auto start = line.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    line.remove_prefix(start);
    const auto end = line.find(' ');
    out.push_back(line.substr(0, end));
    if (end == std::string_view::npos) break;
    line.remove_prefix(end);
  }
  return out;
}

}  // namespace

std::optional<system_counters> parse_proc_net_snmp(std::string_view text) {
  std::vector<std::string_view> names, values;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (line.substr(0, 4) != "Tcp:") continue;
    (names.empty() ? names : values) = words(line.substr(4));
  }
  if (names.empty() || names.size() != values.size()) return std::nullopt;

  system_counters c;
  c.width_bits = 64;
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(values[i].data(), values[i].data() + values[i].size(), value);
    if (ec != std::errc{} || end != values[i].data() + values[i].size()) continue;  // MaxConn is -1
    const std::string_view name = names[i];
    if (name == "ActiveOpens") c.conn_attempts = value;
    if (name == "PassiveOpens") c.accepts = value;
    if (name == "EstabResets") c.drops = value;
    if (name == "OutSegs") c.snd_total_packets = value;
    if (name == "RetransSegs") c.snd_rexmit_packets = value;
    if (name == "InSegs") c.rcv_total_packets = value;
    if (name == "InCsumErrors") c.rcv_badsum = value;
  }
  return c;
}

}  // namespace tcpstats::reader
