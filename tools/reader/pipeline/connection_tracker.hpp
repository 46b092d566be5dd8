#pragma once
// Follows connections from pass to pass (--deltas, --changes-only): their
// deltas and rates, whether anything changed, and the ones that closed.
//
// Identity: the socket (macOS and FreeBSD xso_so, Linux the socket cookie)
// with the PCB generation where there is one (inp_gencnt); the 4-tuple for
// records without a socket (FreeBSD syncache entries). The same identity
// with another 4-tuple is a new connection, the old one closed.
//
// Memory: one entry per live connection, released when it closes: its
// identity, 4-tuple, first-seen time, the counters deltas need, and its
// last record in protobuf wire form (what a closed record is rebuilt from).
// bench/README.md has the measured cost per connection.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>

#include "core/pass.hpp"
#include "core/record_delta.hpp"
#include "codec/record_fields.hpp"
#include "codec/wire_decoder.hpp"
#include "codec/wire_encoder.hpp"

namespace tcpstats::reader {

class connection_tracker {
 public:
  explicit connection_tracker(bool changes_only) : changes_only_(changes_only) {}

  // Receives the records observe() and finish_pass() pass on: `emit` false
  // means left out by --changes-only (still counted in the summary).
  using record_consumer = std::function<void(const connection_record&, const record_delta&, bool emit)>;

  // Starts pass `sequence` (1, 2, ...). `clock_ns` is when it was read on a
  // clock common to all passes, when known (ages and rates need it).
  void start_pass(std::uint64_t sequence, std::optional<std::uint64_t> clock_ns);

  // One record of the pass, in kernel order. Hands `out` the record with
  // its delta (after the closed record of a connection whose identity it
  // reuses).
  void observe(const connection_record& record, const record_consumer& out);

  // Hands `out` a closed record for every connection not seen in this pass
  // and, in commit mode, forgets them.
  void finish_pass(const record_consumer& out);

  // The counts of the pass just finished; absent for the first pass.
  [[nodiscard]] std::optional<tracker_counts> counts() const;

  // The time between this pass and the previous one, when both clocks are known.
  [[nodiscard]] std::optional<std::uint64_t> elapsed_ns() const { return elapsed_ns_; }

  [[nodiscard]] std::size_t live_connections() const { return connections_.size(); }

  // Empty unless a closed connection's record could not be rebuilt (a bug
  // between the wire encoder and decoder); the pass is then incomplete.
  [[nodiscard]] const std::string& error() const { return error_; }

  // The record counters deltas are taken of: those delta_fields names
  // (codec/record_fields.hpp), in its order.
  static constexpr std::size_t counter_count = [] {
    std::size_t n = 0;
    std::apply([&](const auto&... f) { ((n += f.counter != nullptr ? 1 : 0), ...); }, delta_fields);
    return n;
  }();

 private:
  struct flow {
    std::array<std::uint8_t, 16> local{}, remote{};
    std::uint32_t local_scope = 0, remote_scope = 0;
    std::uint16_t local_port = 0, remote_port = 0;
    std::uint8_t family = 0;
    friend bool operator==(const flow&, const flow&) = default;
  };
  struct identity {
    std::uint64_t socket = 0, generation = 0;
    flow tuple;  // only for records without a socket
    friend bool operator==(const identity&, const identity&) = default;
  };
  struct identity_hash {
    std::size_t operator()(const identity& id) const noexcept;
  };
  struct counters {
    std::array<std::uint64_t, counter_count> value{};
    std::uint32_t present = 0;  // bit per counter
    static_assert(counter_count <= 32);
  };
  struct entry {
    flow tuple;
    std::optional<std::uint64_t> first_seen_ns;
    std::uint64_t seen_in = 0;      // the last pass that saw it
    counters last;
    // The last record's wire bytes: the fields that count as a change, then
    // (from changes_size on) the timers and ages.
    std::string last_record;
    std::uint32_t changes_size = 0;
  };

  static flow flow_of(const connection_record& r);
  static identity identity_of(const connection_record& r, const flow& tuple);
  static counters counters_of(const connection_record& r);
  record_delta delta_between(const entry& before, const counters& now) const;
  // False (with `error`) when the stored record does not decode.
  bool emit_closed(const entry& e, const record_consumer& out, std::string& error);

  bool changes_only_;
  std::uint64_t sequence_ = 0;
  std::uint64_t previous_sequence_ = 0;  // 0 before the first committed pass
  bool has_previous_ = false;
  std::optional<std::uint64_t> clock_ns_, previous_clock_ns_, elapsed_ns_;
  tracker_counts counts_;
  std::unordered_map<identity, entry, identity_hash> connections_;
  std::array<char, 2 * max_record_wire_size(0)> scratch_{};  // both parts of one record
  decoded_record closed_;
  std::string error_;
};

}  // namespace tcpstats::reader
