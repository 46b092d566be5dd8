#pragma once
// What a connection did between two passes, as connection_tracker measures
// it: filled only with --deltas or --changes-only, and written beside the
// record's own fields (TcpSocketRecord 72-77 and 176-190). Each member is
// absent when either pass lacks the counter or the counter went backwards
// (a wrap or a reset: a delta is never negative or huge).

#include <cstdint>
#include <optional>

namespace tcpstats::reader {

struct record_delta {
  std::optional<std::int32_t> rexmit_packets;   // macOS
  std::optional<std::int32_t> ooo_packets;      // macOS
  std::optional<std::int32_t> zerowin_probes;   // macOS
  // Since the tool first saw the connection, when the kernel gives no start
  // time (the record's own connection_age_ms wins when present).
  std::optional<std::uint64_t> first_seen_age_ms;
  std::optional<std::int64_t> tx_bytes;         // macOS
  std::optional<std::int64_t> rx_bytes;         // macOS
  std::optional<std::uint64_t> bytes_acked;     // Linux
  std::optional<std::uint64_t> bytes_received;  // Linux
  std::optional<std::uint64_t> bytes_retrans;   // Linux
  std::optional<std::uint64_t> total_retrans;   // Linux
  std::optional<std::uint64_t> segs_out;        // Linux
  std::optional<std::uint64_t> segs_in;         // Linux
  // tcpi_lost is a gauge (segments now presumed lost), so its change may be
  // negative.
  std::optional<std::int64_t> lost;             // Linux
  // Per second of the measured time between the two passes: bytes sent
  // (tx_bytes, or bytes_acked on Linux), bytes received (rx_bytes, or
  // bytes_received), retransmitted segments (rexmit_packets, or
  // total_retrans) and retransmitted bytes (bytes_retrans, Linux).
  std::optional<double> tx_bytes_per_sec;
  std::optional<double> rx_bytes_per_sec;
  std::optional<double> retransmits_per_sec;
  std::optional<double> retransmitted_bytes_per_sec;
  // The connection is gone: these are its last values.
  bool closed = false;
};

// What connection_tracker saw in a pass, for the summary.
struct tracker_counts {
  std::uint32_t new_connections = 0;
  std::uint32_t closed = 0;
  std::uint32_t unchanged = 0;  // left out by --changes-only
};

}  // namespace tcpstats::reader
