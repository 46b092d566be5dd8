// connection_tracker with Linux socket destroy events: a tracked
// connection's closed record from its final values (deltas, first-seen age,
// owner), connections no pass saw, the TIME_WAIT entry a destroyed socket
// leaves, a connection dumped just before it was freed, waiting one pass for
// a late event, losses completed from polling, all of it in one pass.
#include <catch2/catch.hpp>

#include <vector>

#include "codec/wire_encoder.hpp"
#include "pipeline/connection_tracker.hpp"
#include "packed_origin.hpp"

namespace reader = tcpstats::reader;
using tcpstats::connection_record;

namespace {

struct seen {
  connection_record record;
  reader::record_delta delta;
  bool emit = false;
};

// 127.0.0.1:port -> 127.0.0.1:8080 with socket cookie `cookie`, as a dump shows it.
connection_record dumped(std::uint64_t cookie, std::uint16_t port) {
  connection_record r;
  r.local_address = tcpstats::ip_address{tcpstats::ip_family::ipv4, {127, 0, 0, 1}, 0};
  r.remote_address = tcpstats::ip_address{tcpstats::ip_family::ipv4, {127, 0, 0, 1}, 0};
  r.local_port = port;
  r.remote_port = 8080;
  r.state = tcpstats::tcp_state::established;
  r.kernel_state = 1;
  r.socket_id = cookie;
  r.uid = 1000;
  r.inode = 4242;
  r.pid = 77;
  r.command = tcpstats::short_name("curl");
  r.cc_algo = tcpstats::short_name("cubic");
  r.cgroup_id = 9001;
  r.bytes_acked = 1000;
  r.bytes_received = 500;
  r.segs_out = 10;
  r.segs_in = 8;
  return r;
}

// The same socket as its destroy message materialises: CLOSE, final
// counters, no owner, no congestion control.
connection_record destroyed(std::uint64_t cookie, std::uint16_t port, std::uint64_t acked, std::uint64_t received) {
  connection_record r = dumped(cookie, port);
  r.state = tcpstats::tcp_state::closed;
  r.kernel_state = 7;
  r.uid.reset();
  r.inode.reset();
  r.pid.reset();
  r.command.reset();
  r.cc_algo.reset();
  r.cgroup_id.reset();
  r.bytes_acked = acked;
  r.bytes_received = received;
  r.segs_out = 20;
  r.segs_in = 18;
  return r;
}

// The TIME_WAIT entry a destroyed client socket leaves: same 4-tuple, its
// own cookie when no pass had asked for the socket's.
connection_record time_wait(std::uint64_t cookie, std::uint16_t port) {
  connection_record r;
  r.local_address = tcpstats::ip_address{tcpstats::ip_family::ipv4, {127, 0, 0, 1}, 0};
  r.remote_address = tcpstats::ip_address{tcpstats::ip_family::ipv4, {127, 0, 0, 1}, 0};
  r.local_port = port;
  r.remote_port = 8080;
  r.state = tcpstats::tcp_state::time_wait;
  r.kernel_state = 6;
  r.socket_id = cookie;
  return r;
}

struct events {
  std::vector<connection_record> records;
  bool complete = true;
};

class pass_runner {
 public:
  // `origins`: the table's records come with the bytes they were decoded
  // from (as Linux records do), which the tracker keeps without --changes-only.
  explicit pass_runner(bool changes_only, bool origins = false) : tracker(changes_only), origins_(origins) {}

  // One pass: its destroy events (none: events off), then the table.
  std::vector<seen> run(const std::optional<events>& destroyed, const std::vector<connection_record>& table,
                        std::uint64_t clock_ns) {
    std::vector<seen> out;
    const reader::connection_tracker::record_consumer consume =
        [&out](const connection_record& r, const reader::record_delta& d, bool emit) {
          out.push_back({r, d, emit});
        };
    tracker.start_pass(++sequence, clock_ns);
    if (destroyed) {
      tracker.expect_destroy_events(destroyed->complete);
      for (const auto& r : destroyed->records) tracker.observe_destroyed(r, keep, consume);
    }
    for (const auto& r : table) observe(tracker, r, consume, origins_);
    tracker.finish_pass(consume);
    return out;
  }

  reader::connection_tracker tracker;
  reader::connection_tracker::record_predicate keep = [](const connection_record&) { return true; };
  std::uint64_t sequence = 0;

 private:
  bool origins_;
};

const seen* find(const std::vector<seen>& out, std::uint64_t cookie, bool closed) {
  for (const auto& s : out) {
    if (s.record.socket_id == cookie && s.delta.closed == closed) return &s;
  }
  return nullptr;
}

constexpr std::uint64_t second = 1'000'000'000;

}  // namespace

TEST_CASE("a tracked connection's destroy event gives its closed record with final values", "[reader][tracker][events]") {
  const bool origins = GENERATE(false, true);  // the last record packed, or kept as its origin's bytes
  pass_runner passes(!origins, origins);
  (void)passes.run(events{}, {dumped(5, 40000)}, 1 * second);
  const auto out = passes.run(events{{destroyed(5, 40000, 9000, 700)}, true}, {}, 3 * second);
  REQUIRE(out.size() == 1);
  const seen& closed = out[0];
  CHECK(closed.delta.closed);
  CHECK(closed.emit);
  CHECK(closed.record.bytes_acked == 9000u);  // final, not the 1000 the pass saw
  CHECK(closed.record.state == tcpstats::tcp_state::closed);
  CHECK(closed.delta.bytes_acked == 8000u);   // since the pass that saw it
  CHECK(closed.delta.bytes_received == 200u);
  CHECK(closed.delta.tx_bytes_per_sec == Approx(4000.0));
  CHECK(closed.delta.first_seen_age_ms == 2000u);
  // The owner a destroy message lacks comes from the connection's last record.
  CHECK(closed.record.uid == 1000u);
  CHECK(closed.record.inode == 4242u);
  CHECK(closed.record.pid == 77);
  CHECK(closed.record.command == tcpstats::short_name("curl"));
  CHECK(closed.record.cc_algo == tcpstats::short_name("cubic"));
  CHECK(closed.record.cgroup_id == 9001u);
  REQUIRE(passes.tracker.counts());
  CHECK(passes.tracker.counts()->closed == 1u);
  CHECK(passes.tracker.closed_by_events() == 1u);
  CHECK(passes.tracker.closed_by_polling() == 0u);
  CHECK(passes.tracker.live_connections() == 0u);
  // Forgotten: no second closed record.
  CHECK(passes.run(events{}, {}, 4 * second).empty());
}

TEST_CASE("connections no pass saw get closed records; sockets without a peer do not", "[reader][tracker][events]") {
  pass_runner passes(true);
  (void)passes.run(events{}, {}, 1 * second);
  auto listener = destroyed(8, 8080, 0, 0);
  listener.remote_port = 0;
  listener.remote_address = tcpstats::ip_address{tcpstats::ip_family::ipv4, {0, 0, 0, 0}, 0};
  auto filtered = destroyed(9, 40002, 10, 10);
  passes.keep = [](const connection_record& r) { return r.local_port != 40002; };
  const auto out = passes.run(events{{destroyed(6, 40001, 1002, 501), listener, filtered}, true}, {}, 2 * second);
  REQUIRE(out.size() == 1);
  CHECK(out[0].record.socket_id == 6u);
  CHECK(out[0].delta.closed);
  CHECK_FALSE(out[0].delta.bytes_acked);       // nothing to take a delta from
  CHECK_FALSE(out[0].delta.first_seen_age_ms);
  CHECK_FALSE(out[0].record.uid);              // absent, as the kernel sent it
  CHECK(out[0].record.bytes_acked == 1002u);
  CHECK(passes.tracker.closed_by_events() == 1u);
  CHECK(passes.tracker.counts()->new_connections == 0u);
}

TEST_CASE("the TIME_WAIT entry a destroyed socket leaves is not a new connection", "[reader][tracker][events]") {
  for (const bool changes_only : {true, false}) {
    INFO("changes_only " << changes_only);
    pass_runner passes(changes_only);
    (void)passes.run(events{}, {}, 1 * second);
    // Closed between passes: the event, and its TIME_WAIT entry (another cookie) in the same pass...
    auto out = passes.run(events{{destroyed(6, 40001, 1002, 501)}, true}, {time_wait(4096, 40001)}, 2 * second);
    REQUIRE(out.size() == 2);
    CHECK(out[0].delta.closed);
    CHECK(out[1].record.state == tcpstats::tcp_state::time_wait);
    CHECK_FALSE(out[1].delta.closed);
    CHECK(out[1].emit == !changes_only);
    CHECK(passes.tracker.counts()->new_connections == 0u);
    // ...and in the passes after, while it lasts.
    out = passes.run(events{}, {time_wait(4096, 40001)}, 3 * second);
    REQUIRE(out.size() == 1);
    CHECK(out[0].emit == !changes_only);
    CHECK(passes.tracker.counts()->new_connections == 0u);
    // Its expiry closes nothing.
    CHECK(passes.run(events{}, {}, 4 * second).empty());
    CHECK(passes.tracker.counts()->closed == 0u);
  }
  SECTION("first dumped in the pass after the event") {
    pass_runner passes(true);
    (void)passes.run(events{}, {}, 1 * second);
    (void)passes.run(events{{destroyed(6, 40001, 1002, 501)}, true}, {}, 2 * second);
    const auto out = passes.run(events{}, {time_wait(4096, 40001)}, 3 * second);
    REQUIRE(out.size() == 1);
    CHECK_FALSE(out[0].emit);
    CHECK(passes.tracker.counts()->new_connections == 0u);
  }
  SECTION("a tracked connection's own TIME_WAIT entry, seen before its event came") {
    pass_runner passes(true);
    (void)passes.run(events{}, {dumped(5, 40000)}, 1 * second);
    (void)passes.run(events{}, {time_wait(5, 40000)}, 2 * second);  // the event lags
    const auto out = passes.run(events{{destroyed(5, 40000, 1002, 501)}, true}, {time_wait(5, 40000)}, 3 * second);
    REQUIRE(out.size() == 2);
    CHECK(out[0].delta.closed);
    CHECK(out[0].record.bytes_acked == 1002u);
    CHECK_FALSE(out[1].emit);
    CHECK(passes.run(events{}, {}, 4 * second).empty());  // no second closed record
  }
}

TEST_CASE("a TIME_WAIT entry before its socket's event: held back a pass, not new", "[reader][tracker][events]") {
  SECTION("the event comes by the next pass") {
    pass_runner passes(false);
    (void)passes.run(events{}, {}, 1 * second);
    auto out = passes.run(events{}, {time_wait(4096, 40001)}, 2 * second);
    REQUIRE(out.size() == 1);
    CHECK_FALSE(out[0].emit);  // counted in the summary only
    CHECK(passes.tracker.counts()->new_connections == 0u);
    out = passes.run(events{{destroyed(6, 40001, 1002, 501)}, true}, {time_wait(4096, 40001)}, 3 * second);
    REQUIRE(out.size() == 2);
    CHECK(out[0].delta.closed);
    CHECK(out[1].emit);  // --deltas writes the table's entries
    CHECK(passes.tracker.counts()->new_connections == 0u);
    CHECK(passes.run(events{}, {}, 4 * second).empty());
    CHECK(passes.tracker.counts()->closed == 0u);
  }
  SECTION("no event by the next pass: a connection of its own") {
    pass_runner passes(true);
    (void)passes.run(events{}, {}, 1 * second);
    CHECK(passes.run(events{}, {time_wait(4096, 40001)}, 2 * second).size() == 1);
    const auto out = passes.run(events{}, {time_wait(4096, 40001)}, 3 * second);
    REQUIRE(out.size() == 1);
    CHECK(out[0].emit);
    CHECK(passes.tracker.counts()->new_connections == 1u);
    CHECK(passes.run(events{}, {}, 4 * second).size() == 1);  // and its expiry closes it
  }
  SECTION("gone by the next pass: nothing") {
    pass_runner passes(true);
    (void)passes.run(events{}, {}, 1 * second);
    (void)passes.run(events{}, {time_wait(4096, 40001)}, 2 * second);
    CHECK(passes.run(events{}, {}, 3 * second).empty());
    CHECK(passes.tracker.counts()->closed == 0u);
  }
  SECTION("after a loss a TIME_WAIT entry is new at once; its late event makes its end no close") {
    pass_runner passes(true);
    (void)passes.run(events{}, {}, 1 * second);
    auto out = passes.run(events{{}, false}, {time_wait(4096, 40001)}, 2 * second);
    REQUIRE(out.size() == 1);
    CHECK(out[0].emit);
    CHECK(passes.tracker.counts()->new_connections == 1u);
    out = passes.run(events{{destroyed(6, 40001, 1002, 501)}, true}, {}, 3 * second);
    REQUIRE(out.size() == 1);  // the socket's closed record; the vanished entry closes nothing
    CHECK(out[0].record.socket_id == 6u);
    CHECK(passes.tracker.closed_by_polling() == 0u);
  }
  SECTION("the first pass shows the table whole") {
    pass_runner passes(true);
    const auto out = passes.run(events{}, {time_wait(4096, 40001)}, 1 * second);
    REQUIRE(out.size() == 1);
    CHECK(out[0].emit);
  }
}

TEST_CASE("a socket dumped just before it was freed: its closed record stands for it", "[reader][tracker][events]") {
  pass_runner passes(false);
  (void)passes.run(events{}, {dumped(5, 40000)}, 1 * second);
  const auto out = passes.run(events{{destroyed(5, 40000, 2000, 600)}, true}, {dumped(5, 40000)}, 2 * second);
  REQUIRE(out.size() == 1);
  CHECK(out[0].delta.closed);
  CHECK(out[0].record.bytes_acked == 2000u);
  CHECK(passes.tracker.counts()->closed == 1u);
  CHECK(passes.run(events{}, {}, 3 * second).empty());
}

TEST_CASE("gone from the table without its event: one pass to wait, then polling", "[reader][tracker][events]") {
  const bool origins = GENERATE(false, true);  // the last record packed, or kept as its origin's bytes
  SECTION("the event comes in the next pass: final values") {
    pass_runner passes(!origins, origins);
    (void)passes.run(events{}, {dumped(5, 40000)}, 1 * second);
    CHECK(passes.run(events{}, {}, 2 * second).empty());  // waiting
    CHECK(passes.tracker.counts()->closed == 0u);
    const auto out = passes.run(events{{destroyed(5, 40000, 3000, 900)}, true}, {}, 3 * second);
    REQUIRE(out.size() == 1);
    CHECK(out[0].record.bytes_acked == 3000u);
    CHECK(out[0].delta.bytes_acked == 2000u);
    CHECK(passes.tracker.closed_by_events() == 1u);
  }
  SECTION("no event by then: closed from polling, a later event ignored") {
    pass_runner passes(!origins, origins);
    (void)passes.run(events{}, {dumped(5, 40000)}, 1 * second);
    CHECK(passes.run(events{}, {}, 2 * second).empty());
    auto out = passes.run(events{}, {}, 3 * second);
    REQUIRE(out.size() == 1);
    CHECK(out[0].delta.closed);
    CHECK(out[0].record.bytes_acked == 1000u);  // the last values seen
    CHECK(passes.tracker.closed_by_polling() == 1u);
    out = passes.run(events{{destroyed(5, 40000, 3000, 900)}, true}, {}, 4 * second);
    CHECK(out.empty());
    CHECK(passes.tracker.counts()->closed == 0u);
  }
  SECTION("events lost since the previous pass: closed from polling at once") {
    pass_runner passes(!origins, origins);
    (void)passes.run(events{}, {dumped(5, 40000)}, 1 * second);
    const auto out = passes.run(events{{}, false}, {}, 2 * second);
    REQUIRE(out.size() == 1);
    CHECK(out[0].record.bytes_acked == 1000u);
    CHECK(passes.tracker.closed_by_polling() == 1u);
  }
  SECTION("without events: closed from polling at once, as before") {
    pass_runner passes(!origins, origins);
    (void)passes.run(std::nullopt, {dumped(5, 40000)}, 1 * second);
    CHECK(passes.run(std::nullopt, {}, 2 * second).size() == 1);
  }
  SECTION("TIME_WAIT and request entries get no event: closed from polling at once") {
    pass_runner passes(!origins, origins);
    auto request = dumped(7, 40003);
    request.state = tcpstats::tcp_state::syn_received;
    request.kernel_state = 12;  // TCP_NEW_SYN_RECV
    (void)passes.run(events{}, {time_wait(6, 40002), request}, 1 * second);
    const auto out = passes.run(events{}, {}, 2 * second);
    CHECK(out.size() == 2);
    CHECK(passes.tracker.closed_by_polling() == 2u);
  }
}

TEST_CASE("a socket the kernel disconnected keeps the last values seen", "[reader][tracker][events]") {
  // SO_LINGER 0: tcp_disconnect() zeroes the peer and the counters before the socket is freed.
  const bool origins = GENERATE(false, true);
  pass_runner passes(!origins, origins);
  (void)passes.run(events{}, {dumped(5, 40000)}, 1 * second);
  auto zeroed = destroyed(5, 40000, 0, 0);
  zeroed.remote_port = 0;
  const auto out = passes.run(events{{zeroed}, true}, {}, 2 * second);
  REQUIRE(out.size() == 1);
  CHECK(out[0].delta.closed);
  CHECK(out[0].record.bytes_acked == 1000u);
  CHECK(out[0].record.remote_port == 8080);
  CHECK(passes.tracker.closed_by_events() == 1u);
}

TEST_CASE("the same cookie twice in one pass's events is one close", "[reader][tracker][events]") {
  pass_runner passes(true);
  (void)passes.run(events{}, {dumped(5, 40000)}, 1 * second);
  const auto out = passes.run(
      events{{destroyed(5, 40000, 2000, 600), destroyed(5, 40000, 2000, 600), destroyed(6, 40001, 5, 5),
              destroyed(6, 40001, 5, 5)},
             true},
      {}, 2 * second);
  CHECK(out.size() == 2);
  CHECK(passes.tracker.counts()->closed == 2u);
}

TEST_CASE("a pass with every kind of event and entry at once", "[reader][tracker][events]") {
  for (const auto& [changes_only, origins] : {std::pair{false, false}, std::pair{false, true}, std::pair{true, false}}) {
    CAPTURE(changes_only, origins);
    pass_runner passes(changes_only, origins);
    std::vector<connection_record> pass1, pass2;
    for (std::uint16_t i = 0; i < 12; ++i) pass1.push_back(dumped(100 + i, 41000 + i));
    (void)passes.run(events{}, pass1, 1 * second);
    events gone;
    gone.records.push_back(destroyed(100, 41000, 5000, 5000));  // tracked, gone from the table
    gone.records.push_back(destroyed(101, 41001, 5000, 5000));  // tracked, still in the dump
    gone.records.push_back(destroyed(500, 42000, 10, 10));      // never seen
    gone.records.push_back(destroyed(500, 42000, 10, 10));      // twice
    pass2.assign(pass1.begin() + 1, pass1.end());
    pass2.erase(pass2.begin() + 3);             // gone without its event: waits
    pass2.push_back(time_wait(900, 42000));     // the unseen one's TIME_WAIT entry
    pass2.push_back(dumped(600, 43000));        // new
    pass2.push_back(time_wait(901, 44000));     // a TIME_WAIT entry whose event has yet to come
    const auto out = passes.run(gone, pass2, 2 * second);
    CHECK(passes.tracker.counts()->new_connections == 1u);
    CHECK(passes.tracker.counts()->closed == 3u);
    CHECK(passes.tracker.closed_by_events() == 3u);
    CHECK(find(out, 104, true) == nullptr);  // the one that waits
    CHECK(find(out, 101, false) == nullptr);  // its closed record stands for it
    std::size_t written = 0;
    for (const auto& s : out) written += s.emit ? 1 : 0;
    // 3 closed, the new one, and (without --changes-only) the 9 others and the TIME_WAIT entry.
    CHECK(written == (changes_only ? 4u : 14u));
  }
}
