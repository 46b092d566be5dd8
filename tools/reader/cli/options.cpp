#include "cli/options.hpp"

#include <getopt.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <vector>

#include "sources/meta_file.hpp"

namespace tcpstats::reader {

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && ((text[digits] >= '0' && text[digits] <= '9') || text[digits] == '.')) ++digits;
  const std::string_view number = text.substr(0, digits);
  const std::string_view unit = text.substr(digits);
  if (number.empty() || number.front() == '.' || number.back() == '.' ||
      number.find('.') != number.rfind('.')) {
    return std::nullopt;
  }
  double value = 0;
  for (const char c : number) {
    if (c == '.') continue;
    value = value * 10 + (c - '0');
  }
  if (const auto dot = number.find('.'); dot != std::string_view::npos) {
    value /= std::pow(10.0, static_cast<double>(number.size() - dot - 1));
  }
  double seconds_per_unit = 0;
  if (unit.empty() || unit == "s") {
    seconds_per_unit = 1;
  } else if (unit == "ms") {
    seconds_per_unit = 1e-3;
  } else if (unit == "us") {
    seconds_per_unit = 1e-6;
  } else if (unit == "m") {
    seconds_per_unit = 60;
  } else {
    return std::nullopt;
  }
  const double ns = value * seconds_per_unit * 1e9;
  if (!(ns >= 1e6) || ns > 86400e9) return std::nullopt;  // 1 ms .. 1 day
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(ns)));
}

std::optional<std::uint64_t> parse_size(std::string_view text, std::uint64_t least, std::uint64_t most) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end == text.data()) return std::nullopt;
  std::string unit(end, text.data() + text.size());
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  unsigned shift = 0;
  if (unit == "K" || unit == "KIB") {
    shift = 10;
  } else if (unit == "M" || unit == "MIB") {
    shift = 20;
  } else if (unit == "G" || unit == "GIB") {
    shift = 30;
  } else if (!unit.empty()) {
    return std::nullopt;
  }
  if (value > (most >> shift)) return std::nullopt;
  value <<= shift;
  if (value < least || value > most) return std::nullopt;
  return value;
}

std::optional<listen_address> parse_listen_address(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return std::nullopt;  // an IPv6 address needs its brackets
  }
  if (host.empty() || host.find_first_of("[] ") != std::string_view::npos) return std::nullopt;
  listen_address out;
  out.host = std::string(host);
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size()) return std::nullopt;
  return out;
}

std::string help_text() {
  return R"(usage: tcpstats-reader [OPTIONS]
       tcpstats-reader [OPTIONS] --replay FILE [FILE...]

Emits every TCP connection of this host (or of captured kernel dumps) as
protobuf BatchMessages (proto/tcp_stats.proto), one batch per pass.

  -i, --interval DURATION  time between passes: 1, 0.5, 500ms, 2s, 1m (default 1s)
  -c, --count N            number of passes; 0 = until interrupted (default 0)
      --once               one pass (same as --count 1)
  -f, --format FORMAT      jsonl: one proto3 JSON BatchMessage per line (default)
                           binary: varint length + BatchMessage per batch
                           table: a table for people, like ss, with a summary
                           line; its width fits the terminal (or $COLUMNS).
                           A live run (no --count) on a terminal is a live
                           view like top, fitted to the window: the busiest
                           connections first, keys s (sort), r (reverse),
                           p (pause), / (filter), q (quit); --deltas implied
  -H, --no-header          table: no column titles
      --sort KEY           table: rows ordered by activity (TX/s+RX/s: the
                           live view's default), rtt, retrans, tx, rx, cwnd,
                           port, state or age (largest first, ports and
                           states lowest first); activity, tx and rx imply
                           --deltas (rates from the second pass)
      --reverse            table: the sort key's other direction
      --no-interactive     table: no live view on a terminal, the plain
                           table redrawn in place pass after pass
      --summary-only       no records: just the summary (per-state counts,
                           host counters; with table, one line per pass)
      --pretty             indented JSON (with --format jsonl)
  -o, --output PATH        write to PATH instead of standard output
  -s, --source SOURCE      auto (this platform), macos, freebsd or linux
      --replay FILE...     decode raw kernel dumps instead of the live kernel,
                           one pass per file: what `sysctl -b
                           net.inet.tcp.pcblist_n` writes on a Mac, `sysctl -b
                           net.inet.tcp.pcblist` (or /dev/tcpstats) on FreeBSD,
                           `ss -t -i -D FILE` on Linux. Beside a dump:
                           FILE.meta.json (hostname, os_version, os_release,
                           timestamp_ns, source), the host counters in
                           FILE.tcp_stats (macOS, FreeBSD) or FILE.snmp
                           (Linux /proc/net/snmp); FreeBSD also
                           FILE.kern_file (raw kern.file), FILE.commands
                           ("PID COMMAND" lines) and FILE.tcp_states.
                           Without --source or a meta file the source is
                           recognised from the dump's first bytes.
      --input FILE...      read batches this tool wrote (JSON Lines or binary,
                           recognised, also gzip- or zstd-compressed; - is
                           standard input) and write them again through the
                           filters in the chosen format
      --max-batch-size SIZE  --input: the longest JSON line or binary frame
                           read (default 64M; 100,000 connections are ~93M
                           as JSON, ~26M binary); also refused: more
                           than 1000 empty batches in a row, and compressed
                           archives that grow more than 1000 times
      --json-names STYLE   camel: lowerCamelCase JSON names (default), proto:
                           the .proto's snake_case names (--input reads both)
      --json-addresses STYLE  base64: addresses as protobuf's JSON writes bytes
                           (default); text: "192.0.2.1", "2001:db8::1", for jq
                           and log shippers (protobuf's JSON parser does not
                           read it; --input reads both)
      --capture DIR        also save each pass's raw kernel bytes in DIR
                           (NNNNNN.<table>, .meta.json, .tcp_stats or .snmp;
                           Linux destroy events in .events) for --replay
      --processes          Linux: fill pid, fd and command from /proc/*/fd, as
                           `ss -p` does (what this user may see; a count of
                           the rest goes to stderr once)
      --netns NAME|PATH    Linux: collect inside another network namespace
                           (a name from `ip netns`, or a path such as
                           /proc/PID/ns/net); needs CAP_SYS_ADMIN
      --deltas             follow connections from pass to pass: from the
                           second pass on, each record has its counters' deltas
                           and per-second rates since the previous pass, and
                           each connection that is gone gets a last record with
                           "closed": true (identity: the socket and its PCB
                           generation, or the Linux socket cookie)
      --changes-only       --deltas, but a connection is written only when it
                           is new, its state changed or a counter changed
                           (timers and ages do not count); the summary
                           always counts every connection
      --no-events          Linux: without the kernel's socket destroy events.
                           With them (the default for live --deltas,
                           --changes-only and --listen runs), every
                           connection closed since the previous pass, also
                           one no pass saw, gets its closed record with its
                           final tcp_info
      --events-buffer SIZE receive buffer for the destroy events: bytes, or
                           with K, M or G (default 32M; above
                           net.core.rmem_max it needs CAP_NET_ADMIN)

Metrics (Prometheus, OpenMetrics):
      --listen HOST:PORT   serve GET /metrics on HOST:PORT from the last
                           completed pass (127.0.0.1:9814, [::1]:9814; port 0
                           picks a free one, named on stderr). 0.0.0.0 shows
                           every connection's ports to the network. Follows
                           connections as --deltas does, so counters keep
                           closed connections' bytes; batches are written only
                           with -o. A failed pass is counted, not fatal.
      --max-ports N        at most N service-port label sets (with --processes:
                           port and command), the busiest; the rest are
                           port="other" (default 100)
      --cgroups            Linux: a cgroup label too, the path of the
                           socket's cgroup, as ss shows it (same bound)

Filters (all given must match; a comma-separated list matches any item):
      --state LIST         only connections in these states: established,
                           syn-sent, syn-recv, fin-wait-1, fin-wait-2,
                           time-wait, closed, close-wait, last-ack, listen,
                           closing (Linux asks the kernel for just those)
  -l, --listening          add listen to the states (alone: only listeners)
      --established        add established to the states
      --port LIST          local or remote port: 22,80,8000-8080
      --sport LIST         local port
      --dport LIST         remote port
      --src LIST           local address or prefix: 10.0.0.0/8,::1 (an IPv4
                           prefix also matches IPv4-mapped IPv6 addresses)
      --dst LIST           remote address or prefix
      --pid LIST           owning process ids (implies --processes on Linux)
      --uid LIST           owning user ids
  -4, --ipv4               only IPv4 connections (Linux skips the IPv6 dump)
  -6, --ipv6               only IPv6 connections
With --deltas, a connection that leaves the filtered view gets a closed record.

  -h, --help               this text
  -V, --version            the version

Exit status: 0 done (also when the reader of the output goes away, or on
SIGHUP, SIGINT, SIGQUIT, SIGTERM after the current batch); 1 a dump or
its meta file is malformed, or its source cannot be decoded by this build;
2 usage error; 3 a file could not be read, written or refused (too large,
not a regular file, shared with other users: docs/security.md); 4 live
collection failed.
)";
}

std::optional<options> parse_options(int argc, char** argv, std::string& error) {
  enum : int {
    opt_once = 256, opt_pretty, opt_replay, opt_capture, opt_netns, opt_processes, opt_deltas,
    opt_changes_only, opt_no_events, opt_events_buffer, opt_summary_only, opt_input, opt_max_batch_size,
    opt_json_names, opt_sort, opt_reverse, opt_no_interactive, opt_listen, opt_max_ports, opt_cgroups, opt_json_addresses,
    opt_filter  // + the index in filter_options()
  };
  static const struct option own_options[] = {
      {"interval", required_argument, nullptr, 'i'}, {"count", required_argument, nullptr, 'c'},
      {"once", no_argument, nullptr, opt_once},      {"format", required_argument, nullptr, 'f'},
      {"pretty", no_argument, nullptr, opt_pretty},  {"output", required_argument, nullptr, 'o'},
      {"source", required_argument, nullptr, 's'},   {"replay", required_argument, nullptr, opt_replay},
      {"capture", required_argument, nullptr, opt_capture}, {"netns", required_argument, nullptr, opt_netns},
      {"processes", no_argument, nullptr, opt_processes},
      {"deltas", no_argument, nullptr, opt_deltas},
      {"changes-only", no_argument, nullptr, opt_changes_only},
      {"no-events", no_argument, nullptr, opt_no_events},
      {"events-buffer", required_argument, nullptr, opt_events_buffer},
      {"no-header", no_argument, nullptr, 'H'},
      {"summary-only", no_argument, nullptr, opt_summary_only},
      {"input", required_argument, nullptr, opt_input},
      {"max-batch-size", required_argument, nullptr, opt_max_batch_size},
      {"json-names", required_argument, nullptr, opt_json_names},
      {"sort", required_argument, nullptr, opt_sort},
      {"reverse", no_argument, nullptr, opt_reverse},
      {"no-interactive", no_argument, nullptr, opt_no_interactive},
      {"json-addresses", required_argument, nullptr, opt_json_addresses},
      {"listen", required_argument, nullptr, opt_listen},
      {"max-ports", required_argument, nullptr, opt_max_ports},
      {"cgroups", no_argument, nullptr, opt_cgroups},
      {"help", no_argument, nullptr, 'h'},
      {"version", no_argument, nullptr, 'V'}};
  // The filter options come from their own table (pipeline/filters.hpp),
  // which the live view's filter prompt reads too.
  const auto filters = filter_options();
  std::vector<std::string> filter_names;
  std::vector<struct option> long_options(std::begin(own_options), std::end(own_options));
  std::string short_options = ":i:c:f:o:s:hVH";
  for (std::size_t i = 0; i < filters.size(); ++i) filter_names.emplace_back(filters[i].name);
  for (std::size_t i = 0; i < filters.size(); ++i) {
    const int has_arg = filters[i].takes_value ? required_argument : no_argument;
    long_options.push_back({filter_names[i].c_str(), has_arg, nullptr, opt_filter + static_cast<int>(i)});
    if (filters[i].short_name == '\0') continue;
    short_options += filters[i].short_name;
    if (filters[i].takes_value) short_options += ':';
  }
  long_options.push_back({nullptr, 0, nullptr, 0});
  // The filter option a getopt result stands for, if any.
  const auto filter_of = [&filters](int c) -> const filter_option* {
    if (c >= opt_filter && static_cast<std::size_t>(c - opt_filter) < filters.size()) return &filters[c - opt_filter];
    for (const filter_option& f : filters) {
      if (f.short_name != '\0' && c == f.short_name) return &f;
    }
    return nullptr;
  };

  options out;
  filter_builder filter;
  bool count_given = false, once = false, max_ports_given = false, max_batch_given = false;
  optind = 1;
  opterr = 0;
  for (;;) {
    optopt = 0;
    const int c = getopt_long(argc, argv, short_options.c_str(), long_options.data(), nullptr);
    if (c == -1) break;
    const std::string value = optarg ? optarg : "";
    // The word at fault: getopt moves file names after the options, so the
    // word before optind is the option just read; a short option in a
    // cluster (-Hx) is named by optopt.
    const std::string word = c == '?' && optopt > 0 && optopt < 256 ? std::string("-") + static_cast<char>(optopt)
                             : optind > 0 && optind <= argc          ? argv[optind - 1]
                                                                     : "";
    // A path or name that is empty would silently mean "none" (an empty
    // --netns read the host's own namespace).
    if (optarg != nullptr && value.empty() &&
        (c == 'o' || c == opt_capture || c == opt_netns || c == opt_replay || c == opt_input)) {
      for (const struct option& o : long_options) {
        if (o.name != nullptr && o.val == c) error = std::string("--") + o.name + " needs a non-empty value";
      }
      return std::nullopt;
    }
    if (const filter_option* f = filter_of(c)) {
      if (!filter.add(f->name, value, error)) return std::nullopt;
      continue;
    }
    switch (c) {
      case 'i': {
        const auto interval = parse_duration(value);
        if (!interval) {
          error = "--interval: '" + value + "' is not a duration between 1ms and 1 day (e.g. 1, 0.5, 500ms, 2s)";
          return std::nullopt;
        }
        out.interval = *interval;
        out.interval_given = true;
        break;
      }
      case 'c': {
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out.count);
        if (ec != std::errc{} || end != value.data() + value.size() || value.empty()) {
          error = "--count: '" + value + "' is not a number of passes";
          return std::nullopt;
        }
        count_given = true;
        break;
      }
      case opt_once: once = true; break;
      case 'f':
        if (value == "jsonl") {
          out.format = output_format::jsonl;
        } else if (value == "binary") {
          out.format = output_format::binary;
        } else if (value == "table") {
          out.format = output_format::table;
        } else {
          error = "--format: '" + value + "' is not one of jsonl, binary, table";
          return std::nullopt;
        }
        break;
      case opt_pretty: out.pretty = true; break;
      case 'o': out.output = value; break;
      case 's':
        if (value != "auto") {
          out.source = platform_from_name(value);
          if (!out.source) {
            error = "--source: '" + value + "' is not one of auto, macos, freebsd, linux";
            return std::nullopt;
          }
        }
        break;
      case opt_replay: out.replay_files.push_back(value); break;
      case opt_input: out.input_files.push_back(value); break;
      case opt_max_batch_size: {
        const auto size = parse_size(value, 1024, std::uint64_t{16} << 30);
        if (!size) {
          error = "--max-batch-size: '" + value + "' is not a size from 1K to 16G (65536, 64K, 64M, 1G)";
          return std::nullopt;
        }
        out.max_batch_bytes = *size;
        max_batch_given = true;
        break;
      }
      case opt_json_names:
        if (value == "camel") {
          out.names = json_names::camel;
        } else if (value == "proto") {
          out.names = json_names::proto;
        } else {
          error = "--json-names: '" + value + "' is not one of camel, proto";
          return std::nullopt;
        }
        break;
      case opt_json_addresses:
        if (value == "base64") {
          out.addresses = json_addresses::base64;
        } else if (value == "text") {
          out.addresses = json_addresses::text;
        } else {
          error = "--json-addresses: '" + value + "' is not one of base64, text";
          return std::nullopt;
        }
        break;
      case opt_capture: out.capture_dir = value; break;
      case opt_netns: out.netns = value; break;
      case opt_processes: out.processes = true; break;
      case opt_deltas: out.deltas = true; break;
      case opt_changes_only: out.deltas = out.changes_only = true; break;
      case opt_no_events: out.events = false; break;
      case opt_events_buffer: {
        const auto size = parse_size(value, 4096, std::uint64_t{1} << 30);
        if (!size) {
          error = "--events-buffer: '" + value + "' is not a size from 4K to 1G (e.g. 262144, 512K, 32M)";
          return std::nullopt;
        }
        out.events_buffer = static_cast<std::size_t>(*size);
        break;
      }
      case opt_sort:
        out.sort = parse_sort_key(value);
        if (!out.sort) {
          std::string names;
          for (const sort_key_info& key : sort_keys()) names += (names.empty() ? "" : ", ") + std::string(key.name);
          error = "--sort: '" + value + "' is not one of " + names;
          return std::nullopt;
        }
        break;
      case opt_reverse: out.reverse = true; break;
      case opt_no_interactive: out.no_interactive = true; break;
      case 'H': out.header = false; break;
      case opt_summary_only: out.summary_only = true; break;
      case opt_listen:
        out.listen = parse_listen_address(value);
        if (!out.listen) {
          error = "--listen: '" + value + "' is not HOST:PORT (127.0.0.1:9814, [::1]:9814)";
          return std::nullopt;
        }
        break;
      case opt_cgroups: out.cgroups = true; break;
      case opt_max_ports: {
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out.max_ports);
        if (value.empty() || ec != std::errc{} || end != value.data() + value.size() || out.max_ports == 0 ||
            out.max_ports > 100000) {
          error = "--max-ports: '" + value + "' is not a number from 1 to 100000";
          return std::nullopt;
        }
        max_ports_given = true;
        break;
      }
      case 'h': out.help = true; break;
      case 'V': out.version = true; break;
      case ':': error = "'" + word + "' needs a value"; return std::nullopt;
      default: error = "unknown option '" + word + "'"; return std::nullopt;
    }
  }
  for (int i = optind; i < argc; ++i) {
    if (out.replay_files.empty() == out.input_files.empty()) {
      error = "unexpected argument '" + std::string(argv[i]) + "' (files follow --replay or --input)";
      return std::nullopt;
    }
    (out.input_files.empty() ? out.replay_files : out.input_files).emplace_back(argv[i]);
  }
  if (once && count_given && out.count != 1) {
    error = "--once contradicts --count " + std::to_string(out.count);
    return std::nullopt;
  }
  if (once) out.count = 1;
  out.filter = filter.build();
  if (!out.input_files.empty()) {
    // An archive is re-emitted as it is: nothing about a live pass applies.
    const char* live_only = !out.replay_files.empty() ? "--replay"
                            : !out.capture_dir.empty() ? "--capture"
                            : out.deltas             ? (out.changes_only ? "--changes-only" : "--deltas")
                            : !out.events            ? "--no-events"
                            : out.processes          ? "--processes"
                            : !out.netns.empty()     ? "--netns"
                            : out.interval_given     ? "--interval"
                            : count_given || once    ? "--count"
                                                     : nullptr;
    if (live_only) {
      error = std::string(live_only) + " does not apply to --input (it re-emits batches as they were written)";
      return std::nullopt;
    }
  }
  if (max_batch_given && out.input_files.empty()) {
    error = "--max-batch-size applies to --input only";
    return std::nullopt;
  }
  if (out.listen && (!out.replay_files.empty() || !out.input_files.empty())) {
    error = std::string("--listen serves live collection, not ") + (out.replay_files.empty() ? "--input" : "--replay");
    return std::nullopt;
  }
  if (out.cgroups && !out.listen) {
    error = "--cgroups applies to --listen";
    return std::nullopt;
  }
  if (max_ports_given && !out.listen) {
    error = "--max-ports applies to --listen";
    return std::nullopt;
  }
  if (out.format != output_format::table) {
    const char* table_only = out.sort        ? "--sort"
                             : out.reverse ? "--reverse"
                             : out.no_interactive ? "--no-interactive"
                                                  : nullptr;
    if (table_only) {
      error = std::string(table_only) + " applies to --format table only";
      return std::nullopt;
    }
  }
  if (out.reverse && !out.sort) out.sort = sort_key::activity;
  if (out.sort && out.input_files.empty()) {
    // Sorting by a rate needs the rates, which the connection tracker measures.
    const sort_key key = *out.sort;
    if (key == sort_key::activity || key == sort_key::tx || key == sort_key::rx) out.deltas = true;
  }
  if ((!out.netns.empty() || out.processes) && !out.replay_files.empty()) {
    error = std::string(out.processes ? "--processes" : "--netns") + " applies to live collection, not --replay";
    return std::nullopt;
  }
  if (out.names == json_names::proto && out.format != output_format::jsonl) {
    error = "--json-names applies to --format jsonl only";
    return std::nullopt;
  }
  if (out.addresses == json_addresses::text && out.format != output_format::jsonl) {
    error = "--json-addresses applies to --format jsonl only";
    return std::nullopt;
  }
  if (out.pretty && out.format != output_format::jsonl) {
    error = "--pretty applies to --format jsonl only";
    return std::nullopt;
  }
  return out;
}

}  // namespace tcpstats::reader
