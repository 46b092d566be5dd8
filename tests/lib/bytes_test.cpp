#include <catch2/catch.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "tcpstats/bytes.hpp"
#include "tcpstats/error.hpp"

using tcpstats::fits;
using tcpstats::load_be;
using tcpstats::load_le;

namespace {
constexpr std::array<std::byte, 6> sample{std::byte{0x01}, std::byte{0x02}, std::byte{0x03},
                                          std::byte{0x04}, std::byte{0x05}, std::byte{0x06}};
}

TEST_CASE("loads name their byte order", "[bytes]") {
  CHECK(load_le<std::uint32_t>(sample, 0) == 0x04030201u);
  CHECK(load_be<std::uint32_t>(sample, 0) == 0x01020304u);
  CHECK(load_be<std::uint16_t>(sample, 4) == 0x0506u);
  CHECK(load_le<std::int16_t>(sample, 1) == 0x0302);
  CHECK(load_le<std::uint8_t>(sample, 5) == 0x06u);
}

TEST_CASE("a load that does not fit is empty, at every offset", "[bytes]") {
  CHECK_FALSE(load_le<std::uint32_t>(sample, 3).has_value());
  CHECK_FALSE(load_le<std::uint64_t>(sample, 0).has_value());
  CHECK_FALSE(load_be<std::uint16_t>(sample, 5).has_value());
  CHECK_FALSE(load_le<std::uint8_t>(sample, 6).has_value());
  CHECK_FALSE(load_le<std::uint8_t>(sample, std::numeric_limits<std::size_t>::max()).has_value());
  CHECK(load_le<std::uint16_t>(sample, 4).has_value());
}

TEST_CASE("fits never overflows", "[bytes]") {
  constexpr auto max = std::numeric_limits<std::size_t>::max();
  STATIC_REQUIRE(fits(10, 0, 10));
  STATIC_REQUIRE(fits(10, 10, 0));
  STATIC_REQUIRE_FALSE(fits(10, 11, 0));
  STATIC_REQUIRE_FALSE(fits(10, 8, 3));
  STATIC_REQUIRE_FALSE(fits(10, 1, max));
  STATIC_REQUIRE_FALSE(fits(10, max, 1));
  STATIC_REQUIRE(tcpstats::round_up_8(204) == 208);
  STATIC_REQUIRE(tcpstats::round_up_8(208) == 208);
}

TEST_CASE("loads work in constant evaluation", "[bytes]") {
  STATIC_REQUIRE(*load_be<std::uint32_t>(sample, 2) == 0x03040506u);
  STATIC_REQUIRE(*load_le<std::uint64_t>(std::array<std::byte, 8>{std::byte{0xff}}, 0) == 0xffu);
}

TEST_CASE("every error code has its own text", "[bytes][error]") {
  using tcpstats::errc;
  for (auto code : {errc::truncated_header, errc::bad_header_length, errc::truncated_record,
                    errc::zero_length, errc::record_too_short, errc::duplicate_record,
                    errc::record_outside_group, errc::missing_trailer, errc::trailing_garbage,
                    errc::invalid_state, errc::invalid_release, errc::kernel_error, errc::bad_attribute,
                    errc::missing_done, errc::unexpected_length, errc::unsupported_version}) {
    CHECK(tcpstats::to_string(code) != tcpstats::to_string(static_cast<errc>(255)));
  }
}
