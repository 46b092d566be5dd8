// The sock_diag walker on synthetic netlink streams: framing, NLMSG_DONE
// and NLMSG_ERROR, interrupted dumps, attributes, tcp_info of every length,
// state numbers. On Linux the tcp_info offsets are checked against the
// system's <linux/tcp.h>.
#include <catch2/catch.hpp>

#include <array>
#include <climits>

#include "netlink_builder.hpp"
#include "tcpstats/sock_diag/dump.hpp"
#include "tcpstats/sock_diag/materialize.hpp"

#if defined(__linux__)
#include <linux/tcp.h>
#include <cstddef>
#endif

namespace sd = tcpstats::sock_diag;
using tcpstats::errc;
using tcpstats::parse_error;
using tcpstats::test::bytes_of;
using tcpstats::test::diag_payload;
using tcpstats::test::netlink_builder;

namespace {

// A tcp_info of `length` bytes with every u32 slot holding its own offset
// (so each field's value tells where it was read), and known header bytes.
std::vector<std::byte> tcp_info_bytes(std::size_t length) {
  std::vector<std::byte> out(length);
  for (std::size_t at = 8; at + 4 <= length; at += 4) {
    const auto v = static_cast<std::uint32_t>(at);
    std::memcpy(out.data() + at, &v, 4);
  }
  const std::array<std::uint8_t, 8> head{1, 3, 2, 1, 4, 7, 0x4a, 0x05};  // wscale snd 10, rcv 4; app_limited, tfo 2
  for (std::size_t i = 0; i < 8 && i < length; ++i) out[i] = std::byte{head[i]};
  return out;
}

struct walked {
  std::vector<tcpstats::connection_record> records;
  tcpstats::result<sd::dump_summary> summary{parse_error{errc::missing_done, 0}};
};

walked walk(const std::vector<std::byte>& bytes) {
  walked out;
  out.summary = sd::walk_dump(bytes, [&out](const sd::inet_diag_msg_view& msg) {
    tcpstats::connection_record r;
    const auto attrs = sd::materialize(msg, r);
    REQUIRE(attrs.has_value());
    out.records.push_back(r);
  });
  return out;
}

}  // namespace

TEST_CASE("an established IPv4 socket with tcp_info and attributes", "[linux][sock_diag]") {
  const auto info = tcp_info_bytes(280);
  std::vector<std::byte> cong{std::byte{'c'}, std::byte{'u'}, std::byte{'b'}, std::byte{'i'}, std::byte{'c'},
                              std::byte{0}};
  const std::array<std::uint32_t, 9> skmem{1, 2, 3, 4, 5, 6, 7, 8, 9};
  const auto msg = diag_payload(sd::af_inet, 1)
                       .ports(40100, 54704)
                       .src({127, 0, 0, 1})
                       .dst({10, 1, 2, 3})
                       .u32_at(40, 3)            // idiag_if
                       .u32_at(44, 0x12345678)   // cookie low
                       .u32_at(48, 0x9)          // cookie high
                       .u32_at(56, 11)           // rqueue
                       .u32_at(60, 22)           // wqueue
                       .u32_at(64, 1000)         // uid
                       .u32_at(68, 73894)        // inode
                       .attribute(sd::attr::info, info)
                       .attribute(sd::attr::cong, cong)
                       .attribute(sd::attr::skmeminfo, bytes_of(skmem))
                       .attribute(sd::attr::tos, {std::byte{0x10}})
                       .attribute(sd::attr::shutdown, {std::byte{2}})
                       .attribute(sd::attr::sockopt, {std::byte{0x22}, std::byte{0x01}})
                       .attribute(99, {std::byte{1}, std::byte{2}});  // unknown: skipped
  const auto out = walk(netlink_builder().message(20, 0x2, msg.bytes()).done().bytes());
  REQUIRE(out.summary.has_value());
  CHECK(out.summary->sockets == 1);
  CHECK(out.summary->replies == 1);
  CHECK_FALSE(out.summary->interrupted);
  REQUIRE(out.records.size() == 1);
  const auto& r = out.records[0];
  CHECK(to_string(*r.local_address) == "127.0.0.1");
  CHECK(to_string(*r.remote_address) == "10.1.2.3");
  CHECK(r.local_port == 40100);
  CHECK(r.remote_port == 54704);
  CHECK(r.state == tcpstats::tcp_state::established);
  CHECK(r.kernel_state == 1);
  CHECK(r.socket_id == 0x912345678u);
  CHECK(r.uid == 1000u);
  CHECK(r.inode == 73894u);
  CHECK(r.interface_index == 3u);
  CHECK(r.rcv_buf_used == 11u);
  CHECK(r.snd_buf_used == 22u);
  CHECK_FALSE(r.listen_queue_len);
  CHECK(r.ca_state == 3);
  CHECK(r.retransmits == 2);
  CHECK(r.options == 7);
  CHECK(r.snd_wscale == 10);
  CHECK(r.rcv_wscale == 4);
  CHECK(r.delivery_rate_app_limited == true);
  CHECK(r.fastopen_client_fail == 2);
  // Each u32 holds its offset: the value proves where it was read.
  CHECK(r.rto_us == 8u);
  CHECK(r.snd_mss == 16u);
  CHECK(r.lost == 32u);
  CHECK(r.rtt_us == 68u);
  CHECK(r.rttvar_us == 72u);
  CHECK(r.snd_cwnd_segments == 80u);
  CHECK(r.total_retrans == 100u);
  CHECK(r.pacing_rate_bytes_per_sec == (std::uint64_t{108} << 32 | 104));
  CHECK(r.bytes_acked == (std::uint64_t{124} << 32 | 120));
  CHECK(r.rtt_min_us == 148u);
  CHECK(r.bytes_retrans == (std::uint64_t{212} << 32 | 208));
  CHECK(r.snd_wnd == 228u);
  CHECK(r.rcv_wnd == 232u);
  CHECK(r.rehash == 236u);
  CHECK(r.total_rto == 240u);           // u16 at 240 (low half of the u32 slot)
  CHECK(r.total_rto_recoveries == 0u);  // u16 at 242
  CHECK(r.total_rto_time_ms == 244u);
  CHECK(r.cc_algo->view() == "cubic");
  CHECK(r.skmem_rmem_alloc == 1u);
  CHECK(r.skmem_drops == 9u);
  CHECK(r.tos == 0x10);
  CHECK(r.shutdown == 2);
  CHECK(r.sockopt == 0x0122);  // is_icsk, transparent, bind_address_no_port
  CHECK_FALSE(r.mark);
  CHECK_FALSE(r.cgroup_id);
}

TEST_CASE("tcp_info fields past the kernel's length are absent", "[linux][sock_diag]") {
  for (const std::size_t length : {std::size_t{104}, std::size_t{160}, std::size_t{232}, std::size_t{248}}) {
    INFO(length);
    const auto msg = diag_payload(sd::af_inet6, 1).attribute(sd::attr::info, tcp_info_bytes(length));
    const auto out = walk(netlink_builder().message(20, 0, msg.bytes()).done().bytes());
    REQUIRE(out.records.size() == 1);
    const auto& r = out.records[0];
    CHECK(r.total_retrans == 100u);  // present from 104 on
    CHECK(r.pacing_rate_bytes_per_sec.has_value() == (length >= 112));
    CHECK(r.bytes_acked.has_value() == (length >= 128));
    CHECK(r.snd_wnd.has_value() == (length >= 232));
    CHECK(r.rcv_wnd.has_value() == (length >= 236));
    CHECK(r.total_rto_time_ms.has_value() == (length >= 248));
  }
}

TEST_CASE("a tcp_info with every known field reads the same through the fixed-size view", "[linux][sock_diag]") {
  // materialize() reads a tcp_info of known_size bytes or more through a
  // view of fixed extent (no bounds checks); shorter ones field by field.
  for (const std::size_t length : {sd::tcp_info_offsets::known_size - 1, sd::tcp_info_offsets::known_size,
                                   std::size_t{280}}) {
    INFO(length);
    const auto info = tcp_info_bytes(length);
    const auto msg = diag_payload(sd::af_inet, 1).attribute(sd::attr::info, info);
    const auto out = walk(netlink_builder().message(20, 0, msg.bytes()).done().bytes());
    REQUIRE(out.records.size() == 1);
    tcpstats::connection_record field_by_field = out.records[0];
    sd::detail::fill_tcp_info(sd::tcp_info_view(info), field_by_field);
    CHECK(out.records[0] == field_by_field);
    CHECK(out.records[0].total_rto_time_ms.has_value() == (length >= sd::tcp_info_offsets::known_size));
  }
}

TEST_CASE("kernel names become valid UTF-8", "[linux][sock_diag]") {
  // Regression (fuzz_replay): a congestion-control name with bytes 0xff
  // made JSON that protobuf's parser rejects.
  const auto msg = diag_payload(sd::af_inet, 1)
                       .attribute(sd::attr::cong, {std::byte{'b'}, std::byte{'b'}, std::byte{0xff}, std::byte{0xff},
                                                   std::byte{0}})
                       .bytes();
  const auto out = walk(netlink_builder().message(20, 0, msg).done().bytes());
  CHECK(out.records[0].cc_algo->view() == "bb??");
  using tcpstats::short_name;
  CHECK(short_name::from_untrusted("cubic").view() == "cubic");
  CHECK(short_name::from_untrusted(std::string(32, 'a')).view() == std::string(32, 'a'));  // ASCII that fits
  CHECK(short_name::from_untrusted(std::string(40, 'a')).view() == std::string(32, 'a'));  // cut at capacity
  CHECK(short_name::from_untrusted(std::string(31, 'a') + "\xc3\xa9").view() == std::string(31, 'a') + "?");  // é does not fit
  CHECK(short_name::from_untrusted("caf\xc3\xa9").view() == "caf\xc3\xa9");        // é stays
  CHECK(short_name::from_untrusted("x\xc3").view() == "x?");                          // cut sequence
  CHECK(short_name::from_untrusted("\xc0\xaf").view() == "??");                      // overlong
  CHECK(short_name::from_untrusted("\xed\xa0\x80").view() == "???");                // surrogate
  CHECK(short_name::from_untrusted("\xf4\x90\x80\x80").view() == "????");          // above U+10FFFF
  CHECK(short_name::from_untrusted("\xf0\x9f\x98\x80").view() == "\xf0\x9f\x98\x80");  // emoji stays
}

TEST_CASE("Linux state numbers map onto the schema's", "[linux][sock_diag]") {
  using tcpstats::tcp_state;
  CHECK(*sd::tcp_state_from_linux(10) == tcp_state::listen);
  CHECK(*sd::tcp_state_from_linux(12) == tcp_state::syn_received);  // NEW_SYN_RECV
  CHECK(*sd::tcp_state_from_linux(6) == tcp_state::time_wait);
  CHECK(*sd::tcp_state_from_linux(7) == tcp_state::closed);
  CHECK(*sd::tcp_state_from_linux(13) == tcp_state::closed);  // BOUND_INACTIVE
  CHECK(sd::tcp_state_from_linux(0).error() == parse_error{errc::invalid_state, 0});
  CHECK(sd::tcp_state_from_linux(14, 5).error() == parse_error{errc::invalid_state, 5});
  for (int s = 0; s < 11; ++s) {
    const auto state = static_cast<tcp_state>(s);
    CHECK(*sd::tcp_state_from_linux(sd::linux_state_of(state)) == state);
  }
  // An unknown number leaves state absent but reported.
  const auto out = walk(netlink_builder().message(20, 0, diag_payload(sd::af_inet, 99).bytes()).done().bytes());
  REQUIRE(out.records.size() == 1);
  CHECK_FALSE(out.records[0].state);
  CHECK(out.records[0].kernel_state == 99);
}

TEST_CASE("listeners report their accept queue; request sockets no queues", "[linux][sock_diag]") {
  const auto listener = diag_payload(sd::af_inet6, 10).u32_at(56, 3).u32_at(60, 128);
  const auto request = diag_payload(sd::af_inet, 12).u32_at(56, 5).u32_at(60, 6);
  const auto out = walk(netlink_builder()
                            .message(20, 0x2, listener.bytes())
                            .message(20, 0x2, request.bytes())
                            .done()
                            .bytes());
  REQUIRE(out.records.size() == 2);
  CHECK(out.records[0].listen_queue_len == 3u);
  CHECK(out.records[0].listen_queue_limit == 128u);
  CHECK_FALSE(out.records[0].rcv_buf_used);
  CHECK_FALSE(out.records[1].rcv_buf_used);
  CHECK_FALSE(out.records[1].listen_queue_len);
  CHECK_FALSE(out.records[1].rtt_us);  // no tcp_info at all: everything absent
  CHECK_FALSE(out.records[1].bytes_acked);
}

TEST_CASE("link-local IPv6 takes its zone from idiag_if", "[linux][sock_diag]") {
  const auto msg = diag_payload(sd::af_inet6, 1)
                       .src({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
                       .dst({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2})
                       .u32_at(40, 7);
  const auto out = walk(netlink_builder().message(20, 0, msg.bytes()).done().bytes());
  CHECK(to_string(*out.records[0].local_address) == "fe80::1%7");
  CHECK(to_string(*out.records[0].remote_address) == "2001:db8::2");
}

TEST_CASE("dump framing: several replies, interruptions, kernel errors", "[linux][sock_diag]") {
  const auto one = diag_payload(sd::af_inet, 1).bytes();
  const auto two_replies =
      netlink_builder().message(20, 0x2, one).done().message(1, 0, {}).message(20, 0x12, one).done().bytes();
  const auto out = walk(two_replies);
  REQUIRE(out.summary.has_value());
  CHECK(out.summary->sockets == 2);
  CHECK(out.summary->replies == 2);
  CHECK(out.summary->interrupted);  // NLM_F_DUMP_INTR on the second reply

  CHECK(walk(netlink_builder().message(20, 0, one).bytes()).summary.error() ==
        parse_error{errc::missing_done, 88});
  CHECK(walk(netlink_builder().error(-13).bytes()).summary.error() == parse_error{errc::kernel_error, 0, 13});
  CHECK(walk(netlink_builder().error(0).done().bytes()).summary.has_value());  // an ACK
  CHECK(walk(netlink_builder().done(-4).bytes()).summary.error() == parse_error{errc::kernel_error, 0, 4});
  CHECK(walk({}).summary.error() == parse_error{errc::missing_done, 0});
  // Regression (fuzz_sock_diag): an errno of INT32_MIN negated overflowed.
  CHECK(walk(netlink_builder().error(INT32_MIN).bytes()).summary.error() ==
        parse_error{errc::kernel_error, 0, INT32_MAX});
  CHECK(walk(netlink_builder().done(INT32_MIN).bytes()).summary.error() ==
        parse_error{errc::kernel_error, 0, INT32_MAX});

  auto cut = two_replies;
  cut.resize(50);
  CHECK(walk(cut).summary.error() == parse_error{errc::truncated_record, 0});
  auto stub = two_replies;
  stub.resize(10);  // not even a header
  CHECK(walk(stub).summary.error() == parse_error{errc::truncated_record, 0});
  auto tiny = two_replies;
  tiny[0] = std::byte{12};  // nlmsg_len below the header's 16
  tiny[1] = tiny[2] = tiny[3] = std::byte{0};
  CHECK(walk(tiny).summary.error() == parse_error{errc::record_too_short, 0});
  const auto short_diag = netlink_builder().message(20, 0, std::vector<std::byte>(40)).done().bytes();
  CHECK(walk(short_diag).summary.error() == parse_error{errc::record_too_short, 16});
}

TEST_CASE("every attribute length is checked", "[linux][sock_diag]") {
  auto msg = diag_payload(sd::af_inet, 1).attribute(sd::attr::cong, {std::byte{'x'}, std::byte{0}}).bytes();
  const auto walk_attrs = [](const std::vector<std::byte>& payload) {
    const auto view = sd::inet_diag_msg_view::parse(payload, 16);
    REQUIRE(view.has_value());
    tcpstats::connection_record r;
    return sd::materialize(*view, r);
  };
  CHECK(walk_attrs(msg).has_value());
  auto bad = msg;
  bad[72] = std::byte{3};  // rta_len below its own header
  CHECK(walk_attrs(bad).error() == parse_error{errc::bad_attribute, 16 + 72});
  bad[72] = std::byte{40};  // past the message
  CHECK(walk_attrs(bad).error() == parse_error{errc::bad_attribute, 16 + 72});
  auto stub = msg;
  stub.resize(74);  // two bytes of a header
  CHECK(walk_attrs(stub).error() == parse_error{errc::bad_attribute, 16 + 72});
  // A short fixed-size attribute leaves its fields absent, it is not an error.
  const auto short_mark = diag_payload(sd::af_inet, 1).attribute(sd::attr::mark, {std::byte{1}}).bytes();
  tcpstats::connection_record r;
  REQUIRE(sd::materialize(*sd::inet_diag_msg_view::parse(short_mark, 0), r).has_value());
  CHECK_FALSE(r.mark);
}

#if defined(__linux__)
TEST_CASE("tcp_info offsets match the system's <linux/tcp.h>", "[linux][sock_diag]") {
  namespace o = sd::tcp_info_offsets;
#define TCPSTATS_CHECK_OFFSET(member)                          \
  CHECK(o::member.offset == offsetof(struct tcp_info, member)); \
  CHECK(o::member.size == sizeof(tcp_info{}.member))
  TCPSTATS_CHECK_OFFSET(tcpi_state);
  TCPSTATS_CHECK_OFFSET(tcpi_ca_state);
  TCPSTATS_CHECK_OFFSET(tcpi_retransmits);
  TCPSTATS_CHECK_OFFSET(tcpi_probes);
  TCPSTATS_CHECK_OFFSET(tcpi_backoff);
  TCPSTATS_CHECK_OFFSET(tcpi_options);
  TCPSTATS_CHECK_OFFSET(tcpi_rto);
  TCPSTATS_CHECK_OFFSET(tcpi_ato);
  TCPSTATS_CHECK_OFFSET(tcpi_snd_mss);
  TCPSTATS_CHECK_OFFSET(tcpi_rcv_mss);
  TCPSTATS_CHECK_OFFSET(tcpi_unacked);
  TCPSTATS_CHECK_OFFSET(tcpi_sacked);
  TCPSTATS_CHECK_OFFSET(tcpi_lost);
  TCPSTATS_CHECK_OFFSET(tcpi_retrans);
  TCPSTATS_CHECK_OFFSET(tcpi_fackets);
  TCPSTATS_CHECK_OFFSET(tcpi_last_data_sent);
  TCPSTATS_CHECK_OFFSET(tcpi_last_ack_sent);
  TCPSTATS_CHECK_OFFSET(tcpi_last_data_recv);
  TCPSTATS_CHECK_OFFSET(tcpi_last_ack_recv);
  TCPSTATS_CHECK_OFFSET(tcpi_pmtu);
  TCPSTATS_CHECK_OFFSET(tcpi_rcv_ssthresh);
  TCPSTATS_CHECK_OFFSET(tcpi_rtt);
  TCPSTATS_CHECK_OFFSET(tcpi_rttvar);
  TCPSTATS_CHECK_OFFSET(tcpi_snd_ssthresh);
  TCPSTATS_CHECK_OFFSET(tcpi_snd_cwnd);
  TCPSTATS_CHECK_OFFSET(tcpi_advmss);
  TCPSTATS_CHECK_OFFSET(tcpi_reordering);
  TCPSTATS_CHECK_OFFSET(tcpi_rcv_rtt);
  TCPSTATS_CHECK_OFFSET(tcpi_rcv_space);
  TCPSTATS_CHECK_OFFSET(tcpi_total_retrans);
  TCPSTATS_CHECK_OFFSET(tcpi_pacing_rate);
  TCPSTATS_CHECK_OFFSET(tcpi_max_pacing_rate);
  TCPSTATS_CHECK_OFFSET(tcpi_bytes_acked);
  TCPSTATS_CHECK_OFFSET(tcpi_bytes_received);
  TCPSTATS_CHECK_OFFSET(tcpi_segs_out);
  TCPSTATS_CHECK_OFFSET(tcpi_segs_in);
  TCPSTATS_CHECK_OFFSET(tcpi_notsent_bytes);
  TCPSTATS_CHECK_OFFSET(tcpi_min_rtt);
  TCPSTATS_CHECK_OFFSET(tcpi_data_segs_in);
  TCPSTATS_CHECK_OFFSET(tcpi_data_segs_out);
  TCPSTATS_CHECK_OFFSET(tcpi_delivery_rate);
  TCPSTATS_CHECK_OFFSET(tcpi_busy_time);
  TCPSTATS_CHECK_OFFSET(tcpi_rwnd_limited);
  TCPSTATS_CHECK_OFFSET(tcpi_sndbuf_limited);
  TCPSTATS_CHECK_OFFSET(tcpi_delivered);
  TCPSTATS_CHECK_OFFSET(tcpi_delivered_ce);
  TCPSTATS_CHECK_OFFSET(tcpi_bytes_sent);
  TCPSTATS_CHECK_OFFSET(tcpi_bytes_retrans);
  TCPSTATS_CHECK_OFFSET(tcpi_dsack_dups);
  TCPSTATS_CHECK_OFFSET(tcpi_reord_seen);
  TCPSTATS_CHECK_OFFSET(tcpi_rcv_ooopack);
  TCPSTATS_CHECK_OFFSET(tcpi_snd_wnd);
#undef TCPSTATS_CHECK_OFFSET
  CHECK(sizeof(tcp_info) <= o::known_size);  // the system's struct is no newer than ours

  // The bitfields: snd_wscale is the low nibble of byte 6.
  tcp_info info{};
  info.tcpi_snd_wscale = 10;
  info.tcpi_rcv_wscale = 4;
  info.tcpi_delivery_rate_app_limited = 1;
  info.tcpi_fastopen_client_fail = 2;
  const auto bytes = bytes_of(info);
  const sd::tcp_info_view view(bytes);
  CHECK(view.snd_wscale() == 10);
  CHECK(view.rcv_wscale() == 4);
  CHECK(view.delivery_rate_app_limited() == true);
  CHECK(view.fastopen_client_fail() == 2);
}
#endif
