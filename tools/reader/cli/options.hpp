#pragma once
// tcpstats-reader's command line.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/filters.hpp"
#include "codec/json_names.hpp"
#include "core/pass.hpp"
#include "output/batch_writer.hpp"
#include "output/table_view.hpp"

namespace tcpstats::reader {

// --listen HOST:PORT (port 0: any free port).
struct listen_address {
  std::string host;  // as given, without an IPv6 address's brackets
  std::uint16_t port = 0;
};

struct options {
  std::chrono::nanoseconds interval = std::chrono::seconds(1);
  bool interval_given = false;
  std::uint64_t count = 0;  // passes; 0 = until interrupted
  output_format format = output_format::jsonl;
  bool pretty = false;
  bool header = true;                 // table: -H/--no-header turns it off
  bool summary_only = false;          // no records, only metadata and summary
  std::string output;                 // empty = standard output
  std::optional<platform> source;     // empty = auto
  std::vector<std::string> replay_files;
  std::vector<std::string> input_files;  // --input: archives this tool wrote ("-" = standard input)
  std::uint64_t max_batch_bytes = std::uint64_t{64} << 20;  // --max-batch-size: --input's longest line or frame
  json_names names = json_names::camel;  // --json-names
  json_addresses addresses = json_addresses::base64;  // --json-addresses
  std::string capture_dir;            // empty = no capture
  std::string netns;                  // Linux: network namespace name or path; empty = ours
  record_filter filter;               // --state, --port, --src, ...
  bool processes = false;             // Linux: attribute sockets to pid, fd, command
  bool cgroups = false;               // --listen on Linux: a cgroup label
  bool deltas = false;                // follow connections: deltas, rates, closed records
  bool changes_only = false;          // implies deltas: only new or changed connections
  bool events = true;                 // Linux, with deltas: socket destroy events (--no-events)
  std::size_t events_buffer = std::size_t{32} << 20;  // their receive buffer, bytes
  std::optional<listen_address> listen;  // serve GET /metrics; batches only with -o
  std::size_t max_ports = 100;        // --max-ports: label sets before "other"
  std::optional<sort_key> sort;       // table: --sort (the live view: activity unless given)
  bool reverse = false;               // table: --reverse
  bool no_interactive = false;        // table: the plain table on a terminal too
  bool help = false;
  bool version = false;
};

// "1", "0.5", "500ms", "2s", "1.5m": a positive duration of at most a day.
[[nodiscard]] std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);

// "127.0.0.1:9814", "[::1]:9814", "localhost:0": a host (an IPv6 address in
// brackets) and a port. Empty when malformed.
[[nodiscard]] std::optional<listen_address> parse_listen_address(std::string_view text);

// "65536", "64K", "64M", "1G" (also KiB, MiB, GiB; any case): a size in
// bytes from `least` to `most`.
[[nodiscard]] std::optional<std::uint64_t> parse_size(std::string_view text, std::uint64_t least, std::uint64_t most);

// Parses argv; on a usage error returns empty and sets `error` to one line
// naming the offending word.
[[nodiscard]] std::optional<options> parse_options(int argc, char** argv, std::string& error);

[[nodiscard]] std::string help_text();

}  // namespace tcpstats::reader
