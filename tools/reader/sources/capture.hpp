#pragma once
// --capture and --replay files: a raw dump, FILE.meta.json, and the raw
// host counters beside it (FILE.tcp_stats on macOS and FreeBSD, FILE.snmp on
// Linux); on FreeBSD also FILE.kern_file (raw kern.file, for the process
// join), FILE.tcp_states (raw net.inet.tcp.states) and FILE.commands (text,
// one "PID COMMAND" line per process kern.file names); on Linux with
// destroy events, FILE.events (the messages received since the previous
// pass, as received; "events_dropped" in the meta file).

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "core/safe_create.hpp"
#include "sources/raw_pass.hpp"

namespace tcpstats::reader {

// The most each file of a pass may hold when replayed (the man page and
// docs/security.md list them): a dump of a million connections (~500 to
// ~900 bytes each on the three kernels) fits, /dev/zero or a runaway file
// does not. Larger files are refused with one line, exit 3.
struct pass_file_limit {
  const char* suffix;  // "" for the dump
  std::uint64_t max_bytes;
  const char* what;
};
inline constexpr std::uint64_t kib = 1024, mib = kib * 1024, gib = mib * 1024;
inline constexpr pass_file_limit pass_file_limits[] = {
    {"", 2 * gib, "dump"},
    {".meta.json", 64 * kib, "meta file"},
    {".tcp_stats", 1 * mib, "tcp_stats file"},
    {".snmp", 1 * mib, "snmp file"},
    {".kern_file", 1 * gib, "kern_file file"},
    {".tcp_states", 1 * mib, "tcp_states file"},
    {".commands", 64 * mib, "commands file"},
    {".events", 256 * mib, "destroy events file"},
};

// Reads FILE and, when they exist, its side files (FILE.meta.json, ...),
// each within its limit above. FILE may be a regular file or a pipe; side
// files must be regular files and are not followed when they are symbolic
// links (they are found by name, not named by the operator). On failure
// returns empty and sets `error` to one line naming the file, and
// `malformed` when a file was read but its content is wrong (a bad meta
// file) rather than unreadable or refused.
// `limits` replaces pass_file_limits (the fuzzer's small ones reach them).
[[nodiscard]] std::optional<raw_pass> read_raw_pass(const std::string& path, std::string& error, bool& malformed,
                                                    std::span<const pass_file_limit> limits = pass_file_limits);

// --capture DIR: each pass as DIR/NNNNNN.<table> with its side files
// (.meta.json always; .tcp_stats, .snmp, .kern_file, .tcp_states,
// .commands when read), written all or nothing (core/safe_create.hpp: a
// full disk or a signal leaves no part of a pass, and no temporary file).
// Numbering goes on after the highest NNNNNN already in DIR, so a second
// run into the same directory adds to it and never overwrites.
class capture_writer {
 public:
  // Opens (or creates) DIR; refused as directory::open says.
  [[nodiscard]] static std::optional<capture_writer> open(const std::string& dir, std::string& error);

  // Writes the next pass; returns the dump's path, or empty with `error`.
  [[nodiscard]] std::optional<std::string> write(platform source, const raw_pass& raw, std::string& error);
  [[nodiscard]] std::uint64_t next_number() const { return next_; }

 private:
  capture_writer(directory dir, std::uint64_t next) : dir_(std::move(dir)), next_(next) {}
  directory dir_;
  std::uint64_t next_;
};

}  // namespace tcpstats::reader
