#include <catch2/catch.hpp>

#include "tcpstats/tcp_state.hpp"
#include "tcpstats/xnu/units.hpp"

namespace xnu = tcpstats::xnu;
using tcpstats::errc;

TEST_CASE("RTT fields are milliseconds scaled by 32 and 16", "[xnu][units]") {
  // 10 ms smoothed RTT is stored as 320; 5 ms variance as 80.
  STATIC_REQUIRE(*xnu::srtt_us(320) == 10'000);
  STATIC_REQUIRE(*xnu::rttvar_us(80, 320) == 5'000);
  CHECK(*xnu::srtt_us(1) == 31);  // 1/32 ms, truncated
  CHECK(*xnu::srtt_us(137'438'953) == 4'294'967'281u);  // the largest that fits 32 bits
  CHECK_FALSE(xnu::srtt_us(137'438'954).has_value());
  CHECK_FALSE(xnu::srtt_us(INT32_MAX).has_value());
  CHECK_FALSE(xnu::srtt_us(0).has_value());  // no sample yet
  CHECK_FALSE(xnu::srtt_us(-5).has_value());
  CHECK_FALSE(xnu::rttvar_us(80, 0).has_value());
  CHECK_FALSE(xnu::rttvar_us(-1, 320).has_value());
}

TEST_CASE("RTO is t_rxtcur milliseconds", "[xnu][units]") {
  STATIC_REQUIRE(*xnu::rto_us(1000) == 1'000'000);
  CHECK(*xnu::rto_us(0) == 0);
  CHECK(*xnu::rto_us(4'294'967) == 4'294'967'000u);
  CHECK_FALSE(xnu::rto_us(4'294'968).has_value());  // would not fit in 32 bits
  CHECK_FALSE(xnu::rto_us(-1).has_value());
}

TEST_CASE("Darwin releases parse, bad ones point at the bad byte", "[xnu][units]") {
  STATIC_REQUIRE(*xnu::parse_darwin_release("24.4.0") == xnu::darwin_release{24, 4, 0});
  CHECK(*xnu::parse_darwin_release("23") == xnu::darwin_release{23, 0, 0});
  CHECK(*xnu::parse_darwin_release("11.7") == xnu::darwin_release{11, 7, 0});
  const auto check_error = [](std::string_view text, std::size_t offset) {
    const auto r = xnu::parse_darwin_release(text);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == tcpstats::parse_error{errc::invalid_release, offset});
  };
  check_error("", 0);
  check_error("x", 0);
  check_error("24.", 3);
  check_error("24.4.0.1", 6);
  check_error("24-4", 2);
  check_error("99999999999", 0);
}

TEST_CASE("TCP states convert from the BSD numbers only when valid", "[units][state]") {
  STATIC_REQUIRE(*tcpstats::tcp_state_from_bsd(4) == tcpstats::tcp_state::established);
  CHECK(*tcpstats::tcp_state_from_bsd(0) == tcpstats::tcp_state::closed);
  CHECK(*tcpstats::tcp_state_from_bsd(10) == tcpstats::tcp_state::time_wait);
  for (std::int32_t bad : {11, -1, 1000, INT32_MIN}) {
    const auto r = tcpstats::tcp_state_from_bsd(bad, 36);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == tcpstats::parse_error{errc::invalid_state, 36});
  }
  CHECK(to_string(tcpstats::tcp_state::fin_wait_2) == "FIN_WAIT_2");
  CHECK(to_string(static_cast<tcpstats::tcp_state>(200)) == "INVALID");
}

TEST_CASE("scoped IPv6 loses its embedded interface index", "[xnu][units]") {
  const std::array<std::uint8_t, 16> raw{0xfe, 0x80, 0x00, 0x05, 0, 0, 0, 0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8};
  const auto a = xnu::ipv6_from_kernel(raw);
  CHECK(a.scope_id == 5);
  CHECK(a.bytes[2] == 0);
  CHECK(a.bytes[3] == 0);
  CHECK(to_string(a) == "fe80::102:304:506:708%5");
  // Global addresses keep bytes 2..3.
  const std::array<std::uint8_t, 16> global{0x20, 0x01, 0x0d, 0xb8};
  CHECK(xnu::ipv6_from_kernel(global).scope_id == 0);
  CHECK(xnu::ipv6_from_kernel(global).bytes == global);
}

TEST_CASE("tcp_now arithmetic wraps like the kernel's", "[xnu][units]") {
  STATIC_REQUIRE(xnu::tcp_now_elapsed_ms(100, 350) == 250);
  CHECK(xnu::tcp_now_elapsed_ms(0xFFFFFF00u, 0x100u) == 0x200u);
  // now_init 34697612 ms at 4268444 µs of uptime; 10 s later:
  CHECK(xnu::estimate_tcp_now(34'697'612, 4'268'444, 14'268'444) == 34'707'612u);
  CHECK(xnu::estimate_tcp_now(0xFFFFFFFFu, 0, 2'000) == 1u);
  CHECK(xnu::estimate_tcp_now(7, 5'000, 1'000) == 7u);  // uptime before init: no elapsed time
}
