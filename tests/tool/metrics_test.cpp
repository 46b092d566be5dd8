// The --listen metrics without HTTP: the aggregator behind the real
// connection tracker (counters that keep closed connections, service ports,
// the label bound and its stability) and the two exposition formats.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "metrics/aggregator.hpp"
#include "metrics/exposition.hpp"
#include "pipeline/connection_tracker.hpp"

namespace reader = tcpstats::reader;
namespace metrics = tcpstats::reader::metrics;
using tcpstats::connection_record;
using tcpstats::tcp_state;

namespace {

connection_record socket_on(std::uint64_t cookie, std::uint16_t local_port, std::uint16_t remote_port,
                            tcp_state state = tcp_state::established) {
  connection_record r;
  r.local_address = tcpstats::ip_address{tcpstats::ip_family::ipv4, {127, 0, 0, 1}, 0};
  r.remote_address = tcpstats::ip_address{tcpstats::ip_family::ipv4, {127, 0, 0, 1}, 0};
  r.local_port = local_port;
  r.remote_port = remote_port;
  r.state = state;
  r.socket_id = cookie;
  return r;
}

connection_record listener(std::uint64_t cookie, std::uint16_t port) {
  connection_record r = socket_on(cookie, port, 0, tcp_state::listen);
  r.remote_address.reset();
  return r;
}

// Passes through the real tracker into the aggregator, as main.cpp wires them.
class runner {
 public:
  explicit runner(metrics::aggregator_options options) : aggregator(options) {}

  std::shared_ptr<const metrics::snapshot> pass(const std::vector<connection_record>& records) {
    const reader::connection_tracker::record_consumer forward =
        [this](const connection_record& r, const reader::record_delta& d, bool emit) {
          aggregator.add_tracked(r, d, emit);
        };
    ++sequence_;
    tracker.start_pass(sequence_, sequence_ * 1'000'000'000u);
    aggregator.start(reader::pass_info{});
    for (const auto& r : records) tracker.observe(r, forward);
    tracker.finish_pass(forward);
    return aggregator.finish_pass(1'000'000);
  }

  reader::connection_tracker tracker{false};
  metrics::aggregator aggregator;

 private:
  std::uint64_t sequence_ = 0;
};

const metrics::label_set* find(const metrics::snapshot& s, const std::string& port) {
  for (const auto& set : s.sets) {
    if (set.port == port) return &set;
  }
  return nullptr;
}

std::vector<std::string> ports_of(const metrics::snapshot& s) {
  std::vector<std::string> out;
  for (const auto& set : s.sets) out.push_back(set.port);
  return out;
}

constexpr std::size_t established = static_cast<std::size_t>(tcp_state::established);
constexpr std::size_t listen = static_cast<std::size_t>(tcp_state::listen);

}  // namespace

TEST_CASE("counters keep what closed connections carried, and never go down", "[metrics][aggregator]") {
  runner run({});
  auto a = socket_on(1, 8080, 50000);
  a.bytes_received = 1000;
  a.bytes_acked = 10;
  a.total_retrans = 2;
  auto s = run.pass({listener(100, 8080), a});
  const auto* set = find(*s, "8080");
  REQUIRE(set);
  CHECK(set->bytes_received == 1000u);
  CHECK(set->bytes_sent == 10u);
  CHECK(set->retransmitted_segments == 2u);
  CHECK(set->connections[established] == 1u);

  a.bytes_received = 3000;
  s = run.pass({listener(100, 8080), a});
  CHECK(find(*s, "8080")->bytes_received == 3000u);

  // `a` closes; `b` starts with 500 received.
  auto b = socket_on(2, 8080, 50001);
  b.bytes_received = 500;
  s = run.pass({listener(100, 8080), b});
  set = find(*s, "8080");
  CHECK(set->bytes_received == 3500u);
  CHECK(set->bytes_sent == 10u);
  CHECK(set->connections[established] == 1u);

  // Everything closes: the counters stay, the gauge says 0.
  s = run.pass({listener(100, 8080)});
  set = find(*s, "8080");
  CHECK(set->bytes_received == 3500u);
  CHECK(set->connections[established] == 0u);

  // A counter that goes backwards (not from a sane kernel) adds nothing.
  auto c = socket_on(3, 8080, 50002);
  c.bytes_received = 100;
  run.pass({listener(100, 8080), c});
  c.bytes_received = 40;
  s = run.pass({listener(100, 8080), c});
  CHECK(find(*s, "8080")->bytes_received == 3600u);
  c.bytes_received = 90;
  s = run.pass({listener(100, 8080), c});
  CHECK(find(*s, "8080")->bytes_received == 3650u);
  CHECK(s->passes == 7u);
}

TEST_CASE("the service port: local when listened on, else remote", "[metrics][aggregator]") {
  runner run({});
  // Both ends of a loopback connection to 8080, and an outgoing one to 443.
  auto s = run.pass({listener(1, 8080), socket_on(2, 8080, 40000), socket_on(3, 40000, 8080),
                     socket_on(4, 40001, 443)});
  CHECK(ports_of(*s) == std::vector<std::string>{"443", "8080"});
  CHECK(find(*s, "8080")->connections[established] == 2u);
  CHECK(find(*s, "8080")->connections[static_cast<std::size_t>(tcp_state::listen)] == 1u);
  CHECK(find(*s, "443")->connections[established] == 1u);
  // No byte counter in any record: no counter series.
  CHECK_FALSE(find(*s, "443")->bytes_sent);
}

TEST_CASE("--cgroups: a cgroup label beside the port, under the same bound", "[metrics][aggregator]") {
  metrics::aggregator_options options;
  options.max_label_sets = 2;
  options.cgroup_path = [](std::uint64_t id) -> std::string_view { return id == 1 ? "/a" : id == 2 ? "/b" : ""; };
  runner run(options);
  auto in_cgroup = [](connection_record r, std::optional<std::uint64_t> id) {
    r.cgroup_id = id;
    return r;
  };
  // Port 8080 from two cgroups, and a connection whose cgroup is unknown.
  auto s = run.pass({in_cgroup(listener(1, 8080), 1), in_cgroup(socket_on(2, 8080, 40000), 1),
                     in_cgroup(socket_on(3, 8080, 40001), 2), in_cgroup(socket_on(4, 8080, 40002), 2),
                     in_cgroup(socket_on(5, 8080, 40003), 2), socket_on(6, 8080, 40004)});
  REQUIRE(s->cgroup_label);
  REQUIRE(s->sets.size() == 3);
  CHECK(s->sets[0].cgroup == "/a");  // by port, then command, then cgroup
  CHECK(s->sets[1].cgroup == "/b");
  CHECK(s->sets[1].connections[established] == 3u);
  CHECK(s->sets[2].port == "other");  // the bound: the third set waits
  CHECK(s->sets[2].cgroup == "other");
  const std::string text = metrics::render(*s, metrics::exposition_format::prometheus_text);
  CHECK(text.find("tcpstats_connections{state=\"established\",port=\"8080\",cgroup=\"/b\"} 3\n") !=
        std::string::npos);
  CHECK(text.find("tcpstats_connections{state=\"established\",port=\"other\",cgroup=\"other\"} 1\n") !=
        std::string::npos);
}

TEST_CASE("a port whose connections all closed in the pass is reported under its own port", "[metrics][aggregator]") {
  // What destroy events bring: closed records of connections no pass saw.
  metrics::aggregator aggregator({});
  aggregator.start(reader::pass_info{});
  aggregator.add(listener(1, 8080));
  reader::record_delta closed;
  closed.closed = true;
  for (std::uint64_t i = 0; i < 3; ++i) {
    auto r = socket_on(100 + i, 40000, 443, tcp_state::closed);
    r.bytes_received = 1000;
    aggregator.add_tracked(r, closed, true);
  }
  const auto s = aggregator.finish_pass(1'000'000);
  CHECK(ports_of(*s) == std::vector<std::string>{"443", "8080"});
  CHECK(find(*s, "443")->bytes_received == 3000u);
  CHECK(s->label_sets_dropped == 0u);
}

TEST_CASE("the label bound: busiest first, the rest other, no flapping", "[metrics][aggregator][bound]") {
  metrics::aggregator_options options;
  options.max_label_sets = 2;
  options.min_residency_passes = 3;
  runner run(options);
  // Port 10: 3 connections, 20: 2, 30: 1 (plus their listeners).
  std::vector<connection_record> records;
  std::uint64_t cookie = 1;
  const auto service = [&](std::uint16_t port, int connections, std::uint64_t bytes) {
    records.push_back(listener(cookie++, port));
    for (int i = 0; i < connections; ++i) {
      auto r = socket_on(port * 1000u + static_cast<unsigned>(i), port, static_cast<std::uint16_t>(40000 + i));
      r.bytes_received = bytes;
      records.push_back(r);
    }
  };
  service(10, 3, 100);
  service(20, 2, 100);
  service(30, 1, 100);
  auto s = run.pass(records);
  CHECK(ports_of(*s) == std::vector<std::string>{"10", "20", "other"});
  CHECK(s->label_sets_dropped == 1u);
  CHECK(find(*s, "other")->connections[established] == 1u);
  CHECK(find(*s, "other")->bytes_received == 100u);

  // Port 30 grows to 6 connections (more than twice port 20's 3 sockets),
  // but 20 keeps its place for 3 passes.
  records.clear();
  cookie = 1;
  service(10, 3, 100);
  service(20, 2, 100);
  service(30, 6, 100);
  for (int pass = 2; pass <= 3; ++pass) {
    s = run.pass(records);
    CHECK(ports_of(*s) == std::vector<std::string>{"10", "20", "other"});
  }
  s = run.pass(records);
  CHECK(ports_of(*s) == std::vector<std::string>{"10", "30", "other"});
  // 30's counter starts with what its connections carry now; what they
  // carried while under "other" stays there.
  CHECK(find(*s, "30")->bytes_received == 0u);
  CHECK(find(*s, "other")->bytes_received == 600u);
  CHECK(s->label_sets_dropped == 1u);
  // Equal counts never displace one another: nothing moves again.
  for (int pass = 0; pass < 5; ++pass) {
    s = run.pass(records);
    CHECK(ports_of(*s) == std::vector<std::string>{"10", "30", "other"});
  }
}

TEST_CASE("the label bound: a port only listened on gives way at once", "[metrics][aggregator][bound]") {
  metrics::aggregator_options options;
  options.max_label_sets = 2;
  options.min_residency_passes = 100;
  runner run(options);
  auto s = run.pass({listener(1, 10), listener(2, 20), listener(3, 30)});
  CHECK(ports_of(*s) == std::vector<std::string>{"10", "20", "other"});

  // Port 30's first connections: 30 takes the place of 20 (the least busy
  // of two sets that never carried anything), and their bytes count there.
  std::vector<connection_record> records{listener(1, 10), listener(2, 20), listener(3, 30)};
  for (std::uint16_t i = 0; i < 3; ++i) {
    auto r = socket_on(100u + i, 30, static_cast<std::uint16_t>(40000 + i));
    r.bytes_received = 100;
    records.push_back(r);
  }
  s = run.pass(records);
  CHECK(ports_of(*s) == std::vector<std::string>{"10", "30", "other"});
  CHECK(find(*s, "30")->bytes_received == 300u);
  CHECK(find(*s, "other")->connections[listen] == 1u);

  // Port 20 gets 10 connections that carry nothing (TIME_WAIT entries): no
  // reason to trade places with 10 before its residency is over.
  const auto with_port_20 = [&](tcp_state state, std::optional<std::uint64_t> bytes) {
    auto more = records;
    for (std::uint16_t i = 0; i < 10; ++i) {
      auto r = socket_on(200u + i, 20, static_cast<std::uint16_t>(41000 + i), state);
      r.bytes_received = bytes;
      more.push_back(r);
    }
    return more;
  };
  s = run.pass(with_port_20(tcp_state::time_wait, std::nullopt));
  CHECK(ports_of(*s) == std::vector<std::string>{"10", "30", "other"});
  // Once they carry data, 20 takes 10's place at once; 30, which has
  // carried bytes, keeps its own for its residency.
  s = run.pass(with_port_20(tcp_state::established, 1));
  CHECK(ports_of(*s) == std::vector<std::string>{"20", "30", "other"});
  CHECK(find(*s, "20")->bytes_received == 10u);
}

TEST_CASE("RTT histogram: buckets, count, sum, the largest RTT as exemplar", "[metrics][aggregator]") {
  runner run({});
  auto a = socket_on(7, 8080, 40000);
  a.rtt_us = 30;  // in (25 µs, 50 µs]
  auto b = socket_on(8, 8080, 40001);
  b.rtt_us = 50;  // the bound itself belongs to its bucket
  auto c = socket_on(9, 8080, 40002);
  c.rtt_us = 20'000'000;  // above 10 s: +Inf only
  auto l = listener(1, 8080);
  l.rtt_us = 0;  // listeners are not timed
  const auto s = run.pass({l, a, b, c});
  const auto& rtt = find(*s, "8080")->rtt;
  REQUIRE(rtt);
  CHECK(rtt->buckets[2] == 2u);
  CHECK(rtt->buckets[metrics::rtt_bucket_count] == 1u);
  CHECK(rtt->count == 3u);
  CHECK(rtt->sum_us == 20'000'080u);
  REQUIRE(rtt->exemplars[2]);
  CHECK(rtt->exemplars[2]->labels == "socket_id=\"8\"");

  const std::string om = metrics::render(*s, metrics::exposition_format::openmetrics);
  CHECK(om.find("tcpstats_rtt_seconds_bucket{port=\"8080\",le=\"5e-05\"} 2 # {socket_id=\"8\"} 0.00005\n") !=
        std::string::npos);
  CHECK(om.find("tcpstats_rtt_seconds_bucket{port=\"8080\",le=\"+Inf\"} 3 # {socket_id=\"9\"} 20\n") !=
        std::string::npos);
  CHECK(om.find("tcpstats_rtt_seconds_sum{port=\"8080\"} 20.00008\n") != std::string::npos);
  const std::string text = metrics::render(*s, metrics::exposition_format::prometheus_text);
  CHECK(text.find("tcpstats_rtt_seconds_bucket{port=\"8080\",le=\"5e-05\"} 2\n") != std::string::npos);
  CHECK(text.find(" # {") == std::string::npos);
}

TEST_CASE("exposition: the formats' differences, label escaping", "[metrics][exposition]") {
  metrics::snapshot s;
  s.command_label = true;
  metrics::label_set set;
  set.port = "22";
  set.command = "a\"b\\c\nd";
  set.bytes_sent = 5;
  set.connections[established] = 1;
  s.sets.push_back(set);
  s.passes = 1;
  s.last_pass_ns = 1'500'000;
  const std::string text = metrics::render(s, metrics::exposition_format::prometheus_text);
  const std::string om = metrics::render(s, metrics::exposition_format::openmetrics);
  CHECK(text.find("# TYPE tcpstats_bytes_sent_total counter\n") != std::string::npos);
  CHECK(om.find("# TYPE tcpstats_bytes_sent counter\n") != std::string::npos);
  CHECK(text.find("tcpstats_bytes_sent_total{port=\"22\",command=\"a\\\"b\\\\c\\nd\"} 5\n") != std::string::npos);
  CHECK(om.find("tcpstats_bytes_sent_total{port=\"22\",command=\"a\\\"b\\\\c\\nd\"} 5\n") != std::string::npos);
  CHECK(text.find("tcpstats_connections{state=\"established\",port=\"22\",command=") != std::string::npos);
  CHECK(text.find("tcpstats_pass_duration_seconds 0.0015\n") != std::string::npos);
  CHECK(om.find("# UNIT tcpstats_pass_duration_seconds seconds\n") != std::string::npos);
  CHECK(om.size() > 6);
  CHECK(om.substr(om.size() - 6) == "# EOF\n");
  CHECK(text.find("# EOF") == std::string::npos);
  // No byte counter was ever read: absent, not 0.
  CHECK(text.find("tcpstats_bytes_received_total{") == std::string::npos);
}

TEST_CASE("content negotiation", "[metrics][exposition]") {
  using metrics::exposition_format;
  // What Prometheus 2.42 sends.
  CHECK(metrics::negotiate("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
                           "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1") == exposition_format::openmetrics);
  CHECK(metrics::negotiate("") == exposition_format::prometheus_text);
  CHECK(metrics::negotiate("*/*") == exposition_format::prometheus_text);
  CHECK(metrics::negotiate("text/plain;version=0.0.4") == exposition_format::prometheus_text);
  CHECK(metrics::negotiate("Application/OpenMetrics-Text; version=1.0.0") == exposition_format::openmetrics);
  CHECK(metrics::negotiate("application/openmetrics-text;q=0.4, text/plain;q=0.5") ==
        exposition_format::prometheus_text);
  CHECK(metrics::negotiate("application/openmetrics-text;q=0") == exposition_format::prometheus_text);
  CHECK(metrics::negotiate("application/openmetrics-text;q=2") == exposition_format::prometheus_text);
}
