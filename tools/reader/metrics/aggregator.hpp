#pragma once
// Turns passes into metrics snapshots (--listen). Sits behind the
// connection tracker: it receives every live record of a pass and the
// tracker's closed records (the last values of connections that are gone),
// then builds the snapshot in finish_pass().
//
// Counters never go down. Each connection's counters (bytes sent and
// received, segments sent and retransmitted) are followed from pass to pass; what
// they grew by is added to the label set the connection belongs to in that
// pass, and a connection first seen adds all it carried. A closed record
// adds what its final values exceed the last pass's by (nothing more when
// the final values are the last pass's; more when a source reports a
// connection's very end). So a label set's counter is a running sum of
// increments: connections closing, or moving between label sets, never
// take anything back, and rate() stays right across connection churn.
//
// The label bound (--max-ports N): a connection's service port is its
// local port when some socket of the pass listens on that port, else its
// remote port. At most N label sets are admitted, busiest first (by the
// connections of the pass that ask, live or closed in it); the rest are
// counted under "other". So that series do not flap, an admitted set keeps
// its place for at least `min_residency_passes`; after that, a waiting set
// with more than twice its connections takes the place of the least busy
// one; one whose connections carry data may do so at once when that one
// never carried anything (a port only listened on). An evicted set keeps
// its counters, so if it comes back they continue instead of resetting.

#include <array>
#include <functional>
#include <bitset>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/pass.hpp"
#include "metrics/snapshot.hpp"

namespace tcpstats::reader::metrics {

struct aggregator_options {
  std::size_t max_label_sets = 100;          // --max-ports
  std::uint64_t min_residency_passes = 60;    // passes an admitted set keeps its place
  bool command_label = false;                 // --processes
  // --cgroups (Linux): a cgroup id's path, "" when unknown; set, it adds
  // the cgroup label.
  std::function<std::string_view(std::uint64_t)> cgroup_path;
};

class aggregator final : public record_sink {
 public:
  explicit aggregator(aggregator_options options);

  void start(const pass_info& info) override;
  void add(const connection_record& record) override;
  void add_tracked(const connection_record& record, const record_delta& delta, bool emit) override;

  // The pass whose records just went past is complete: its snapshot.
  // `took_ns`: how long the whole pass took.
  [[nodiscard]] std::shared_ptr<const snapshot> finish_pass(std::uint64_t took_ns);

  // This pass's socket destroy events (Linux) that the kernel dropped;
  // from the first call on, the snapshots count them.
  void add_destroy_events_dropped(std::uint64_t count) {
    destroy_events_dropped_ = destroy_events_dropped_.value_or(0) + count;
  }

  // A pass that could not be read or decoded: the previous snapshot again,
  // with the failure counted.
  [[nodiscard]] std::shared_ptr<const snapshot> fail_pass();

  [[nodiscard]] std::size_t followed_connections() const { return connections_.size(); }

 private:
  // The counters the endpoint exports, as one connection carries them.
  enum counter : unsigned { sent, received, retransmits, segments_sent, counter_count };
  struct counters {
    std::array<std::uint64_t, counter_count> value{};
    std::uint8_t present = 0;  // bit per counter
  };
  // A connection as connection_tracker tells them apart: the socket id with
  // the PCB generation, or the 4-tuple when there is no socket id.
  struct identity {
    std::uint64_t socket = 0, generation = 0;
    std::array<std::uint8_t, 16> local{}, remote{};
    std::uint32_t local_scope = 0, remote_scope = 0;
    std::uint16_t local_port = 0, remote_port = 0;
    friend bool operator==(const identity&, const identity&) = default;
  };
  struct identity_hash {
    std::size_t operator()(const identity& id) const noexcept;
  };
  // A record of the pass, as much of it as the metrics need.
  struct item {
    identity id;
    counters values;
    std::uint16_t local_port = 0, remote_port = 0;
    std::uint8_t state = 0;  // state_label index
    bool closed = false;
    std::optional<std::uint32_t> rtt_us;
    std::string command;
    std::string cgroup;
    // What an exemplar names: the socket id, else the 4-tuple.
    std::optional<std::uint64_t> socket_id;
    std::optional<ip_address> local, remote;
  };
  // A label set's running state across passes.
  struct set_state {
    label_set exported;  // counters, and the states and RTTs it has had
    bool admitted = false;
    bool ever_admitted = false;        // holds counters worth keeping
    std::uint64_t last_busy_pass = 0;  // last pass with a connection
    std::uint64_t admitted_in = 0;     // the pass that admitted it
    std::uint64_t active = 0;          // connections of this pass asking for it (live, or closed in it)
    bool carrying = false;             // one of them has carried data or had an RTT
    // This pass's exemplar per bucket: the largest RTT and its item.
    std::array<std::optional<std::pair<std::uint32_t, std::size_t>>, rtt_bucket_count + 1> best;
  };

  static identity identity_of(const connection_record& r);
  static counters counters_of(const connection_record& r);
  set_state& candidate(const item& it);
  void admit();
  void forget_retired();
  void add_live(set_state& set, const item& it, std::size_t index);
  static std::string exemplar_labels(const item& it);

  aggregator_options options_;
  std::uint64_t pass_ = 0;
  std::optional<system_counters> host_;
  std::uint64_t timestamp_ns_ = 0;
  std::vector<item> items_;
  std::bitset<65536> listening_;
  struct last_values {
    counters values;
    std::uint64_t seen_in = 0;
  };
  std::unordered_map<identity, last_values, identity_hash> connections_;
  // Every label set asked for in this pass, and every set ever admitted
  // (an evicted set keeps its counters), by port, command and cgroup.
  std::unordered_map<std::string, set_state> sets_;
  set_state other_;
  std::size_t admitted_ = 0;
  std::uint64_t dropped_ = 0;  // sets of this pass folded into other_
  std::uint64_t passes_ = 0, failed_passes_ = 0;
  std::optional<std::uint64_t> destroy_events_dropped_;
  std::shared_ptr<const snapshot> last_;
};

}  // namespace tcpstats::reader::metrics
