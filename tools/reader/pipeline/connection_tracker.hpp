#pragma once
// Follows connections from pass to pass (--deltas, --changes-only): their
// deltas and rates, whether anything changed, and the ones that closed.
//
// Identity: the socket (macOS and FreeBSD xso_so, Linux the socket cookie)
// with the PCB generation where there is one (inp_gencnt); the 4-tuple for
// records without a socket (FreeBSD syncache entries). The same identity
// with another 4-tuple is a new connection, the old one closed.
//
// Memory: one entry per live connection (a closed one's entry and record
// room go to the next new connection; the tables do not shrink): its
// identity, 4-tuple, first-seen time, the counters deltas need, and its
// last record (what its closed record is rebuilt from): a copy of the bytes
// it was decoded from when the decoder offers them (record_origin, Linux),
// else packed (pipeline/packed_record.hpp; --changes-only always packs,
// and compares the packed fields). bench/README.md has the measured cost
// per connection.

#include <array>
#include <deque>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/pass.hpp"
#include "core/record_delta.hpp"
#include "codec/record_fields.hpp"
#include "core/page_region.hpp"
#include "pipeline/packed_record.hpp"

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

  // Makes room for `connections` records in one step, before a pass that
  // has about as many: growing table by table costs a copy and fresh small
  // pages each time (bench/README.md). Only a hint: any value is safe.
  void reserve(std::size_t connections);

  // One record of the pass, in kernel order, with the bytes it came from
  // when the decoder offers them. Hands `out` the record with its delta
  // (after the closed record of a connection whose identity it reuses).
  void observe(const connection_record& record, const record_consumer& out, const record_origin* origin = nullptr);

  // Hands `out` a closed record for every connection not seen in this pass
  // and, in commit mode, forgets them.
  void finish_pass(const record_consumer& out);

  // Linux socket destroy events. Call after start_pass(), before observe():
  // the pass has events, and `complete` says none was lost since the
  // previous pass. Then a connection missing from the table whose socket the
  // kernel has yet to free (not TIME_WAIT, not a request) waits one pass for
  // its event; without events, or after a loss, it is closed from polling.
  // And a TIME_WAIT entry no pass saw (after the first) waits one pass for
  // the event of the socket it followed before it counts as new.
  void expect_destroy_events(bool complete);

  // One socket the kernel freed since the previous pass, with its final
  // values (sock_diag::materialize of its destroy message). A tracked
  // connection (same cookie) gets its closed record from them, with its
  // deltas since its last pass, its first-seen age, and the owner fields a
  // destroy message lacks (uid, inode, pid, fd, command, congestion
  // control, cgroup) from its last record, and is forgotten. Any other socket with
  // a peer gets a closed record without deltas, if `keep_untracked` says so
  // (the filters); one without a peer (a listener, a socket never
  // connected, or one the kernel disconnected and zeroed) was no
  // connection. A TIME_WAIT entry with its 4-tuple that follows is not a
  // new connection; an event for a connection already closed from polling
  // is ignored.
  using record_predicate = std::function<bool(const connection_record&)>;
  void observe_destroyed(const connection_record& final_values, const record_predicate& keep_untracked,
                         const record_consumer& out);

  // The counts of the pass just finished; absent for the first pass.
  [[nodiscard]] std::optional<tracker_counts> counts() const;
  // Of the pass's closed records, those that came from destroy events.
  [[nodiscard]] std::uint32_t closed_by_events() const { return closed_by_events_; }
  [[nodiscard]] std::uint32_t closed_by_polling() const { return counts_.closed - closed_by_events_; }

  // The time between this pass and the previous one, when both clocks are known.
  [[nodiscard]] std::optional<std::uint64_t> elapsed_ns() const { return elapsed_ns_; }

  [[nodiscard]] std::size_t live_connections() const { return index_.size(); }

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
    // Addresses word by word: std::array's == is a call to memcmp here, up
    // to three a record.
    friend bool operator==(const flow& a, const flow& b) noexcept {
      return same_address(a.local, b.local) && same_address(a.remote, b.remote) && a.local_scope == b.local_scope &&
             a.remote_scope == b.remote_scope && a.local_port == b.local_port && a.remote_port == b.remote_port &&
             a.family == b.family;
    }
    static bool same_address(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b) noexcept {
      std::uint64_t x[2], y[2];
      std::memcpy(x, a.data(), sizeof x);
      std::memcpy(y, b.data(), sizeof y);
      return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
    }
  };
  struct identity {
    std::uint64_t socket = 0, generation = 0;
    flow tuple;  // only for records without a socket
    friend bool operator==(const identity& a, const identity& b) {
      return a.socket == b.socket && a.generation == b.generation && (a.socket != 0 || a.tuple == b.tuple);
    }
  };
  struct identity_hash {
    std::size_t operator()(const identity& id) const noexcept;
  };
  struct counters {
    std::array<std::uint64_t, counter_count> value{};
    std::uint32_t present = 0;  // bit per counter
    static_assert(counter_count <= 32);
  };
  static constexpr std::uint32_t none = ~std::uint32_t{0};
  // A connection, at a position in entries_ that stays its own while it
  // lives (a closed one's position, and its record space, go to a later
  // connection).
  struct entry {
    std::uint64_t socket = 0, generation = 0;
    flow tuple;
    std::optional<std::uint64_t> first_seen_ns;
    std::uint64_t seen_in = 0;  // the last pass that saw it
    counters last;
    // The last record, at records_ + record_at: the bytes `rebuild` gives
    // it back from, or (rebuild null) packed: the fields that count as a
    // change, then (from changes_size on) the timers and ages.
    std::size_t record_at = 0;
    decltype(record_origin::rebuild) rebuild = nullptr;
    std::uint32_t record_size = 0, record_room = 0, changes_size = 0;
    // The position of the entry seen after it in the last pass that saw it:
    // where the next record of a pass is looked for first.
    std::uint32_t next = none;
    bool live = false;
    bool awaits_event = false;  // a socket the kernel reports when it frees it
    bool missed = false;        // missing from the last pass, waiting for its event
  };
  struct flow_hash {
    std::size_t operator()(const flow& f) const noexcept;
  };

  static flow flow_of(const connection_record& r);
  static identity identity_of(const connection_record& r, const flow& tuple);
  static counters counters_of(const connection_record& r);
  record_delta delta_between(const entry& before, const counters& now) const;
  static identity identity_of(const entry& e);
  [[nodiscard]] std::uint32_t find(const identity& id) const;
  std::uint32_t add(const identity& id, const flow& tuple);
  void remove(std::uint32_t position);
  void follows(std::uint32_t position);
  [[nodiscard]] std::span<const char8_t> record_of(const entry& e) const {
    return {reinterpret_cast<const char8_t*>(records_.data()) + e.record_at, e.record_size};
  }
  void store_record(entry& e, std::span<const char8_t> bytes);
  // The connection's last record, into `out`.
  void last_record(const entry& e, connection_record& out) const;
  void grow_records(std::size_t more);
  // Room a record gets beyond its size when it moves, to grow a little (a
  // congestion algorithm's name, a timer) without moving again.
  static constexpr std::size_t record_slack = 64;
  // A Linux socket's message is about 480 bytes (18,000 loopback sockets,
  // bench/README.md); packed, its record takes about as many.
  static constexpr std::size_t expected_record_room = 496 + record_slack;
  void emit_closed(const entry& e, const record_consumer& out);
  void remember_polled_close(std::uint64_t cookie);
  // How many cookies closed from polling are remembered for a late event.
  static constexpr std::size_t max_polled_closes = 65536;

  bool changes_only_;
  std::uint64_t sequence_ = 0;
  std::uint64_t previous_sequence_ = 0;  // 0 before the first committed pass
  bool has_previous_ = false;
  std::optional<std::uint64_t> clock_ns_, previous_clock_ns_, elapsed_ns_;
  tracker_counts counts_;
  // The connections: entries at stable positions (free ones reused), an
  // index by identity, and their packed records in one region. A pass
  // meets them in the order the previous one did (the kernel's table order
  // holds while connections live), so entries are looked for first where
  // the last one's `next` points: memory read in order, hashing only for
  // what moved or is new. bench/README.md has the measurements.
  page_vector<entry> entries_;
  std::vector<std::uint32_t> free_;
  std::unordered_map<identity, std::uint32_t, identity_hash> index_;
  std::uint32_t head_ = none;      // the first entry the last pass saw
  std::uint32_t expected_ = none;  // where the next record is looked for first
  std::uint32_t previous_ = none;  // the entry this pass saw last
  // The last records (copies or packed), on pages of their own
  // (page_region). Growing moves the live records to a region twice as
  // large, leaving out the room of closed connections.
  page_region records_;
  std::size_t records_used_ = 0;
  std::array<char8_t, 2 * packed::max_part_size> scratch_{};  // both parts of one record
  connection_record closed_, last_;  // unpacked records

  // Destroy events (this pass's, then what outlives a pass).
  bool events_ = false, events_complete_ = false;
  std::uint32_t closed_by_events_ = 0;
  std::unordered_set<std::uint64_t> destroyed_now_;  // cookies destroyed this pass
  // 4-tuples of destroyed sockets, with the last pass that destroyed them
  // or saw their TIME_WAIT entry: kept for the next pass, then while seen.
  std::unordered_map<flow, std::uint64_t, flow_hash> destroyed_flows_;
  // TIME_WAIT entries no pass saw before, held back one pass (the pass
  // they were first seen in) for their socket's event.
  std::unordered_map<identity, std::uint64_t, identity_hash> held_time_waits_;
  // Cookies closed from polling whose event may still come (oldest first).
  std::unordered_set<std::uint64_t> polled_closed_;
  std::deque<std::uint64_t> polled_order_;
};

}  // namespace tcpstats::reader
