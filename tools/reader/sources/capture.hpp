#pragma once
// --capture and --replay files: a raw dump, FILE.meta.json, and the raw
// host counters beside it (FILE.tcp_stats on macOS and FreeBSD, FILE.snmp on
// Linux); on FreeBSD also FILE.kern_file (raw kern.file, for the process
// join), FILE.tcp_states (raw net.inet.tcp.states) and FILE.commands (text,
// one "PID COMMAND" line per process kern.file names); on Linux with
// destroy events, FILE.events (the messages received since the previous
// pass, as received; "events_dropped" in the meta file).

#include <optional>
#include <string>

#include "sources/raw_pass.hpp"

namespace tcpstats::reader {

// Reads FILE and, when they exist, FILE.meta.json and FILE.tcp_stats. On
// failure returns empty and sets `error` to one line naming the file, and
// `malformed` when a file was read but its content is wrong (a bad meta file)
// rather than unreadable.
[[nodiscard]] std::optional<raw_pass> read_raw_pass(const std::string& path, std::string& error, bool& malformed);

// Writes DIR/NNNNNN.<extension> (NNNNNN = sequence, zero-padded) with its
// .meta.json and .tcp_stats, each through a temporary file and a rename, so
// no reader ever sees half a file. Returns the dump's path, or empty with
// `error` set.
[[nodiscard]] std::optional<std::string> write_raw_pass(const std::string& dir, std::uint64_t sequence,
                                                        platform source, const raw_pass& raw, std::string& error);

}  // namespace tcpstats::reader
