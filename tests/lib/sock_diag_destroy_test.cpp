// Socket destroy events (SKNLGRP_INET_TCP_DESTROY / INET6): the walker and
// materialize on synthetic streams shaped as the kernel sends them (an
// inet_diag_msg, INET_DIAG_PROTOCOL, INET_DIAG_INFO), tcp_info of every
// length, what such a message lacks, other protocols, and framing errors.
#include <catch2/catch.hpp>

#include <array>
#include <cstring>
#include <vector>

#include "netlink_builder.hpp"
#include "tcpstats/sock_diag/destroy.hpp"

namespace sd = tcpstats::sock_diag;
using tcpstats::errc;
using tcpstats::test::diag_payload;
using tcpstats::test::netlink_builder;

namespace {

// A tcp_info of `length` bytes: every u32 slot holds its own offset, so a
// field's value tells where it was read.
std::vector<std::byte> tcp_info_bytes(std::size_t length) {
  std::vector<std::byte> out(length);
  for (std::size_t at = 8; at + 4 <= length; at += 4) {
    const auto v = static_cast<std::uint32_t>(at);
    std::memcpy(out.data() + at, &v, 4);
  }
  if (length > 0) out[0] = std::byte{7};  // tcpi_state: TCP_CLOSE
  return out;
}

// A destroy message as inet_diag_handler_get_info() builds it: the
// inet_diag_msg with uid, inode and timer zero, then PROTOCOL and INFO.
diag_payload destroy_payload(std::uint8_t family, std::uint8_t protocol, std::size_t info_length) {
  auto payload = diag_payload(family, 7)
                     .ports(41494, 40795)
                     .src({127, 0, 0, 1})
                     .dst({127, 0, 0, 2})
                     .u32_at(40, 0)           // idiag_if
                     .u32_at(44, 0x0000000b)  // cookie low
                     .u32_at(48, 0x1)         // cookie high
                     .u32_at(56, 1)           // rqueue: the FIN
                     .u32_at(60, 0)           // wqueue
                     .attribute(sd::attr::protocol, {std::byte{protocol}});
  if (info_length != SIZE_MAX) payload.attribute(sd::attr::info, tcp_info_bytes(info_length));
  return payload;
}

struct walked {
  std::vector<tcpstats::connection_record> records;
  tcpstats::result<sd::destroy_summary> summary{tcpstats::parse_error{errc::truncated_record, 0}};
};

walked walk(const std::vector<std::byte>& bytes) {
  walked out;
  out.summary = sd::walk_destroy_events(bytes, [&out](const sd::destroy_event_view& event) {
    tcpstats::connection_record r;
    sd::materialize(event, r);
    out.records.push_back(r);
  });
  return out;
}

}  // namespace

TEST_CASE("a destroy message materialises its final counters, cookie and CLOSE", "[linux][sock_diag][destroy]") {
  const auto bytes = netlink_builder().message(20, 0, destroy_payload(sd::af_inet, 6, 280).bytes()).bytes();
  const auto out = walk(bytes);
  REQUIRE(out.summary.has_value());
  CHECK(out.summary->events == 1);
  CHECK(out.summary->skipped == 0);
  REQUIRE(out.records.size() == 1);
  const auto& r = out.records[0];
  CHECK(to_string(*r.local_address) == "127.0.0.1");
  CHECK(to_string(*r.remote_address) == "127.0.0.2");
  CHECK(r.local_port == 41494);
  CHECK(r.remote_port == 40795);
  CHECK(r.socket_id == 0x10000000bu);
  CHECK(r.state == tcpstats::tcp_state::closed);
  CHECK(r.kernel_state == 7);
  CHECK(r.interface_index == 0u);
  CHECK(r.rcv_buf_used == 1u);
  CHECK(r.snd_buf_used == 0u);
  // The final counters, each from its own offset.
  CHECK(r.bytes_acked == (std::uint64_t{124} << 32 | 120));
  CHECK(r.bytes_received == (std::uint64_t{132} << 32 | 128));
  CHECK(r.segs_out == 136u);
  CHECK(r.total_retrans == 100u);
  CHECK(r.total_rto_time_ms == 244u);
  // What a destroy message cannot carry is absent, not zero.
  CHECK_FALSE(r.uid);
  CHECK_FALSE(r.inode);
  CHECK_FALSE(r.timer);
  CHECK_FALSE(r.timer_expires_ms);
  CHECK_FALSE(r.cc_algo);
  CHECK_FALSE(r.skmem_rcvbuf);
  CHECK_FALSE(r.tos);
}

TEST_CASE("the view gives the tcp_info and protocol as sent", "[linux][sock_diag][destroy]") {
  const auto bytes = netlink_builder().message(20, 0, destroy_payload(sd::af_inet6, 6, 232).bytes()).bytes();
  std::size_t seen = 0;
  const auto summary = sd::walk_destroy_events(bytes, [&seen](const sd::destroy_event_view& event) {
    ++seen;
    CHECK(event.protocol() == 6);
    REQUIRE(event.tcp_info());
    CHECK(event.tcp_info()->size() == 232);
    CHECK(event.tcp_info()->u64(sd::tcp_info_offsets::tcpi_bytes_acked) == (std::uint64_t{124} << 32 | 120));
    CHECK(event.msg().idiag_cookie() == 0x10000000bu);
    CHECK(event.msg().idiag_family() == sd::af_inet6);
  });
  REQUIRE(summary.has_value());
  CHECK(seen == 1);
}

TEST_CASE("tcp_info of any length: fields past it are absent", "[linux][sock_diag][destroy]") {
  for (const std::size_t length : {std::size_t{0}, std::size_t{104}, std::size_t{120}, std::size_t{128},
                                   std::size_t{232}, std::size_t{248}, std::size_t{280}, std::size_t{512}}) {
    INFO("tcp_info length " << length);
    const auto out = walk(netlink_builder().message(20, 0, destroy_payload(sd::af_inet, 6, length).bytes()).bytes());
    REQUIRE(out.summary.has_value());
    REQUIRE(out.records.size() == 1);
    const auto& r = out.records[0];
    CHECK(r.total_retrans.has_value() == (length >= 104));
    CHECK(r.bytes_acked.has_value() == (length >= 128));
    CHECK(r.bytes_received.has_value() == (length >= 136));
    CHECK(r.rcv_wnd.has_value() == (length >= 236));
    CHECK(r.total_rto_time_ms.has_value() == (length >= 248));
    CHECK(r.socket_id == 0x10000000bu);  // the message itself is whole at every length
  }
}

TEST_CASE("a destroy message without INET_DIAG_INFO has no tcp_info fields", "[linux][sock_diag][destroy]") {
  const auto bytes =
      netlink_builder().message(20, 0, destroy_payload(sd::af_inet, 6, SIZE_MAX).bytes()).bytes();
  bool had_info = true;
  const auto summary = sd::walk_destroy_events(
      bytes, [&had_info](const sd::destroy_event_view& event) { had_info = event.tcp_info().has_value(); });
  REQUIRE(summary.has_value());
  CHECK_FALSE(had_info);
  const auto out = walk(bytes);
  REQUIRE(out.records.size() == 1);
  CHECK_FALSE(out.records[0].bytes_acked);
  CHECK_FALSE(out.records[0].rtt_us);
  CHECK(out.records[0].local_port == 41494);
}

TEST_CASE("other protocols' destroy messages are skipped and counted", "[linux][sock_diag][destroy]") {
  const auto bytes = netlink_builder()
                         .message(20, 0, destroy_payload(sd::af_inet, 17, SIZE_MAX).bytes())  // UDP
                         .message(20, 0, destroy_payload(sd::af_inet, 6, 280).bytes())
                         .message(1, 0, {})                                                   // NLMSG_NOOP
                         .done()
                         .bytes();
  const auto out = walk(bytes);
  REQUIRE(out.summary.has_value());
  CHECK(out.summary->events == 1);
  CHECK(out.summary->skipped == 1);
  CHECK(out.records.size() == 1);
}

TEST_CASE("an empty stream has no events", "[linux][sock_diag][destroy]") {
  const auto out = walk({});
  REQUIRE(out.summary.has_value());
  CHECK(out.summary->events == 0);
}

TEST_CASE("destroy streams: k good events, then the error at its offset", "[linux][sock_diag][destroy]") {
  const auto good = destroy_payload(sd::af_inet, 6, 280).bytes();
  const std::size_t message_size = 16 + good.size();  // already 4-aligned

  SECTION("a truncated message") {
    auto bytes = netlink_builder().message(20, 0, good).message(20, 0, good).bytes();
    bytes.resize(bytes.size() - 10);
    const auto out = walk(bytes);
    REQUIRE_FALSE(out.summary.has_value());
    CHECK(out.summary.error() == tcpstats::parse_error{errc::truncated_record, message_size});
    CHECK(out.records.size() == 1);
  }
  SECTION("an inet_diag_msg shorter than its struct") {
    const auto bytes = netlink_builder().message(20, 0, good).message(20, 0, std::vector<std::byte>(40)).bytes();
    const auto out = walk(bytes);
    REQUIRE_FALSE(out.summary.has_value());
    CHECK(out.summary.error() == tcpstats::parse_error{errc::record_too_short, message_size + 16});
    CHECK(out.records.size() == 1);
  }
  SECTION("an attribute longer than what remains") {
    auto bad = good;
    const std::uint16_t too_long = 400;
    std::memcpy(bad.data() + 72 + 8, &too_long, 2);  // the INFO attribute, after PROTOCOL's 8 bytes
    const auto bytes = netlink_builder().message(20, 0, good).message(20, 0, bad).bytes();
    const auto out = walk(bytes);
    REQUIRE_FALSE(out.summary.has_value());
    CHECK(out.summary.error() == tcpstats::parse_error{errc::bad_attribute, message_size + 16 + 72 + 8});
    CHECK(out.records.size() == 1);
  }
  SECTION("an NLMSG_ERROR with an errno") {
    const auto bytes = netlink_builder().message(20, 0, good).error(-105).bytes();
    const auto out = walk(bytes);
    REQUIRE_FALSE(out.summary.has_value());
    CHECK(out.summary.error() == tcpstats::parse_error{errc::kernel_error, message_size, 105});
    CHECK(out.records.size() == 1);
  }
  SECTION("a zero-length header") {
    auto bytes = netlink_builder().message(20, 0, good).bytes();
    bytes.resize(bytes.size() + 16);
    const auto out = walk(bytes);
    REQUIRE_FALSE(out.summary.has_value());
    CHECK(out.summary.error() == tcpstats::parse_error{errc::zero_length, message_size});
    CHECK(out.records.size() == 1);
  }
}

#if defined(__linux__)
#include <linux/sock_diag.h>

TEST_CASE("group numbers match the system's <linux/sock_diag.h>", "[linux][sock_diag][destroy]") {
  CHECK(sd::sknlgrp_inet_tcp_destroy == SKNLGRP_INET_TCP_DESTROY);
  CHECK(sd::sknlgrp_inet6_tcp_destroy == SKNLGRP_INET6_TCP_DESTROY);
}
#endif
