// tcpstats-reader's filters: list parsing with the bad word named, the
// matching rules, and their semantics on the replayed macOS sample (nine
// connections: see tests/support/xnu_sample.hpp).
#include <catch2/catch.hpp>

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <set>

#include "pipeline/filters.hpp"
#include "subprocess.hpp"
#include "tcp_stats.pb.h"

namespace reader = tcpstats::reader;
namespace pb = tcpstats_reader;
using tcpstats::test::run_process;

namespace {

const std::string tool = TCPSTATS_READER;
const std::string sample = std::string(TCPSTATS_TEST_DATA) + "/xnu/sample-macos15.pcblist_n";

tcpstats::ip_address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  return {tcpstats::ip_family::ipv4, {a, b, c, d}, 0};
}

// The local ports of the sample's records the filter options keep.
std::multiset<std::uint32_t> kept(std::vector<std::string> options) {
  std::vector<std::string> args{tool, "--replay", sample};
  args.insert(args.end(), options.begin(), options.end());
  const auto result = run_process(args);
  INFO(result.err);
  REQUIRE(result.exit_status == 0);
  pb::BatchMessage batch;
  REQUIRE(google::protobuf::util::JsonStringToMessage(result.out, &batch).ok());
  CHECK(batch.summary().total_sockets() == static_cast<std::uint32_t>(batch.records_size()));
  std::multiset<std::uint32_t> ports;
  for (const auto& r : batch.records()) ports.insert(r.local_port());
  return ports;
}

std::string usage_error(std::vector<std::string> options) {
  std::vector<std::string> args{tool, "--replay", sample};
  args.insert(args.end(), options.begin(), options.end());
  const auto result = run_process(args);
  CHECK(result.exit_status == 2);
  CHECK(result.out.empty());
  return result.err;
}

}  // namespace

TEST_CASE("filter lists parse, and name the bad item", "[reader][filters]") {
  std::string bad;
  const auto ports = reader::parse_ports("22,8000-8080,443", bad);
  REQUIRE(ports);
  REQUIRE(ports->size() == 3);
  CHECK((*ports)[1].first == 8000);
  CHECK((*ports)[1].last == 8080);
  CHECK_FALSE(reader::parse_ports("22,80-79", bad));
  CHECK(bad == "80-79");
  CHECK_FALSE(reader::parse_ports("65536", bad));
  CHECK(bad == "65536");
  CHECK_FALSE(reader::parse_ports("22,", bad));
  CHECK(bad.empty());

  const auto prefixes = reader::parse_prefixes("10.0.0.0/8,::1,fe80::/10", bad);
  REQUIRE(prefixes);
  CHECK((*prefixes)[0].bits == 8);
  CHECK((*prefixes)[1].bits == 128);
  CHECK((*prefixes)[2].address.family == tcpstats::ip_family::ipv6);
  CHECK_FALSE(reader::parse_prefixes("10.0.0.0/8,10.0.0.256", bad));
  CHECK(bad == "10.0.0.256");
  CHECK_FALSE(reader::parse_prefixes("::/129", bad));
  CHECK(bad == "::/129");

  CHECK_FALSE(reader::parse_numbers("1,-2", 100, bad));
  CHECK(bad == "-2");
  CHECK_FALSE(reader::parse_numbers("101", 100, bad));
}

TEST_CASE("filters match prefixes bit by bit, and IPv4 prefixes IPv4-mapped addresses", "[reader][filters]") {
  std::string bad;
  reader::record_filter filter;
  filter.remote_addresses = *reader::parse_prefixes("10.1.128.0/17", bad);
  tcpstats::connection_record r;
  r.local_address = v4(192, 168, 0, 1);
  r.remote_address = v4(10, 1, 200, 7);
  CHECK(filter.matches(r));
  r.remote_address = v4(10, 1, 127, 7);
  CHECK_FALSE(filter.matches(r));
  r.remote_address = tcpstats::ip_address{tcpstats::ip_family::ipv6,
                                          {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 200, 7}, 0};
  CHECK(filter.matches(r));
  r.remote_address.reset();  // no address: no match
  CHECK_FALSE(filter.matches(r));

  reader::record_filter owners;
  owners.pids = {42};
  CHECK_FALSE(owners.matches(tcpstats::connection_record{}));  // no pid known: no match
  CHECK(reader::record_filter{}.keeps_all());
  CHECK_FALSE(owners.keeps_all());
}

TEST_CASE("the filter prompt takes the command line's filter words", "[reader][filters]") {
  std::string error;
  const auto filter = reader::parse_filter_words("  --dport 443,8000-8080 src=10.0.0.0/8 -4 established time-wait ", error);
  INFO(error);
  REQUIRE(filter);
  REQUIRE(filter->remote_ports.size() == 2);
  CHECK(filter->remote_ports[1].last == 8080);
  REQUIRE(filter->local_addresses.size() == 1);
  CHECK(filter->local_addresses[0].bits == 8);
  CHECK(filter->ipv4);
  CHECK_FALSE(filter->ipv6);
  // "established" is the option (adds the state), "time-wait" a bare state list.
  CHECK(filter->states == ((1u << static_cast<unsigned>(tcpstats::tcp_state::established)) |
                           (1u << static_cast<unsigned>(tcpstats::tcp_state::time_wait))));
  const auto listening = reader::parse_filter_words("-l --port 22", error);
  REQUIRE(listening);
  CHECK(listening->states == 1u << static_cast<unsigned>(tcpstats::tcp_state::listen));
  CHECK(listening->ports.size() == 1);
  const auto empty = reader::parse_filter_words("   ", error);
  REQUIRE(empty);
  CHECK(empty->keeps_all());

  CHECK_FALSE(reader::parse_filter_words("--dport http", error));
  CHECK(error == "--dport: 'http' is not a port or port range (22, 8000-8080)");
  CHECK_FALSE(reader::parse_filter_words("--src", error));
  CHECK(error == "'--src' needs a value");
  CHECK_FALSE(reader::parse_filter_words("--listening=yes", error));
  CHECK(error == "'--listening' takes no value");
  CHECK_FALSE(reader::parse_filter_words("sleeping", error));
  CHECK(error.rfind("'sleeping' is neither a filter option", 0) == 0);
}

TEST_CASE("filters on a replayed dump", "[reader][filters]") {
  using ports = std::multiset<std::uint32_t>;
  CHECK(kept({}).size() == 9);
  CHECK(kept({"--port", "443"}) == ports{53122, 53201, 53011, 52990});
  CHECK(kept({"--port", "8000-8999"}) == ports{8080, 8770, 8080});
  CHECK(kept({"--sport", "8080"}) == ports{8080, 8080});
  CHECK(kept({"--dport", "5223,61002"}) == ports{60311, 8770});
  CHECK(kept({"-l"}) == ports{22, 8080});
  CHECK(kept({"--listening", "--established"}) == ports{22, 8080, 53122, 8770, 60311});
  CHECK(kept({"--state", "time-wait", "--established"}) == ports{52990, 53122, 8770, 60311});
  CHECK(kept({"-6"}) == ports{22, 8770, 53201});
  CHECK(kept({"-4", "-6"}).size() == 9);
  CHECK(kept({"--src", "192.168.1.0/24"}) == ports{53122, 53011, 60311, 52990});
  CHECK(kept({"--src", "fe80::/10,127.0.0.1"}) == ports{8770, 8080, 8080});
  CHECK(kept({"--dst", "17.0.0.0/8"}) == ports{53122, 60311});
  CHECK(kept({"--dst", "2606:4700::/32", "--dst", "151.101.0.0/16"}) == ports{53201, 52990});
  CHECK(kept({"--pid", "1423"}) == ports{53122, 53201});
  CHECK(kept({"--uid", "0"}) == ports{22});
  CHECK(kept({"--pid", "2210", "--established"}).empty());
  CHECK(kept({"--pid", "2210", "-l", "--state", "close-wait", "--dport", "53300"}) == ports{8080});
}

TEST_CASE("bad filter words are usage errors that name them", "[reader][filters]") {
  CHECK(usage_error({"--port", "22,http"}).find("--port: 'http' is not a port") != std::string::npos);
  CHECK(usage_error({"--dst", "10.0.0.0/8,bad"}).find("--dst: 'bad' is not an IPv4 or IPv6 address") !=
        std::string::npos);
  CHECK(usage_error({"--pid", "12,-1"}).find("--pid: '-1' is not a process id") != std::string::npos);
  CHECK(usage_error({"--uid", "4294967296"}).find("--uid: '4294967296' is not a user id") != std::string::npos);
  CHECK(usage_error({"--state", "listen,nope"}).find("--state: 'nope' is not a TCP state") != std::string::npos);
}
