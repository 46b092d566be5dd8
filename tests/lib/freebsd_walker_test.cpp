// The FreeBSD pcblist walker and materialiser on buffers written by the
// JSON-driven builder: the sample of every release with exact values, each
// edge case of docs/freebsd.md (syncache entries, 12/13 TIME_WAIT without a
// socket, records newer than the header, generation changes, the moved
// xt_encaps_port, unterminated names), and malformed input.
#include <catch2/catch.hpp>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "freebsd_sample.hpp"
#include "tcpstats/freebsd/materialize.hpp"
#include "tcpstats/freebsd/pcblist.hpp"

namespace freebsd = tcpstats::freebsd;
using tcpstats::errc;
using tcpstats::parse_error;
using namespace tcpstats::test;

namespace {

freebsd::freebsd_release release_of(const std::string& version) {
  return {static_cast<std::uint32_t>(std::stoul(version)), 0};
}

struct walked {
  std::vector<tcpstats::connection_record> records;
  std::vector<std::size_t> offsets;
  std::optional<parse_error> error;
  std::size_t yields_after_error = 0;
  std::size_t skipped = 0;
  std::optional<std::uint64_t> trailer_gen;
};

walked walk(const std::vector<std::byte>& bytes, freebsd::freebsd_release release = freebsd::newest_known_release) {
  walked out;
  const auto list = freebsd::pcblist::parse(bytes, release);
  if (!list) {
    out.error = list.error();
    return out;
  }
  auto records = list->records();
  for (const auto& r : records) {
    if (out.error) {
      ++out.yields_after_error;
      continue;
    }
    if (!r) {
      out.error = r.error();
      continue;
    }
    out.records.push_back(freebsd::materialize(*r));
    out.offsets.push_back(r->offset());
  }
  out.skipped = records.skipped();
  const auto trailer = records.trailer();
  if (trailer) {
    out.trailer_gen = trailer->xig_gen();
  } else {
    CHECK(out.error == trailer.error());  // the trailer reports the walk's error
  }
  return out;
}

tcpstats::ip_address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  tcpstats::ip_address out;
  out.bytes[0] = a;
  out.bytes[1] = b;
  out.bytes[2] = c;
  out.bytes[3] = d;
  return out;
}

std::vector<std::byte> one_connection(const std::string& version, const freebsd_connection& c, std::uint64_t gen = 50) {
  freebsd_blob blob(version);
  blob.header(1, gen);
  write_connection(blob, c);
  blob.trailer(1, gen);
  return blob.finish();
}

}  // namespace

TEST_CASE("the sample of every release decodes to its exact values", "[freebsd][walker]") {
  for (const std::string version : {"12", "13", "14", "15"}) {
    INFO("FreeBSD " << version);
    const bool has_13 = version != "12";
    const bool has_14 = version == "14" || version == "15";
    const auto w = walk(build_freebsd_sample(version), release_of(version));
    REQUIRE_FALSE(w.error);
    REQUIRE(w.records.size() == 6);
    CHECK(w.skipped == 1);  // inp_gencnt 501 > xig_gen 500
    CHECK(w.trailer_gen == sample_gen);
    CHECK(w.offsets == std::vector<std::size_t>{64, 64 + 744, 64 + 2 * 744, 64 + 3 * 744, 64 + 4 * 744, 64 + 5 * 744});

    const auto& syn = w.records[0];
    CHECK(syn.syncache_entry == true);
    CHECK(syn.state == tcpstats::tcp_state::syn_received);
    CHECK(syn.local_address == v4(192, 0, 2, 1));
    CHECK(syn.remote_address == v4(198, 51, 100, 20));
    CHECK(syn.local_port == 443);
    CHECK(syn.remote_port == 51000);
    CHECK(syn.fib == 0u);
    CHECK(syn.encaps_port == (has_13 ? std::optional<std::uint16_t>(0) : std::nullopt));
    // No PCB, socket or tcpcb behind a syncache entry: none of their fields.
    CHECK_FALSE(syn.socket_id);
    CHECK_FALSE(syn.uid);
    CHECK_FALSE(syn.inp_gencnt);
    CHECK_FALSE(syn.tcp_flags);
    CHECK_FALSE(syn.snd_buf_hiwat);
    CHECK_FALSE(syn.tcp_stack);

    const auto& listener = w.records[1];
    CHECK(listener.state == tcpstats::tcp_state::listen);
    CHECK(listener.local_address == v4(0, 0, 0, 0));
    CHECK(listener.local_port == 22);
    CHECK(listener.socket_id == so_listener);
    CHECK(listener.uid == 0u);
    CHECK(listener.listen_queue_len == 2u);
    CHECK(listener.listen_queue_incomplete == 1u);
    CHECK(listener.listen_queue_limit == 128u);
    CHECK(listener.so_options == 0x2u);
    CHECK(listener.inp_gencnt == 101u);
    CHECK_FALSE(listener.timer_keep_ms);  // 0: not armed
    CHECK_FALSE(listener.syncache_entry);

    const auto& est = w.records[2];
    CHECK(est.state == tcpstats::tcp_state::established);
    CHECK(est.kernel_state == 4);
    CHECK(est.local_address == v4(192, 0, 2, 1));
    CHECK(est.remote_address == v4(198, 51, 100, 7));
    CHECK(est.local_port == 22);
    CHECK(est.remote_port == 50001);
    CHECK(est.dual_stack == false);
    CHECK(est.fib == 1u);
    CHECK(est.socket_id == so_established);
    CHECK(est.uid == 1001u);
    CHECK(est.inp_gencnt == 102u);
    CHECK(est.inp_flags == 0x8000u);
    CHECK(est.inp_flags2 == 0x10u);
    CHECK(est.so_state == 0x2u);
    CHECK(est.rcv_buf_used == 100u);
    CHECK(est.rcv_buf_hiwat == 65536u);
    CHECK(est.snd_buf_used == 2000u);
    CHECK(est.snd_buf_hiwat == 32768u);
    CHECK_FALSE(est.listen_queue_len);
    CHECK(est.tcp_flags == 0x1e0u);
    CHECK(est.rexmit_packets == 3u);
    CHECK(est.ooo_packets == 2u);
    CHECK(est.zerowin_probes == 1u);
    CHECK(est.idle_time_ms == 250u);
    CHECK(est.timer_rexmt_ms == 1200u);
    CHECK_FALSE(est.timer_persist_ms);
    CHECK(est.timer_keep_ms == 7199000u);
    CHECK_FALSE(est.timer_2msl_ms);
    CHECK(est.timer_delack_ms == 40u);
    REQUIRE(est.tcp_stack);
    CHECK(est.tcp_stack->view() == "rack");
    // pcblist exports none of these (docs/freebsd.md, "Units").
    CHECK_FALSE(est.rtt_us);
    CHECK_FALSE(est.rttvar_us);
    CHECK_FALSE(est.rto_us);
    CHECK_FALSE(est.snd_nxt);
    CHECK_FALSE(est.snd_una);
    CHECK_FALSE(est.rcv_nxt);
    CHECK_FALSE(est.tx_bytes);
    CHECK_FALSE(est.rx_packets);
    CHECK_FALSE(est.pid);
    if (has_13) {
      REQUIRE(est.cc_algo);
      CHECK(est.cc_algo->view() == "newreno");
      CHECK(est.snd_cwnd == 28960u);
      CHECK(est.snd_ssthresh == 20272u);
      CHECK(est.maxseg == 1448u);
      CHECK(est.rcv_wnd == 65160u);
      CHECK(est.snd_wnd == 64128u);
      CHECK(est.ecn_flags == 1u);
      CHECK(est.encaps_port == 4500);
    } else {
      CHECK_FALSE(est.cc_algo);
      CHECK_FALSE(est.snd_cwnd);
      CHECK_FALSE(est.maxseg);
      CHECK_FALSE(est.ecn_flags);
      CHECK_FALSE(est.encaps_port);
    }
    if (has_14) {
      CHECK(est.dsack_bytes == 1448u);
      CHECK(est.dsack_tlp_bytes == 724u);
      CHECK(est.dsack_packets == 1u);
    } else {
      CHECK_FALSE(est.dsack_bytes);
      CHECK_FALSE(est.dsack_tlp_bytes);
      CHECK_FALSE(est.dsack_packets);
    }

    const auto& ll = w.records[3];
    REQUIRE(ll.local_address);
    CHECK(ll.local_address->family == tcpstats::ip_family::ipv6);
    CHECK(tcpstats::to_string(*ll.local_address) == "fe80::1%2");
    CHECK(tcpstats::to_string(*ll.remote_address) == "fe80::2%2");
    CHECK(ll.dual_stack == false);
    CHECK(ll.local_port == 8080);
    // Names that fill their fields have no NUL: bounded by the field.
    CHECK(ll.tcp_stack->view() == "abcdefghijklmnopqrstuvwxyz012345");
    if (has_13) CHECK(ll.cc_algo->view() == "cc_sixteen_chars");

    const auto& dual = w.records[4];
    CHECK(dual.dual_stack == true);
    CHECK(tcpstats::to_string(*dual.local_address) == "::");
    CHECK(dual.listen_queue_limit == 511u);
    CHECK(dual.uid == 80u);

    const auto& tw = w.records[5];
    CHECK(tw.state == tcpstats::tcp_state::time_wait);
    CHECK(tw.inp_gencnt == 105u);
    CHECK(tw.remote_port == 50002);
    if (has_14) {
      // 14+: TIME_WAIT keeps its socket and tcpcb.
      CHECK(tw.socket_id == so_time_wait);
      CHECK(tw.timer_2msl_ms == 30000u);
      CHECK(tw.tcp_flags == 0x1e0u);
    } else {
      // 12/13: empty socket part, zeroed tcpcb: only the PCB's fields.
      CHECK_FALSE(tw.socket_id);
      CHECK_FALSE(tw.uid);
      CHECK_FALSE(tw.snd_buf_hiwat);
      CHECK_FALSE(tw.tcp_flags);
      CHECK_FALSE(tw.timer_2msl_ms);
      CHECK_FALSE(tw.idle_time_ms);
      CHECK_FALSE(tw.tcp_stack);
      CHECK_FALSE(tw.snd_cwnd);
    }
  }
}

TEST_CASE("xt_encaps_port is read where the named release keeps it", "[freebsd][walker]") {
  freebsd_connection c;
  c.encaps_port = 4500;
  c.dsack_bytes = 0;  // 14's t_dsack_bytes shares 13's encaps offset
  const auto on_13 = one_connection("13", c);
  const auto on_14 = one_connection("14", c);
  CHECK(walk(on_13, {13, 1}).records.at(0).encaps_port == 4500);
  CHECK(walk(on_14, {14, 0}).records.at(0).encaps_port == 4500);
  CHECK(walk(on_14, {15, 0}).records.at(0).encaps_port == 4500);
  // The wrong release reads the other offset (0 here): the caller's choice matters.
  CHECK(walk(on_13, {14, 0}).records.at(0).encaps_port == 0);
  CHECK(walk(on_14, {13, 1}).records.at(0).encaps_port == 0);
  // 13's layout reads t_dsack_bytes' bytes as the port.
  c.dsack_bytes = 0x1194;  // 4500 in the low bytes, little-endian: port 0x9411
  CHECK(walk(one_connection("14", c), {13, 0}).records.at(0).encaps_port == 0x9411);
}

TEST_CASE("records newer than the header are skipped, wherever they are", "[freebsd][walker]") {
  freebsd_blob blob("14");
  blob.header(4, 100);
  for (std::uint64_t gencnt : {100u, 101u, 7u, 5000u}) {
    freebsd_connection c;
    c.inp_gencnt = gencnt;
    write_connection(blob, c);
  }
  blob.trailer(4, 103);
  const auto w = walk(blob.finish());
  REQUIRE_FALSE(w.error);
  REQUIRE(w.records.size() == 2);
  CHECK(w.records[0].inp_gencnt == 100u);
  CHECK(w.records[1].inp_gencnt == 7u);
  CHECK(w.skipped == 2);
  CHECK(w.trailer_gen == 103u);
}

TEST_CASE("a header/trailer generation mismatch is reported for a retry", "[freebsd][walker]") {
  freebsd_blob blob("14");
  blob.header(1, 77);
  write_connection(blob, freebsd_connection{});
  blob.trailer(2, 78);
  const auto bytes = blob.finish();
  const auto list = freebsd::pcblist::parse(bytes);
  REQUIRE(list);
  CHECK(list->header().xig_gen() == 77u);
  CHECK(list->header().xig_count() == 1u);
  auto records = list->records();
  const auto trailer = records.trailer();  // alone, it validates the whole buffer
  REQUIRE(trailer);
  CHECK(trailer->xig_gen() == 78u);
  CHECK(trailer->xig_count() == 2u);
  CHECK(trailer->offset() == 64 + 744);
}

TEST_CASE("an empty list is a header and a trailer", "[freebsd][walker]") {
  const auto w = walk(freebsd_blob("12").header(0, 3).trailer(0, 3).finish());
  CHECK_FALSE(w.error);
  CHECK(w.records.empty());
  CHECK(w.trailer_gen == 3u);
}

TEST_CASE("malformed pcblist buffers: k good records, then the error at its offset", "[freebsd][walker]") {
  const auto good_prefix = [](int records) {
    freebsd_blob blob("14");
    blob.header(2, 9);
    for (int i = 0; i < records; ++i) write_connection(blob, freebsd_connection{});
    return blob;
  };
  const std::size_t after_two = 64 + 2 * 744;
  struct error_case {
    const char* name;
    std::vector<std::byte> bytes;
    std::size_t good;
    parse_error expected;
  };
  std::vector<error_case> cases;
  {
    auto b = good_prefix(2);
    cases.push_back({"missing trailer", b.finish(), 2, {errc::missing_trailer, after_two}});
  }
  {
    auto b = good_prefix(2);
    b.raw_record(0, 744);
    cases.push_back({"zero length", b.finish(), 2, {errc::zero_length, after_two}});
  }
  {
    auto b = good_prefix(2);
    b.raw_record(4, 744);
    cases.push_back({"length below 8", b.finish(), 2, {errc::record_too_short, after_two}});
  }
  {
    auto b = good_prefix(2);
    b.raw_record(400, 744);
    cases.push_back({"length neither 64 nor 744", b.finish(), 2, {errc::unexpected_length, after_two}});
  }
  {
    auto b = good_prefix(2);
    b.raw_record(752, 744);
    cases.push_back({"length past the end", b.finish(), 2, {errc::truncated_record, after_two}});
  }
  {
    auto b = good_prefix(2);
    b.raw_record(~std::uint64_t{0}, 744);
    cases.push_back({"length 2^64-1", b.finish(), 2, {errc::truncated_record, after_two}});
  }
  {
    auto b = good_prefix(2);
    b.raw_record(744, 5);
    cases.push_back({"buffer ends inside a length", b.finish(), 2, {errc::truncated_record, after_two}});
  }
  {
    auto b = good_prefix(1);
    b.trailer(2, 9);
    b.append_raw(std::vector<std::byte>(8));
    cases.push_back({"bytes after the trailer", b.finish(), 1, {errc::trailing_garbage, 64 + 744 + 64}});
  }
  {
    auto b = good_prefix(1);
    auto bytes = b.finish();
    bytes.resize(bytes.size() - 1);
    cases.push_back({"record cut short", bytes, 0, {errc::truncated_record, 64}});
  }
  for (const auto& c : cases) {
    INFO(c.name);
    const auto w = walk(c.bytes);
    CHECK(w.records.size() == c.good);
    REQUIRE(w.error);
    CHECK(*w.error == c.expected);
    CHECK(w.yields_after_error == 0);
  }
}

TEST_CASE("malformed headers", "[freebsd][walker]") {
  const auto header = freebsd_blob("14").header(0, 1).trailer(0, 1).finish();
  std::vector<std::byte> short_buffer(header.begin(), header.begin() + 63);
  CHECK(freebsd::pcblist::parse(short_buffer).error() == parse_error{errc::truncated_header, 63});
  CHECK(freebsd::pcblist::parse(std::span<const std::byte>{}).error() == parse_error{errc::truncated_header, 0});
  auto macos_like = header;
  macos_like[0] = std::byte{24};
  CHECK(freebsd::pcblist::parse(macos_like).error() == parse_error{errc::bad_header_length, 0});
  auto wide = header;
  wide[4] = std::byte{1};  // 64 + 2^32
  CHECK(freebsd::pcblist::parse(wide).error() == parse_error{errc::bad_header_length, 0});
}

TEST_CASE("an unknown state number is kept raw, not invented", "[freebsd][walker]") {
  freebsd_connection c;
  c.t_state = 42;
  const auto w = walk(one_connection("14", c));
  REQUIRE(w.records.size() == 1);
  CHECK_FALSE(w.records[0].state);
  CHECK(w.records[0].kernel_state == 42);
}

TEST_CASE("overdue timers read as due now, unarmed ones as absent", "[freebsd][walker]") {
  freebsd_connection c;
  c.tt_rexmt = -3;
  c.tt_persist = 0;
  c.tt_keep = 1;
  const auto r = walk(one_connection("14", c)).records.at(0);
  CHECK(r.timer_rexmt_ms == 0u);
  CHECK_FALSE(r.timer_persist_ms);
  CHECK(r.timer_keep_ms == 1u);
}

TEST_CASE("names with bytes that are not UTF-8 stay valid text", "[freebsd][walker]") {
  freebsd_connection c;
  c.stack = "ra\xff";
  c.cc = "";
  const auto r = walk(one_connection("14", c)).records.at(0);
  CHECK(r.tcp_stack->view() == "ra?");
  CHECK_FALSE(r.cc_algo);  // an empty name is absent
}

TEST_CASE("no prefix or corruption of a sample crashes or hangs the walker", "[freebsd][walker][malformed]") {
  const auto sample = build_freebsd_sample("14");
  for (std::size_t n = 0; n <= sample.size(); ++n) {
    const std::vector<std::byte> prefix(sample.begin(), sample.begin() + static_cast<std::ptrdiff_t>(n));
    const auto w = walk(prefix);
    if (n != sample.size()) CHECK(w.error);
  }
  std::mt19937_64 rng(5);
  for (int round = 0; round < 2000; ++round) {
    auto bytes = sample;
    for (int k = 0; k < 4; ++k) bytes[rng() % bytes.size()] = std::byte(rng());
    (void)walk(bytes, {static_cast<std::uint32_t>(12 + rng() % 5), 0});
  }
}
