#include "sources/capture.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <charconv>
#include <cstdint>
#include <utility>

#include "core/bounded_read.hpp"
#include "sources/meta_file.hpp"

namespace tcpstats::reader {

namespace {

const char* table_extension(platform source, const pass_meta& meta) {
  switch (source) {
    case platform::macos: return "pcblist_n";
    case platform::freebsd: return meta.table == "dev_tcpstats" ? "dev_tcpstats" : "pcblist";
    case platform::linux_: return "netlink";
    case platform::unknown: break;
  }
  return "dump";
}

}  // namespace

std::optional<raw_pass> read_raw_pass(const std::string& path, std::string& error, bool& malformed,
                                      std::span<const pass_file_limit> limits) {
  malformed = false;
  raw_pass raw;
  raw.source_file = path;
  for (const pass_file_limit& file : limits) {
    const bool dump = *file.suffix == '\0';
    const read_rules rules{file.max_bytes, file.what, dump, dump};
    std::vector<std::byte> bytes;
    const std::string name = path + file.suffix;
    switch (dump ? load_bounded(name, rules, raw.table, error) : read_bounded(name, rules, bytes, error)) {
      case read_status::failed: return std::nullopt;
      case read_status::missing:
        if (!dump) continue;
        error = path + ": " + std::strerror(ENOENT);
        return std::nullopt;
      case read_status::ok: break;
    }
    const std::string_view suffix = file.suffix;
    const auto text = [&bytes] { return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()); };
    if (dump) {
      continue;
    } else if (suffix == ".meta.json") {
      std::string why;
      const auto meta = parse_meta({reinterpret_cast<const char*>(bytes.data()), bytes.size()}, why);
      if (!meta) {
        error = name + ": " + why;
        malformed = true;
        return std::nullopt;
      }
      raw.meta = *meta;
    } else if (suffix == ".tcp_stats") {
      raw.tcp_stats = std::move(bytes);
    } else if (suffix == ".snmp") {
      raw.snmp = text();
    } else if (suffix == ".kern_file") {
      raw.kern_file = std::move(bytes);
    } else if (suffix == ".tcp_states") {
      raw.tcp_states = std::move(bytes);
    } else if (suffix == ".commands") {
      raw.commands = text();
    } else if (suffix == ".events") {
      raw.destroy_events = std::move(bytes);
    }
  }
  error.clear();
  return raw;
}

std::optional<capture_writer> capture_writer::open(const std::string& dir, std::string& error) {
  auto opened = directory::open(dir, error);
  if (!opened) return std::nullopt;
  // Go on after the highest number there: "000042.netlink.meta.json" is 42.
  std::uint64_t highest = 0;
  for (const std::string& name : opened->names()) {
    std::uint64_t number = 0;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), number);
    if (ec == std::errc{} && end - name.data() >= 6 && *end == '.' && number > highest) highest = number;
  }
  if (highest == UINT64_MAX) {
    error = dir + ": no capture number left";
    return std::nullopt;
  }
  return capture_writer(std::move(*opened), highest + 1);
}

std::optional<std::string> capture_writer::write(platform source, const raw_pass& raw, std::string& error) {
  char number[32];
  std::snprintf(number, sizeof number, "%06llu.", static_cast<unsigned long long>(next_));
  const std::string name = number + std::string(table_extension(source, raw.meta));
  pass_meta meta = raw.meta;
  meta.source = source;
  const auto bytes = [](const auto& data) {
    return std::string_view(reinterpret_cast<const char*>(data.data()), data.size());
  };
  file_set files(dir_);
  bool ok = files.add(name, bytes(raw.table.bytes()), error) && files.add(name + ".meta.json", format_meta(meta), error);
  if (ok && raw.tcp_stats) ok = files.add(name + ".tcp_stats", bytes(*raw.tcp_stats), error);
  if (ok && raw.snmp) ok = files.add(name + ".snmp", *raw.snmp, error);
  if (ok && raw.kern_file) ok = files.add(name + ".kern_file", bytes(*raw.kern_file), error);
  if (ok && raw.tcp_states) ok = files.add(name + ".tcp_states", bytes(*raw.tcp_states), error);
  if (ok && raw.commands) ok = files.add(name + ".commands", *raw.commands, error);
  // Written even when empty: it says events were on for the pass.
  if (ok && raw.destroy_events) ok = files.add(name + ".events", bytes(*raw.destroy_events), error);
  if (!ok || !files.commit(error)) return std::nullopt;
  ++next_;
  return dir_.path() + "/" + name;
}

}  // namespace tcpstats::reader
