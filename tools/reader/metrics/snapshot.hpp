#pragma once
// One pass's metrics as the endpoint serves them: built by the aggregator
// when a pass completes, never changed afterwards, and shared with the HTTP
// threads through snapshot_store (a scrape reads the last completed pass;
// it never reads the kernel).

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/pass.hpp"
#include "tcpstats/tcp_state.hpp"

namespace tcpstats::reader::metrics {

// tcpstats_rtt_seconds's upper bounds: 1-2.5-5 per decade from 10 µs to
// 10 s (loopback RTTs sit near 10-50 µs, satellite links near 600 ms),
// plus +Inf. `le` is spelled the same in both formats so that a scrape in
// either gives the same series.
inline constexpr std::size_t rtt_bucket_count = 19;
inline constexpr std::array<std::uint32_t, rtt_bucket_count> rtt_bucket_us = {
    10,     25,     50,      100,     250,     500,       1'000,     2'500,     5'000,     10'000,
    25'000, 50'000, 100'000, 250'000, 500'000, 1'000'000, 2'500'000, 5'000'000, 10'000'000};
inline constexpr std::array<std::string_view, rtt_bucket_count> rtt_bucket_le = {
    "1e-05", "2.5e-05", "5e-05", "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01",
    "0.025", "0.05",    "0.1",   "0.25",   "0.5",     "1",      "2.5",   "5",      "10"};

// A connection's state as the `state` label: the library's state name in
// lower case (established, time_wait, syn_received, ...); index
// tcp_state_count is a state number the kernel reported but no table knows.
inline constexpr std::size_t state_label_count = tcp_state_count + 1;
[[nodiscard]] std::string_view state_label(std::size_t index);

// The connection whose RTT is the largest of its bucket: an OpenMetrics
// exemplar. `labels` is its label set, rendered ("socket_id=\"42\"", or
// the 4-tuple when the source gives no socket id).
struct exemplar {
  std::string labels;
  std::uint32_t rtt_us = 0;
};

// Live connections' smoothed RTTs: per bucket (not cumulative), then +Inf.
struct rtt_histogram {
  std::array<std::uint64_t, rtt_bucket_count + 1> buckets{};
  std::uint64_t count = 0;
  std::uint64_t sum_us = 0;
  std::array<std::optional<exemplar>, rtt_bucket_count + 1> exemplars;
};

// Times are integers (microseconds, nanoseconds), written as exact
// decimal seconds.

// Everything exported for one label set (a service port, or "other"; with
// --processes also a command).
struct label_set {
  std::string port;     // "443", or "other"
  std::string command;  // with --processes: the command, "" when unknown, "other"
  std::string cgroup;   // with --cgroups: the cgroup's path, "" when unknown, "other"
  // Live connections per state; a state is present once a connection of
  // this set has been in it (0 is then a real count).
  std::array<std::optional<std::uint64_t>, state_label_count> connections;
  // Counters that never go down: absent until a connection of this set
  // carried the counter (FreeBSD's pcblist has no byte counters).
  std::optional<std::uint64_t> bytes_sent, bytes_received, retransmitted_segments, sent_segments;
  // Live connections' smoothed RTTs. Absent until a connection of this set
  // had an RTT.
  std::optional<rtt_histogram> rtt;
};

struct snapshot {
  bool command_label = false;  // --processes
  bool cgroup_label = false;   // --cgroups
  std::vector<label_set> sets;  // ordered by port number, "other" last
  std::optional<system_counters> host;
  // Self-metrics.
  std::uint64_t passes = 0;         // completed passes
  std::uint64_t failed_passes = 0;  // passes whose read or decode failed
  std::uint64_t last_pass_ns = 0;   // how long the last completed pass took
  std::uint64_t last_pass_timestamp_ns = 0;  // when it was read (Unix time); 0 = unknown
  std::uint64_t label_sets_dropped = 0;    // label sets folded into "other" by the bound
  // Linux socket destroy events the kernel could not queue; absent when the
  // run does not listen to them.
  std::optional<std::uint64_t> destroy_events_dropped;
};

// Where the collection loop publishes each pass and the HTTP threads find
// the last one: a scrape holds the mutex only to copy a pointer.
class snapshot_store {
 public:
  void publish(std::shared_ptr<const snapshot> next) {
    const std::lock_guard lock(mutex_);
    current_ = std::move(next);
  }
  [[nodiscard]] std::shared_ptr<const snapshot> current() const {
    const std::lock_guard lock(mutex_);
    return current_;
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const snapshot> current_;
};

}  // namespace tcpstats::reader::metrics
