#pragma once
// A pass exactly as the kernel handed it over: the raw bytes that
// --capture saves and --replay reads back, and what a raw dump lacks
// (the FILE.meta.json beside it).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/byte_blob.hpp"
#include "core/pass.hpp"

namespace tcpstats::reader {

struct pass_meta {
  std::optional<std::string> hostname;
  std::optional<std::string> os_version;   // "15.4"
  std::optional<std::string> os_release;   // kern.osrelease, "24.4.0"
  std::optional<std::uint64_t> timestamp_ns;
  std::optional<reader::platform> source;
  std::optional<std::uint32_t> tcp_now_ms;  // macOS: estimated tcp_now at the read
  // FreeBSD: which table the dump holds, "pcblist" (net.inet.tcp.pcblist)
  // or "dev_tcpstats" (a read of /dev/tcpstats); sniffed when absent.
  std::optional<std::string> table;
  std::optional<std::uint64_t> collection_duration_ns;
  std::optional<std::string> tool_version;
  // Linux destroy events: messages lost since the previous pass (with
  // destroy_events only).
  std::optional<std::uint64_t> events_dropped;
};

struct raw_pass {
  byte_blob table;  // pcblist_n / pcblist / netlink dump
  std::optional<std::vector<std::byte>> tcp_stats;  // macOS/FreeBSD: raw net.inet.tcp.stats, when read
  std::optional<std::string> snmp;                   // Linux: /proc/net/snmp, when read
  std::optional<std::vector<std::byte>> kern_file;   // FreeBSD: raw kern.file, when read
  std::optional<std::vector<std::byte>> tcp_states;  // FreeBSD: raw net.inet.tcp.states, when read
  // FreeBSD: "PID COMMAND" lines (ki_comm of each pid kern.file names).
  std::optional<std::string> commands;
  // Linux: the socket destroy messages received since the previous pass,
  // as received (FILE.events); absent when events were off.
  std::optional<std::vector<std::byte>> destroy_events;
  pass_meta meta;
  std::string source_file;  // the file it was read from; empty when live
  std::optional<bool> generation_changed;  // live reads: still changing after retries
};

}  // namespace tcpstats::reader
