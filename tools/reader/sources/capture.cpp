#include "sources/capture.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>

#include "core/bounded_read.hpp"
#include "sources/meta_file.hpp"

namespace tcpstats::reader {

namespace {

bool write_file(const std::string& path, const void* data, std::size_t size, std::string& error) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.flush();
    if (!out) {
      error = temporary + ": " + std::strerror(errno);
      return false;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

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

std::optional<raw_pass> read_raw_pass(const std::string& path, std::string& error, bool& malformed) {
  malformed = false;
  raw_pass raw;
  raw.source_file = path;
  for (const pass_file_limit& file : pass_file_limits) {
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
    }
  }
  error.clear();
  return raw;
}

std::optional<std::string> write_raw_pass(const std::string& dir, std::uint64_t sequence, platform source,
                                          const raw_pass& raw, std::string& error) {
  char name[32];
  std::snprintf(name, sizeof name, "%06llu.", static_cast<unsigned long long>(sequence));
  const std::string path = dir + "/" + name + table_extension(source, raw.meta);
  pass_meta meta = raw.meta;
  meta.source = source;
  const std::string meta_text = format_meta(meta);
  if (!write_file(path, raw.table.bytes().data(), raw.table.size(), error)) return std::nullopt;
  if (!write_file(path + ".meta.json", meta_text.data(), meta_text.size(), error)) return std::nullopt;
  if (raw.tcp_stats && !write_file(path + ".tcp_stats", raw.tcp_stats->data(), raw.tcp_stats->size(), error)) {
    return std::nullopt;
  }
  if (raw.snmp && !write_file(path + ".snmp", raw.snmp->data(), raw.snmp->size(), error)) return std::nullopt;
  if (raw.kern_file && !write_file(path + ".kern_file", raw.kern_file->data(), raw.kern_file->size(), error)) {
    return std::nullopt;
  }
  if (raw.tcp_states && !write_file(path + ".tcp_states", raw.tcp_states->data(), raw.tcp_states->size(), error)) {
    return std::nullopt;
  }
  if (raw.commands && !write_file(path + ".commands", raw.commands->data(), raw.commands->size(), error)) {
    return std::nullopt;
  }
  return path;
}

}  // namespace tcpstats::reader
