// connection_tracker: identities, deltas and rates, counters that go
// backwards, --changes-only, closed connections, reused identities, and the
// measuring pass agreeing with the committing one.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/connection_tracker.hpp"
#include "codec/wire_encoder.hpp"
#include "packed_origin.hpp"

namespace reader = tcpstats::reader;
using tcpstats::connection_record;

namespace {

struct seen {
  connection_record record;
  reader::record_delta delta;
  bool emit = false;
};

// A Linux-like established connection: socket cookie `cookie`, 10.0.0.1:port -> 10.0.0.2:443.
connection_record linux_connection(std::uint64_t cookie, std::uint16_t port) {
  connection_record r;
  r.local_address = tcpstats::ip_address{tcpstats::ip_family::ipv4, {10, 0, 0, 1}, 0};
  r.remote_address = tcpstats::ip_address{tcpstats::ip_family::ipv4, {10, 0, 0, 2}, 0};
  r.local_port = port;
  r.remote_port = 443;
  r.state = tcpstats::tcp_state::established;
  r.socket_id = cookie;
  r.bytes_acked = 1000;
  r.bytes_received = 500;
  r.bytes_retrans = 0;
  r.total_retrans = 0;
  r.segs_out = 10;
  r.segs_in = 8;
  r.lost = 0;
  r.rtt_us = 900;
  r.timer_expires_ms = 200;
  r.last_data_sent_ms = 5;
  return r;
}

class pass_runner {
 public:
  // `origins`: records come with the bytes they were decoded from.
  explicit pass_runner(bool changes_only, bool origins = false) : tracker(changes_only), origins_(origins) {}

  // `expected`: the size hint a decoder gives (pass_info::record_count).
  std::vector<seen> run(const std::vector<connection_record>& records, std::optional<std::uint64_t> clock_ns,
                        std::optional<std::size_t> expected = std::nullopt) {
    std::vector<seen> out;
    const reader::connection_tracker::record_consumer consume =
        [&out](const connection_record& r, const reader::record_delta& d, bool emit) {
          out.push_back({r, d, emit});
        };
    tracker.start_pass(++sequence, clock_ns);
    if (expected) tracker.reserve(*expected);
    for (const auto& r : records) observe(tracker, r, consume, origins_);
    tracker.finish_pass(consume);
    return out;
  }

  reader::connection_tracker tracker;
  std::uint64_t sequence = 0;

 private:
  bool origins_;
};

}  // namespace

TEST_CASE("deltas and rates between two passes", "[reader][tracker]") {
  pass_runner passes(false);
  auto r = linux_connection(0xc0ffee, 40000);
  const auto first = passes.run({r}, 1'000'000'000);
  REQUIRE(first.size() == 1);
  CHECK(first[0].emit);
  CHECK_FALSE(first[0].delta.bytes_acked);  // absent on the first sighting
  CHECK_FALSE(first[0].delta.first_seen_age_ms);
  CHECK_FALSE(passes.tracker.counts());     // no previous pass to compare with

  r.bytes_acked = 1000 + 4096;
  r.bytes_received = 500 + 100;
  r.bytes_retrans = 1448;
  r.total_retrans = 1;
  r.segs_out = 16;
  r.segs_in = 12;
  r.lost = 1;
  const auto second = passes.run({r}, 3'000'000'000);  // 2 s later
  REQUIRE(second.size() == 1);
  const auto& d = second[0].delta;
  CHECK(d.bytes_acked == 4096u);
  CHECK(d.bytes_received == 100u);
  CHECK(d.bytes_retrans == 1448u);
  CHECK(d.total_retrans == 1u);
  CHECK(d.segs_out == 6u);
  CHECK(d.segs_in == 4u);
  CHECK(d.lost == 1);
  CHECK(d.tx_bytes_per_sec == 2048.0);
  CHECK(d.rx_bytes_per_sec == 50.0);
  CHECK(d.retransmits_per_sec == 0.5);
  CHECK(d.retransmitted_bytes_per_sec == 724.0);
  CHECK(d.first_seen_age_ms == 2000u);
  CHECK_FALSE(d.tx_bytes);  // macOS counters: absent on Linux records
  CHECK_FALSE(d.closed);
  REQUIRE(passes.tracker.counts());
  CHECK(passes.tracker.counts()->new_connections == 0);
  CHECK(passes.tracker.elapsed_ns() == 2'000'000'000u);
}

TEST_CASE("a counter that goes backwards has no delta; a gauge may fall", "[reader][tracker]") {
  pass_runner passes(false);
  auto r = linux_connection(7, 40001);
  r.bytes_acked = 0xffff'ffff'ffff'ff00u;
  r.lost = 3;
  (void)passes.run({r}, 1'000'000'000);
  r.bytes_acked = 0x10;  // wrapped (or reset)
  r.lost = 1;
  r.segs_out = 11;
  const auto second = passes.run({r}, 2'000'000'000);
  REQUIRE(second.size() == 1);
  CHECK_FALSE(second[0].delta.bytes_acked);
  CHECK_FALSE(second[0].delta.tx_bytes_per_sec);
  CHECK(second[0].delta.lost == -2);
  CHECK(second[0].delta.segs_out == 1u);
}

TEST_CASE("macOS int32 deltas that would overflow are absent", "[reader][tracker]") {
  pass_runner passes(false);
  connection_record r = linux_connection(9, 40002);
  r.rexmit_packets = 0;
  r.tx_bytes = 0;
  (void)passes.run({r}, std::nullopt);
  r.rexmit_packets = 0x8000'0000u;  // 2^31: beyond int32
  r.tx_bytes = 77;
  const auto second = passes.run({r}, std::nullopt);
  CHECK_FALSE(second[0].delta.rexmit_packets);
  CHECK(second[0].delta.tx_bytes == 77);
  CHECK_FALSE(second[0].delta.tx_bytes_per_sec);  // no clock, no rates
  CHECK_FALSE(second[0].delta.first_seen_age_ms);
}

TEST_CASE("--changes-only ignores timers and ages, not counters or state", "[reader][tracker]") {
  pass_runner passes(true);
  auto a = linux_connection(1, 40010);
  auto b = linux_connection(2, 40011);
  auto c = linux_connection(3, 40012);
  (void)passes.run({a, b, c}, 1'000'000'000);

  a.timer_expires_ms = 150;  // timers and ages move with time alone
  a.last_data_sent_ms = 1005;
  b.segs_in = 9;             // a counter
  c.state = tcpstats::tcp_state::close_wait;
  const auto second = passes.run({a, b, c}, 2'000'000'000);
  REQUIRE(second.size() == 3);
  CHECK_FALSE(second[0].emit);
  CHECK(second[1].emit);
  CHECK(second[1].delta.segs_in == 1u);
  CHECK(second[2].emit);
  REQUIRE(passes.tracker.counts());
  CHECK(passes.tracker.counts()->unchanged == 1);
}

TEST_CASE("a connection that is gone gets a closed record with its last values", "[reader][tracker]") {
  pass_runner passes(false);
  auto a = linux_connection(1, 40020);
  auto b = linux_connection(2, 40021);
  b.pid = 4242;
  b.command = tcpstats::short_name("curl");
  (void)passes.run({a, b}, 1'000'000'000);
  CHECK(passes.tracker.live_connections() == 2);
  const auto second = passes.run({a}, 2'000'000'000);
  REQUIRE(second.size() == 2);
  const seen& closed = second[1];
  CHECK(closed.delta.closed);
  CHECK(closed.emit);
  CHECK(closed.record.local_port == 40021);
  CHECK(closed.record.pid == 4242);
  CHECK(closed.record.command->view() == "curl");
  CHECK(closed.record.timer_expires_ms == 200u);  // timers too: every last value
  CHECK(closed.record.bytes_acked == 1000u);
  CHECK(passes.tracker.counts()->closed == 1);
  CHECK(passes.tracker.live_connections() == 1);  // its state is released
  const auto third = passes.run({a}, 3'000'000'000);
  CHECK(third.size() == 1);  // closed only once
}

TEST_CASE("an identity with another 4-tuple is a new connection", "[reader][tracker]") {
  pass_runner passes(false);
  auto old_one = linux_connection(5, 40030);
  (void)passes.run({old_one}, 1'000'000'000);
  auto new_one = linux_connection(5, 40031);  // same cookie, other port
  new_one.bytes_acked = 5000;
  const auto second = passes.run({new_one}, 2'000'000'000);
  REQUIRE(second.size() == 2);
  CHECK(second[0].delta.closed);
  CHECK(second[0].record.local_port == 40030);
  CHECK_FALSE(second[1].delta.closed);
  CHECK_FALSE(second[1].delta.bytes_acked);  // new: no delta
  CHECK(passes.tracker.counts()->new_connections == 1);
  CHECK(passes.tracker.counts()->closed == 1);
  new_one.bytes_acked = 5100;
  const auto third = passes.run({new_one}, 3'000'000'000);
  REQUIRE(third.size() == 1);
  CHECK(third[0].delta.bytes_acked == 100u);
  CHECK(third[0].delta.first_seen_age_ms == 1000u);  // first seen when it replaced the old one
}

TEST_CASE("socket plus generation identify BSD records; the 4-tuple those without a socket",
          "[reader][tracker]") {
  pass_runner passes(false);
  auto pcb = linux_connection(0x2000, 40040);
  pcb.inp_gencnt = 10;
  auto syncache = linux_connection(0, 40041);
  syncache.socket_id.reset();
  syncache.state = tcpstats::tcp_state::syn_received;
  (void)passes.run({pcb, syncache}, std::nullopt);
  auto next_pcb = pcb;
  next_pcb.inp_gencnt = 11;  // the same socket address, a new PCB: a new connection
  syncache.segs_in = 9;
  const auto second = passes.run({next_pcb, syncache}, std::nullopt);
  REQUIRE(second.size() == 3);
  CHECK_FALSE(second[0].delta.segs_in);  // new
  CHECK(second[1].delta.segs_in == 1u);  // the syncache entry, found by its 4-tuple
  CHECK(second[2].delta.closed);         // generation 10 is gone
  CHECK(second[2].record.inp_gencnt == 10u);
}

TEST_CASE("the same identity twice in one pass is passed on without a delta", "[reader][tracker]") {
  pass_runner passes(false);
  auto r = linux_connection(8, 40050);
  (void)passes.run({r}, std::nullopt);
  const auto second = passes.run({r, r}, std::nullopt);
  REQUIRE(second.size() == 2);
  CHECK(second[0].delta.segs_in == 0u);
  CHECK_FALSE(second[1].delta.segs_in);
  CHECK(passes.tracker.live_connections() == 1);
}

TEST_CASE("one pass with closes, a reused identity, a new and a duplicate connection", "[reader][tracker]") {
  for (const bool changes_only : {false, true}) {
    pass_runner passes(changes_only);
    std::vector<connection_record> pass1, pass2;
    for (std::uint16_t i = 0; i < 20; ++i) pass1.push_back(linux_connection(100 + i, 41000 + i));
    pass2 = pass1;
    pass2.erase(pass2.begin() + 3);                        // closed
    pass2[0].segs_out = 99;                                // changed
    pass2[1].local_port = 50000;                           // identity reused
    pass2.push_back(linux_connection(999, 42000));         // new
    pass2.push_back(pass2[5]);                             // duplicate
    pass2[6].timer_expires_ms = 1;                         // timer only
    (void)passes.run(pass1, 1'000'000'000);
    (void)passes.run(pass2, 2'000'000'000);
    REQUIRE(passes.tracker.counts());
    CHECK(passes.tracker.counts()->new_connections == 2);
    CHECK(passes.tracker.counts()->closed == 2);
    CHECK(passes.tracker.counts()->unchanged == (changes_only ? 17u : 0u));
  }
}

// The tracker keeps entries at reused positions, looks for each record
// where the previous pass's order says first, and moves records that
// outgrow their room: against a plain model, over passes in shuffled order
// with closes, new connections and records of changing size.
namespace {
constexpr std::optional<std::uint64_t> connection_record::*wide_fields[] = {
    &connection_record::pacing_rate_bytes_per_sec, &connection_record::max_pacing_rate_bytes_per_sec,
    &connection_record::delivery_rate_bytes_per_sec, &connection_record::busy_time_us,
    &connection_record::rwnd_limited_us, &connection_record::sndbuf_limited_us,
    &connection_record::bytes_sent};
std::size_t wide_set(const connection_record& r) {
  std::size_t n = 0;
  for (const auto field : wide_fields) n += (r.*field).has_value() ? 1 : 0;
  return n;
}
}  // namespace

TEST_CASE("many passes in changing order, with closes, new connections and growing records",
          "[reader][tracker]") {
  std::mt19937_64 random(20261130);
  // --changes-only (packed records, compared), --deltas packing, and
  // --deltas keeping each record's origin bytes.
  const auto [changes_only, origins] = GENERATE(std::pair{true, false}, std::pair{false, false}, std::pair{false, true});
  CAPTURE(changes_only, origins);
  pass_runner passes(changes_only, origins);
  std::map<std::uint64_t, connection_record> live;  // the model: cookie -> last record
  std::uint64_t next_cookie = 1;
  for (int pass = 1; pass <= 30; ++pass) {
    std::map<std::uint64_t, connection_record> now;
    for (const auto& [cookie, r] : live) {
      if (random() % 10 == 0) continue;  // closes
      now[cookie] = r;
    }
    for (int i = 0; i < 150; ++i) {
      const std::uint64_t cookie = next_cookie++;
      now[cookie] = linux_connection(cookie, static_cast<std::uint16_t>(1024 + cookie % 60000));
    }
    std::vector<connection_record> records;
    for (auto& [cookie, r] : now) {
      if (random() % 5 == 0) *r.bytes_acked += random() % 5000;
      // A name of 0 to 15 bytes, and 0 to 7 more 8-byte fields: the packed
      // record grows past its room (and moves) and shrinks.
      // Most records stay as they were: what --changes-only compares.
      if (random() % 5 == 0) {
        const std::string name(random() % 16, 'c');
        r.cc_algo = tcpstats::short_name::from_untrusted(name);
      }
      const std::size_t extra = random() % 5 == 0 ? random() % (std::size(wide_fields) + 1) : wide_set(r);
      for (std::size_t i = 0; i < std::size(wide_fields); ++i) {
        auto& field = r.*wide_fields[i];
        if (i < extra) {
          field = 7 * i;
        } else {
          field.reset();
        }
      }
      records.push_back(r);
    }
    // Mostly the order of the last pass, sometimes another.
    if (pass % 4 == 0) std::shuffle(records.begin(), records.end(), random);

    // A size hint that is absent, short, right or far too large changes
    // nothing but where the tables grow.
    const std::optional<std::size_t> hints[] = {std::nullopt, records.size() / 3, records.size(), 4 * records.size()};
    const auto out = passes.run(records, static_cast<std::uint64_t>(pass) * 1'000'000'000, hints[pass % 4]);
    std::set<std::uint64_t> closed, seen;
    for (const auto& s : out) {
      const std::uint64_t cookie = *s.record.socket_id;
      if (s.delta.closed) {
        REQUIRE(live.count(cookie) == 1);
        CHECK(s.record == live[cookie]);  // its last values
        closed.insert(cookie);
        continue;
      }
      seen.insert(cookie);
      if (const auto before = live.find(cookie); before != live.end()) {
        REQUIRE(s.delta.bytes_acked);
        CHECK(*s.delta.bytes_acked == *s.record.bytes_acked - *before->second.bytes_acked);
        CHECK(s.emit == (!changes_only || *s.delta.bytes_acked != 0 || s.record.cc_algo != before->second.cc_algo ||
                         wide_set(s.record) != wide_set(before->second)));
      } else {
        CHECK_FALSE(s.delta.bytes_acked);
      }
    }
    CHECK(seen.size() == now.size());
    std::size_t gone = 0;
    for (const auto& [cookie, r] : live) gone += now.count(cookie) == 0 ? 1 : 0;
    CHECK(closed.size() == gone);
    live = now;
    for (const auto& r : records) live[*r.socket_id] = r;
    CHECK(passes.tracker.live_connections() == live.size());
  }
}
