#include "sources/capture.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>

#include "sources/meta_file.hpp"

namespace tcpstats::reader {

namespace {

enum class read_status { ok, missing, failed };

read_status read_file(const std::string& path, std::vector<std::byte>& out, std::string& error) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return read_status::missing;
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    error = path + ": " + std::strerror(errno);
    return read_status::failed;
  }
  const std::streamoff size = in.tellg();
  in.seekg(0);
  out.resize(size > 0 ? static_cast<std::size_t>(size) : 0);
  if (!in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()))) {
    error = path + ": read error";
    return read_status::failed;
  }
  return read_status::ok;
}

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
  auto table = byte_blob::load(path, error);
  if (!table) return std::nullopt;
  raw.table = std::move(*table);

  std::vector<std::byte> meta_bytes;
  const std::string meta_path = path + ".meta.json";
  switch (read_file(meta_path, meta_bytes, error)) {
    case read_status::failed: return std::nullopt;
    case read_status::missing: break;
    case read_status::ok: {
      std::string why;
      const auto meta = parse_meta({reinterpret_cast<const char*>(meta_bytes.data()), meta_bytes.size()}, why);
      if (!meta) {
        error = meta_path + ": " + why;
        malformed = true;
        return std::nullopt;
      }
      raw.meta = *meta;
    }
  }
  std::vector<std::byte> stats;
  switch (read_file(path + ".tcp_stats", stats, error)) {
    case read_status::failed: return std::nullopt;
    case read_status::missing: break;
    case read_status::ok: raw.tcp_stats = std::move(stats);
  }
  std::vector<std::byte> snmp;
  switch (read_file(path + ".snmp", snmp, error)) {
    case read_status::failed: return std::nullopt;
    case read_status::missing: break;
    case read_status::ok: raw.snmp = std::string(reinterpret_cast<const char*>(snmp.data()), snmp.size());
  }
  // FreeBSD: kern.file (process join), net.inet.tcp.states, process names.
  for (auto [suffix, slot] : {std::pair{".kern_file", &raw.kern_file}, std::pair{".tcp_states", &raw.tcp_states}}) {
    std::vector<std::byte> bytes;
    switch (read_file(path + suffix, bytes, error)) {
      case read_status::failed: return std::nullopt;
      case read_status::missing: break;
      case read_status::ok: *slot = std::move(bytes);
    }
  }
  std::vector<std::byte> events;
  switch (read_file(path + ".events", events, error)) {
    case read_status::failed: return std::nullopt;
    case read_status::missing: break;
    case read_status::ok: raw.destroy_events = std::move(events);
  }
  std::vector<std::byte> commands;
  switch (read_file(path + ".commands", commands, error)) {
    case read_status::failed: return std::nullopt;
    case read_status::missing: break;
    case read_status::ok:
      raw.commands = std::string(reinterpret_cast<const char*>(commands.data()), commands.size());
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
  // Written even when empty: it says events were on for the pass.
  if (raw.destroy_events &&
      !write_file(path + ".events", raw.destroy_events->data(), raw.destroy_events->size(), error)) {
    return std::nullopt;
  }
  return path;
}

}  // namespace tcpstats::reader
