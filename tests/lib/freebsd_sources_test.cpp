// The other FreeBSD inputs: kern.file and the process join, the per-release
// net.inet.tcp.stats mapping, net.inet.tcp.states, and /dev/tcpstats
// records; exact values, every rejection with its offset, and corrupted
// input.
#include <catch2/catch.hpp>

#include <array>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "freebsd_sample.hpp"
#include "tcpstats/freebsd/dev_tcpstats.hpp"
#include "tcpstats/freebsd/kern_file.hpp"
#include "tcpstats/freebsd/pcblist.hpp"
#include "tcpstats/freebsd/socket_owners.hpp"
#include "tcpstats/freebsd/tcpstat.hpp"

namespace freebsd = tcpstats::freebsd;
using tcpstats::errc;
using tcpstats::parse_error;
using namespace tcpstats::test;

TEST_CASE("kern.file entries decode by their fields", "[freebsd][kern_file]") {
  const auto bytes = kern_file_blob(sample_files_entries());
  const auto files = freebsd::xfile_list::parse(bytes);
  REQUIRE(files);
  REQUIRE(files->size() == 7);
  const auto f = (*files)[2];
  CHECK(f.offset() == 256);
  CHECK(f.xf_size() == 128u);
  CHECK(f.xf_pid() == 812);
  CHECK(f.xf_uid() == 1001u);
  CHECK(f.xf_fd() == 5);
  CHECK(f.xf_type() == 2);
  CHECK(f.is_socket());
  CHECK(f.xf_data() == so_established);
  CHECK(f.xf_file() == 0xfffff80010000003u);
  CHECK_FALSE((*files)[4].is_socket());
  CHECK(freebsd::xfile_list::parse(std::span<const std::byte>{})->size() == 0);
}

TEST_CASE("kern.file is rejected at the first entry that is not 128 bytes", "[freebsd][kern_file]") {
  auto bytes = kern_file_blob(sample_files_entries());
  auto bad_size = bytes;
  bad_size[128 * 3] = std::byte{120};
  CHECK(freebsd::xfile_list::parse(bad_size).error() == parse_error{errc::unexpected_length, 384});
  auto cut = bytes;
  cut.resize(cut.size() - 1);
  CHECK(freebsd::xfile_list::parse(cut).error() == parse_error{errc::truncated_record, 768});
  cut.resize(128 + 5);
  CHECK(freebsd::xfile_list::parse(cut).error() == parse_error{errc::truncated_record, 128});
}

TEST_CASE("the kern.file join: sockets only, lowest pid then lowest fd", "[freebsd][join]") {
  const auto bytes = kern_file_blob(sample_files_entries());
  const freebsd::socket_owners owners(*freebsd::xfile_list::parse(bytes));
  CHECK(owners.size() == 6);  // the vnode is not a socket
  CHECK(owners.find(so_listener) == freebsd::socket_owner{700, 3, 0});
  // Open in pid 900 fd 7 and pid 812 fds 5 and 4, in that kern.file order.
  CHECK(owners.find(so_established) == freebsd::socket_owner{812, 4, 1001});
  // The vnode (pid 812 fd 1) has the same xf_data: only the socket joins.
  CHECK(owners.find(so_link_local) == freebsd::socket_owner{1200, 6, 1002});
  CHECK_FALSE(owners.find(so_dual_listener));
  CHECK_FALSE(owners.find(0));  // syncache entries and 12/13 TIME_WAIT have no socket
  CHECK_FALSE(freebsd::socket_owners{}.find(so_listener));
}

TEST_CASE("net.inet.tcp.stats maps each release's member order", "[freebsd][tcpstat]") {
  const auto& reference = freebsd_reference_layouts::instance();
  struct case_t {
    std::string version;
    std::size_t size;
    std::size_t rcvoopack_index;
    std::vector<std::uint32_t> read_as;  // releases that read this layout
  };
  for (const auto& [version, size, rcvoopack_index, read_as] :
       {case_t{"13", 904, 38, {12, 13}}, case_t{"14", 984, 39, {14}}, case_t{"15", 1000, 39, {15, 16}}}) {
    INFO("FreeBSD " << version);
    const auto& fields = reference.get(version, "tcpstat").fields;
    // Every member holds a value derived from its name: a wrong index reads another's.
    const auto value = [](const std::string& name) {
      std::uint64_t h = 1469598103934665603ull;
      for (const char c : name) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
      return h;
    };
    const auto bytes = tcpstat_blob(version, value);
    CHECK(bytes.size() == size);
    for (const std::uint32_t major : read_as) {
      INFO("decoded as " << major);
      const auto c = freebsd::decode_tcpstat(bytes, freebsd::freebsd_release{major, 4});
      REQUIRE(c);
      CHECK(c->connattempt == value("tcps_connattempt"));
      CHECK(c->accepts == value("tcps_accepts"));
      CHECK(c->connects == value("tcps_connects"));
      CHECK(c->drops == value("tcps_drops"));
      CHECK(c->conndrops == value("tcps_conndrops"));
      CHECK(c->closed == value("tcps_closed"));
      CHECK(c->sndtotal == value("tcps_sndtotal"));
      CHECK(c->sndpack == value("tcps_sndpack"));
      CHECK(c->sndbyte == value("tcps_sndbyte"));
      CHECK(c->sndrexmitpack == value("tcps_sndrexmitpack"));
      CHECK(c->sndrexmitbyte == value("tcps_sndrexmitbyte"));
      CHECK(c->rcvtotal == value("tcps_rcvtotal"));
      CHECK(c->rcvpack == value("tcps_rcvpack"));
      CHECK(c->rcvbyte == value("tcps_rcvbyte"));
      CHECK(c->rcvbadsum == value("tcps_rcvbadsum"));
      CHECK(c->rcvduppack == value("tcps_rcvduppack"));
      CHECK(c->rcvoopack == value("tcps_rcvoopack"));
    }
    CHECK(fields.at("tcps_rcvoopack").index == rcvoopack_index);
  }
  // The sample files: member i holds 1000 i + 7.
  const auto c14 = freebsd::decode_tcpstat(sample_tcpstat("14"), {14, 1});
  CHECK(c14->sndtotal == 17007u);
  CHECK(c14->rcvduppack == 35007u);
}

// Written by hand from FreeBSD 13.4's struct tcpstat (netinet/tcp_var.h),
// not from the layouts JSON: u64 members in declaration order, no
// tcps_progdrops between tcps_keepdrops (index 15) and tcps_sndtotal (16).
TEST_CASE("a FreeBSD 13.4 net.inet.tcp.stats decodes to its own counters", "[freebsd][tcpstat]") {
  std::vector<std::byte> bytes(904);
  const auto put = [&bytes](std::size_t index, std::uint64_t v) {
    for (std::size_t b = 0; b < 8; ++b) bytes[index * 8 + b] = std::byte((v >> (8 * b)) & 0xff);
  };
  for (std::size_t i = 0; i < 113; ++i) put(i, 0xdead0000u + i);  // 106 counters and _pad[7]
  put(0, 11);       // tcps_connattempt
  put(1, 12);       // tcps_accepts
  put(2, 13);       // tcps_connects
  put(3, 14);       // tcps_drops
  put(4, 15);       // tcps_conndrops
  put(6, 16);       // tcps_closed
  put(15, 99);      // tcps_keepdrops: the member 14 follows with tcps_progdrops
  put(16, 5000);    // tcps_sndtotal
  put(17, 4000);    // tcps_sndpack
  put(18, 3000000); // tcps_sndbyte
  put(19, 40);      // tcps_sndrexmitpack
  put(20, 41000);   // tcps_sndrexmitbyte
  put(27, 7000);    // tcps_rcvtotal
  put(28, 6000);    // tcps_rcvpack
  put(29, 5000000); // tcps_rcvbyte
  put(30, 3);       // tcps_rcvbadsum
  put(34, 21);      // tcps_rcvduppack
  put(38, 17);      // tcps_rcvoopack
  const tcpstats::freebsd::tcpstat_counters expected{11, 12, 13, 14, 15, 16, 5000, 4000, 3000000, 40, 41000,
                                                     7000, 6000, 5000000, 3, 21, 17};
  for (const auto release : {freebsd::freebsd_release{13, 4}, freebsd::freebsd_release{13, 0},
                             freebsd::freebsd_release{12, 4}}) {
    INFO(release.major << "." << release.minor);
    const auto c = freebsd::decode_tcpstat(bytes, release);
    REQUIRE(c);
    CHECK(*c == expected);
  }
  // Read with 14's order, the same bytes give the neighbouring counters:
  // what every 13.x host reported before 13 had a table of its own.
  const auto as14 = freebsd::decode_tcpstat(bytes, freebsd::freebsd_release{14, 0});
  REQUIRE(as14);
  CHECK(as14->sndtotal == 4000u);
  CHECK(as14->rcvoopack == 0xdead0000u + 39);
}

TEST_CASE("net.inet.tcp.stats too short for a release is rejected", "[freebsd][tcpstat]") {
  const auto bytes = sample_tcpstat("14");
  const std::vector<std::byte> short_one(bytes.begin(), bytes.begin() + 39 * 8 + 7);
  CHECK(freebsd::decode_tcpstat(short_one).error() == parse_error{errc::record_too_short, 0});
  const std::vector<std::byte> just_enough(bytes.begin(), bytes.begin() + 40 * 8);
  CHECK(freebsd::decode_tcpstat(just_enough)->rcvoopack == 39007u);
  CHECK_FALSE(freebsd::decode_tcpstat(std::span<const std::byte>{}));
}

TEST_CASE("net.inet.tcp.states is 11 counts", "[freebsd][tcpstat]") {
  const auto bytes = tcp_states_blob({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0x1'0000'0000ull});
  const auto states = freebsd::decode_tcp_states(bytes);
  REQUIRE(states);
  CHECK((*states)[4] == 5u);
  CHECK((*states)[10] == 0x1'0000'0000u);
  const std::vector<std::byte> shorter(bytes.begin(), bytes.end() - 8);
  CHECK(freebsd::decode_tcp_states(shorter).error() == parse_error{errc::record_too_short, 0});
  auto longer = bytes;
  longer.resize(96);
  CHECK(freebsd::decode_tcp_states(longer).error() == parse_error{errc::unexpected_length, 0});
}

TEST_CASE("/dev/tcpstats records decode to their exact values", "[freebsd][dev_tcpstats]") {
  const auto bytes = build_dev_tcpstats_sample();
  CHECK(freebsd::looks_like_dev_tcpstats(bytes));
  const auto records = freebsd::tcpstats_records::parse(bytes);
  REQUIRE(records);
  REQUIRE(records->size() == 4);
  tcpstats::connection_record r;

  freebsd::materialize((*records)[0], r);  // listener: identity only
  CHECK(r.state == tcpstats::tcp_state::listen);
  CHECK(r.local_port == 22);
  CHECK(r.socket_id == so_listener);
  CHECK(r.uid == 0u);
  CHECK(r.inp_gencnt == 101u);
  CHECK_FALSE(r.snd_cwnd);
  CHECK_FALSE(r.rto_us);

  freebsd::materialize((*records)[1], r);
  CHECK((*records)[1].offset() == 320);
  CHECK(tcpstats::to_string(*r.local_address) == "192.0.2.1");
  CHECK(tcpstats::to_string(*r.remote_address) == "198.51.100.7");
  CHECK(r.local_port == 22);
  CHECK(r.remote_port == 50001);
  CHECK(r.state == tcpstats::tcp_state::established);
  CHECK(r.tcp_flags == 0x1e0u);
  CHECK(r.snd_cwnd == 28960u);
  CHECK(r.snd_ssthresh == 20272u);
  CHECK(r.snd_wnd == 64128u);
  CHECK(r.rcv_wnd == 65160u);
  CHECK(r.maxseg == 1448u);
  CHECK(r.cc_algo->view() == "cubic");
  CHECK(r.tcp_stack->view() == "freebsd");
  CHECK(r.rtt_us == 12500u);
  CHECK(r.rttvar_us == 3100u);
  CHECK(r.rto_us == 230000u);
  CHECK_FALSE(r.rtt_min_us);  // tsr_rttmin: an RTO floor, unit undocumented
  CHECK(r.snd_wscale == 6);
  CHECK(r.rcv_wscale == 7);
  CHECK(r.negotiated_options == 7u);
  CHECK(r.snd_nxt == 1000500u);
  CHECK(r.snd_una == 1000000u);
  CHECK(r.snd_max == 1000600u);
  CHECK(r.rcv_nxt == 2000000u);
  CHECK(r.rcv_adv == 2065160u);
  CHECK(r.rexmit_packets == 3u);
  CHECK(r.ooo_packets == 2u);
  CHECK(r.zerowin_probes == 1u);
  CHECK(r.dupacks == 1u);
  CHECK(r.sack_blocks == 2u);
  CHECK(r.ecn_flags == 1u);
  CHECK(r.ecn_ce_delivered == 5u);
  CHECK(r.ecn_ce_received == 6u);
  CHECK(r.dsack_bytes == 1448u);
  CHECK(r.dsack_packets == 1u);
  CHECK(r.tlp_probes_sent == 4u);
  CHECK(r.tlp_bytes_sent == 0x1'0000'0005u);
  CHECK(r.timer_rexmt_ms == 1200u);
  CHECK_FALSE(r.timer_persist_ms);
  CHECK(r.timer_keep_ms == 7199000u);
  CHECK(r.timer_delack_ms == 0u);  // -1: overdue
  CHECK(r.idle_time_ms == 250u);
  CHECK(r.snd_buf_used == 2000u);
  CHECK(r.snd_buf_hiwat == 32768u);
  CHECK(r.rcv_buf_used == 100u);
  CHECK(r.rcv_buf_hiwat == 65536u);
  CHECK(r.socket_id == so_established);
  CHECK(r.uid == 1001u);
  CHECK(r.inp_gencnt == 102u);
  CHECK_FALSE(r.tx_bytes);  // not in the record

  freebsd::materialize((*records)[2], r);  // syncache entry
  CHECK(r.syncache_entry == true);
  CHECK(r.state == tcpstats::tcp_state::syn_received);
  CHECK(r.remote_port == 51000);
  CHECK_FALSE(r.socket_id);
  CHECK_FALSE(r.inp_gencnt);

  freebsd::materialize((*records)[3], r);
  CHECK(tcpstats::to_string(*r.local_address) == "2001:db8::1");
  CHECK(r.local_port == 8080);
  CHECK_FALSE(r.rtt_us);  // no sample yet
  CHECK_FALSE(r.rttvar_us);
  CHECK(r.rto_us == 1000000u);
}

TEST_CASE("/dev/tcpstats rejects other versions and lengths at the record", "[freebsd][dev_tcpstats]") {
  const auto bytes = build_dev_tcpstats_sample();
  auto version2 = bytes;
  version2[320] = std::byte{2};
  CHECK(freebsd::tcpstats_records::parse(version2).error() == parse_error{errc::unsupported_version, 320});
  auto longer = bytes;
  longer[640 + 4] = std::byte{0x48};  // 328
  CHECK(freebsd::tcpstats_records::parse(longer).error() == parse_error{errc::unexpected_length, 640});
  auto cut = bytes;
  cut.resize(cut.size() - 10);
  CHECK(freebsd::tcpstats_records::parse(cut).error() == parse_error{errc::truncated_record, 960});
  cut.resize(320 + 7);
  CHECK(freebsd::tcpstats_records::parse(cut).error() == parse_error{errc::truncated_record, 320});
  CHECK(freebsd::tcpstats_records::parse(std::span<const std::byte>{})->size() == 0);
}

TEST_CASE("corrupted kern.file and /dev/tcpstats input never crashes", "[freebsd][malformed]") {
  std::mt19937_64 rng(11);
  const auto files = kern_file_blob(sample_files_entries());
  const auto records = build_dev_tcpstats_sample();
  tcpstats::connection_record r;
  for (int round = 0; round < 2000; ++round) {
    auto a = files;
    auto b = records;
    for (int k = 0; k < 3; ++k) {
      a[rng() % a.size()] = std::byte(rng());
      b[rng() % b.size()] = std::byte(rng());
    }
    a.resize(rng() % (a.size() + 1));
    b.resize(rng() % (b.size() + 1));
    if (const auto list = freebsd::xfile_list::parse(a)) {
      const freebsd::socket_owners owners(*list);
      (void)owners.find(so_established);
    }
    if (const auto list = freebsd::tcpstats_records::parse(b)) {
      for (std::size_t i = 0; i < list->size(); ++i) freebsd::materialize((*list)[i], r);
    }
    (void)freebsd::decode_tcpstat(b, {14, 0});
    (void)freebsd::decode_tcp_states(a);
  }
}

TEST_CASE("the committed FreeBSD samples are what make_freebsd_sample writes", "[freebsd][samples]") {
  for (const auto& [name, bytes] : all_freebsd_samples()) {
    INFO(name << ": run make_freebsd_sample tests/data/freebsd");
    std::ifstream in(std::string(TCPSTATS_TEST_DATA) + "/freebsd/" + name, std::ios::binary);
    const std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(raw.size() == bytes.size());
    CHECK(std::memcmp(raw.data(), bytes.data(), raw.size()) == 0);
  }
}

namespace {
// A pcblist of just a header and a trailer, and a tcp.states array, built in
// a constant expression: the parsers run there too, where any undefined
// behaviour (a read out of bounds, an overflow) is a compile error.
constexpr std::array<std::byte, 128> constant_empty_list(std::uint64_t header_gen, std::uint64_t trailer_gen) {
  std::array<std::byte, 128> out{};
  for (std::size_t half = 0; half < 2; ++half) {
    const std::size_t base = half * 64;
    out[base] = std::byte{64};
    const std::uint64_t gen = half == 0 ? header_gen : trailer_gen;
    for (std::size_t i = 0; i < 8; ++i) out[base + 16 + i] = std::byte((gen >> (8 * i)) & 0xff);
  }
  return out;
}
constexpr std::array<std::byte, 88> constant_states() {
  std::array<std::byte, 88> out{};
  for (std::size_t state = 0; state < 11; ++state) out[state * 8] = std::byte(state + 1);
  return out;
}
}  // namespace

TEST_CASE("the parsers run in constant expressions", "[freebsd][constexpr]") {
  static constexpr auto list_bytes = constant_empty_list(7, 8);
  STATIC_REQUIRE(freebsd::pcblist::parse(list_bytes).has_value());
  STATIC_REQUIRE(freebsd::pcblist::parse(list_bytes)->header().xig_gen() == 7);
  STATIC_REQUIRE(freebsd::pcblist::parse(std::span(list_bytes).first(63)).error() ==
                 parse_error{errc::truncated_header, 63});
  static constexpr auto states = constant_states();
  STATIC_REQUIRE((*freebsd::decode_tcp_states(states))[10] == 11);
  STATIC_REQUIRE(freebsd::xfile_list::parse(std::span(states).first(0))->size() == 0);
  STATIC_REQUIRE(freebsd::xfile_list::parse(states).error() == parse_error{errc::unexpected_length, 0});
  // Its first u32 (1) reads as version 1; the length after it (0) is wrong.
  STATIC_REQUIRE(freebsd::tcpstats_records::parse(states).error() == parse_error{errc::unexpected_length, 0});
  // And at run time, the walk of the same bytes reports the generation change.
  const auto list = freebsd::pcblist::parse(list_bytes);
  auto records = list->records();
  CHECK(records.trailer()->xig_gen() == 8u);
}
