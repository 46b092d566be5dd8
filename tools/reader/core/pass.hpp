#pragma once
// What one pass over a host's TCP table yields, before it becomes a
// protobuf BatchMessage. Free of protobuf so that the platform units
// (macos_live.cpp, compiled by Zig for macOS in CI) can use it.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/record_delta.hpp"
#include "tcpstats/connection_record.hpp"

namespace tcpstats::reader {

// Same numbers as the protobuf enums Platform and DataSource.
enum class platform : int { unknown = 0, macos = 1, freebsd = 2, linux_ = 3 };

enum class data_source : int {
  macos_pcblist_n = 1,
  freebsd_pcblist = 3,
  freebsd_kld = 5,  // /dev/tcpstats
  kern_file = 6,
  linux_sock_diag = 7,
  linux_proc_fd = 8,
  macos_tcp_stats = 9,
  freebsd_tcp_stats = 10,
  linux_proc_net_snmp = 11,
  freebsd_tcp_states = 12,
};

// Host-wide TCP counters as read (cumulative); each absent when the
// platform has no such counter. `width_bits` is the counters' own width:
// deltas are taken modulo 2^width_bits.
struct system_counters {
  unsigned width_bits = 64;
  std::optional<std::uint64_t> conn_attempts;
  std::optional<std::uint64_t> accepts;
  std::optional<std::uint64_t> connects;
  std::optional<std::uint64_t> drops;
  std::optional<std::uint64_t> snd_total_packets;
  std::optional<std::uint64_t> snd_bytes;
  std::optional<std::uint64_t> snd_rexmit_packets;
  std::optional<std::uint64_t> snd_rexmit_bytes;
  std::optional<std::uint64_t> rcv_total_packets;
  std::optional<std::uint64_t> rcv_bytes;
  std::optional<std::uint64_t> rcv_dup_packets;
  std::optional<std::uint64_t> rcv_badsum;
};

// Everything about a pass but its records, which stream past a record_sink
// (see decode.hpp) so that a pass never holds all of them at once.
struct pass_info {
  // Metadata (see CollectionMetadata in proto/tcp_stats.proto).
  std::uint64_t timestamp_ns = 0;
  std::string hostname;
  reader::platform platform = platform::unknown;
  std::string os_version;
  std::string os_release;
  std::string source_file;  // replayed file; empty when live
  std::vector<data_source> data_sources;
  std::uint64_t collection_duration_ns = 0;
  std::optional<std::uint64_t> pcblist_generation;
  std::optional<bool> pcblist_generation_changed;
  // How many records the dump holds, before any filter, when the decoder
  // counted them while validating: lets a sink size its tables once.
  std::optional<std::size_t> record_count;

  std::vector<data_source> record_sources;  // the same for every record of a pass
  std::optional<system_counters> counters;  // absent when not readable
  // FreeBSD net.inet.tcp.states: the kernel's connection count per TCPS_*
  // state (all of them, not only the sockets the reader may see).
  std::optional<std::array<std::uint64_t, 11>> kernel_state_counts;
};

// A pass with its records collected (tests, --pretty, benchmarks).
struct pass : pass_info {
  std::vector<connection_record> records;
};

// The bytes a record was decoded from, when they alone give it back: the
// connection tracker keeps a copy of them instead of packing the record
// (a copy costs a few instructions; packing ~8 per field). `rebuild` is
// the decoder's own: it gives the record again from (a copy of) `bytes`.
struct record_origin {
  std::span<const std::byte> bytes;
  void (*rebuild)(std::span<const std::byte> bytes, connection_record& out) = nullptr;
};

// Receives a decoded pass: start() with its info once the whole dump is
// known to be valid, then every record, in kernel order.
class record_sink {
 public:
  virtual ~record_sink() = default;
  virtual void start(const pass_info&) {}
  virtual void add(const connection_record& record) = 0;
  // A record with the bytes it came from. A sink that changes the record
  // (or does not keep records) passes it on with add(), without them.
  virtual void add_from(const connection_record& record, const record_origin& origin) {
    (void)origin;
    add(record);
  }
  // A record with what connection_tracker measured. `emit` false: left out
  // by --changes-only but still counted in the summary; `delta.closed`:
  // the last values of a connection that is gone, not counted.
  virtual void add_tracked(const connection_record& record, const record_delta& delta, bool emit) {
    (void)delta;
    if (emit) add(record);
  }
};

}  // namespace tcpstats::reader
