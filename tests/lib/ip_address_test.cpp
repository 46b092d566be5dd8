#include <catch2/catch.hpp>

#include "tcpstats/ip_address.hpp"

using tcpstats::ip_address;
using tcpstats::ip_family;

namespace {
ip_address v6(std::array<std::uint8_t, 16> b, std::uint32_t scope = 0) { return {ip_family::ipv6, b, scope}; }
}  // namespace

TEST_CASE("IPv4 prints as a dotted quad", "[ip]") {
  CHECK(to_string(ip_address{ip_family::ipv4, {192, 168, 1, 20}, 0}) == "192.168.1.20");
  CHECK(to_string(ip_address{ip_family::ipv4, {}, 0}) == "0.0.0.0");
}

TEST_CASE("IPv6 prints per RFC 5952", "[ip]") {
  CHECK(to_string(v6({})) == "::");
  CHECK(to_string(v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})) == "::1");
  CHECK(to_string(v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})) == "2001:db8::1");
  // A single zero group is not compressed; the first of two equal runs is.
  CHECK(to_string(v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1})) == "2001:db8:0:1:1:1:1:1");
  CHECK(to_string(v6({0x20, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1})) == "2001::1:0:0:1:1");
  CHECK(to_string(v6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0})) == "2001:db8:0:0:1::");
  CHECK(to_string(v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1})) == "::ffff:10.0.0.1");
  CHECK(to_string(v6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0, 0, 0, 0, 0xab, 0xcd}, 4)) ==
        "fe80::1234:0:0:abcd%4");
}

TEST_CASE("scoped IPv6 ranges are recognised", "[ip]") {
  CHECK(tcpstats::is_scoped_ipv6({0xfe, 0x80}));
  CHECK(tcpstats::is_scoped_ipv6({0xfe, 0xbf}));
  CHECK_FALSE(tcpstats::is_scoped_ipv6({0xfe, 0xc0}));
  CHECK(tcpstats::is_scoped_ipv6({0xff, 0x02}));
  CHECK(tcpstats::is_scoped_ipv6({0xff, 0x11}));
  CHECK_FALSE(tcpstats::is_scoped_ipv6({0xff, 0x05}));
  CHECK_FALSE(tcpstats::is_scoped_ipv6({0x20, 0x01}));
}
