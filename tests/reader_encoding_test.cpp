// The direct encoders against protobuf itself: for hand-picked and random
// records, encode_record() gives exactly SerializeToString()'s bytes and
// append_record_json() exactly MessageToJsonString()'s text for to_proto()
// of the same record, and protobuf's JSON parser reads the text back to the
// same message. The same holds for whole batches.
#include <catch2/catch.hpp>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <random>

#include "batch_encoder.hpp"
#include "json_emitter.hpp"
#include "proto_convert.hpp"
#include "wire_encoder.hpp"

namespace reader = tcpstats::reader;
namespace pb = tcpstats_reader;
using google::protobuf::util::MessageDifferencer;

namespace {

template <class T>
std::optional<T> maybe(std::mt19937_64& rng, T value) {
  return rng() % 3 == 0 ? std::nullopt : std::optional<T>(value);
}

std::string random_text(std::mt19937_64& rng) {
  // ASCII that JSON must escape or may not, and two UTF-8 sequences (é, €).
  static const std::string ascii = "abcXYZ019 _-.:/\"\\<>&'=\x7f\x01\x1f\b\f\n\r\t";
  std::string out;
  const std::size_t n = rng() % 20;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t pick = rng() % (ascii.size() + 2);
    if (pick == ascii.size()) {
      out += "\xc3\xa9";
    } else if (pick == ascii.size() + 1) {
      out += "\xe2\x82\xac";
    } else {
      out += ascii[pick];
    }
  }
  return out;
}

tcpstats::connection_record random_record(std::mt19937_64& rng) {
  using tcpstats::ip_address;
  using tcpstats::ip_family;
  tcpstats::connection_record r;
  const auto u32 = [&] { return static_cast<std::uint32_t>(rng() >> (rng() % 33)); };
  const auto u64 = [&] { return rng() >> (rng() % 64); };
  const auto i32 = [&] { return static_cast<std::int32_t>(rng()); };
  if (rng() % 8 != 0) {
    ip_address local{rng() % 2 ? ip_family::ipv4 : ip_family::ipv6, {}, 0};
    for (std::size_t i = 0; i < local.size(); ++i) local.bytes[i] = static_cast<std::uint8_t>(rng());
    ip_address remote = local;
    for (std::size_t i = 0; i < remote.size(); ++i) remote.bytes[i] = static_cast<std::uint8_t>(rng());
    if (local.family == ip_family::ipv6 && rng() % 3 == 0) local.scope_id = u32();
    if (remote.family == ip_family::ipv6 && rng() % 3 == 0) remote.scope_id = u32();
    r.local_address = local;
    r.remote_address = remote;
  }
  r.local_port = rng() % 4 ? static_cast<std::uint16_t>(rng()) : 0;
  r.remote_port = rng() % 4 ? static_cast<std::uint16_t>(rng()) : 0;
  r.dual_stack = maybe(rng, rng() % 2 == 0);
  if (rng() % 5 != 0) r.state = static_cast<tcpstats::tcp_state>(rng() % 11);
  r.kernel_state = maybe(rng, i32());
  r.socket_id = maybe(rng, u64());
  r.inp_gencnt = maybe(rng, u64());
  r.tcp_flags = maybe(rng, u32());
  r.snd_cwnd = maybe(rng, u32());
  r.snd_ssthresh = maybe(rng, u32());
  r.snd_wnd = maybe(rng, u32());
  r.rcv_wnd = maybe(rng, u32());
  r.maxseg = maybe(rng, u32());
  r.snd_wscale = maybe(rng, static_cast<std::uint8_t>(rng()));
  r.rcv_wscale = maybe(rng, static_cast<std::uint8_t>(rng()));
  r.cc_algo = maybe(rng, tcpstats::short_name(random_text(rng)));
  r.tcp_stack = maybe(rng, tcpstats::short_name(random_text(rng)));
  r.rtt_us = maybe(rng, u32());
  r.rttvar_us = maybe(rng, u32());
  r.rto_us = maybe(rng, u32());
  r.rtt_min_us = maybe(rng, u32());
  r.rtt_update_count = maybe(rng, u32());
  r.snd_una = maybe(rng, u32());
  r.snd_nxt = maybe(rng, u32());
  r.snd_max = maybe(rng, u32());
  r.rcv_nxt = maybe(rng, u32());
  r.rcv_adv = maybe(rng, u32());
  r.rexmit_packets = maybe(rng, u32());
  r.ooo_packets = maybe(rng, u32());
  r.zerowin_probes = maybe(rng, u32());
  r.dupacks = maybe(rng, u32());
  r.rxt_shift = maybe(rng, u32());
  r.dsack_bytes = maybe(rng, u32());
  r.dsack_packets = maybe(rng, u32());
  r.tx_bytes = maybe(rng, u64());
  r.rx_bytes = maybe(rng, u64());
  r.tx_packets = maybe(rng, u64());
  r.rx_packets = maybe(rng, u64());
  r.timer_rexmt_ms = maybe(rng, u32());
  r.timer_persist_ms = maybe(rng, u32());
  r.timer_keep_ms = maybe(rng, u32());
  r.timer_2msl_ms = maybe(rng, u32());
  r.timer_delack_ms = maybe(rng, u32());
  r.idle_time_ms = maybe(rng, u32());
  r.connection_age_ms = maybe(rng, u64());
  r.snd_buf_used = maybe(rng, u32());
  r.snd_buf_hiwat = maybe(rng, u32());
  r.rcv_buf_used = maybe(rng, u32());
  r.rcv_buf_hiwat = maybe(rng, u32());
  r.listen_queue_len = maybe(rng, u32());
  r.listen_queue_limit = maybe(rng, u32());
  r.pid = maybe(rng, i32());
  r.effective_pid = maybe(rng, i32());
  r.uid = maybe(rng, u32());
  r.fd = maybe(rng, i32());
  r.command = maybe(rng, tcpstats::short_name(random_text(rng)));
  r.ecn_flags = maybe(rng, u32());
  r.encaps_port = maybe(rng, static_cast<std::uint16_t>(rng()));
  r.user_space_flow = rng() % 4 == 0;
  r.ca_state = maybe(rng, static_cast<std::uint8_t>(rng()));
  r.retransmits = maybe(rng, static_cast<std::uint8_t>(rng()));
  r.probes = maybe(rng, static_cast<std::uint8_t>(rng()));
  r.backoff = maybe(rng, static_cast<std::uint8_t>(rng()));
  r.options = maybe(rng, static_cast<std::uint8_t>(rng()));
  r.ato_us = maybe(rng, u32());
  r.snd_mss = maybe(rng, u32());
  r.rcv_mss = maybe(rng, u32());
  r.unacked = maybe(rng, u32());
  r.sacked = maybe(rng, u32());
  r.lost = maybe(rng, u32());
  r.retrans = maybe(rng, u32());
  r.fackets = maybe(rng, u32());
  r.last_data_sent_ms = maybe(rng, u32());
  r.last_data_recv_ms = maybe(rng, u32());
  r.last_ack_recv_ms = maybe(rng, u32());
  r.pmtu = maybe(rng, u32());
  r.rcv_ssthresh = maybe(rng, u32());
  r.snd_cwnd_segments = maybe(rng, u32());
  r.snd_ssthresh_segments = maybe(rng, u32());
  r.advmss = maybe(rng, u32());
  r.reordering = maybe(rng, u32());
  r.rcv_rtt_us = maybe(rng, u32());
  r.rcv_space = maybe(rng, u32());
  r.total_retrans = maybe(rng, u32());
  r.pacing_rate_bytes_per_sec = maybe(rng, u64());
  r.max_pacing_rate_bytes_per_sec = maybe(rng, u64());
  r.bytes_acked = maybe(rng, u64());
  r.bytes_received = maybe(rng, u64());
  r.segs_out = maybe(rng, u32());
  r.segs_in = maybe(rng, u32());
  r.notsent_bytes = maybe(rng, u32());
  r.data_segs_in = maybe(rng, u32());
  r.data_segs_out = maybe(rng, u32());
  r.delivery_rate_bytes_per_sec = maybe(rng, u64());
  r.busy_time_us = maybe(rng, u64());
  r.rwnd_limited_us = maybe(rng, u64());
  r.sndbuf_limited_us = maybe(rng, u64());
  r.delivered = maybe(rng, u32());
  r.delivered_ce = maybe(rng, u32());
  r.bytes_sent = maybe(rng, u64());
  r.bytes_retrans = maybe(rng, u64());
  r.dsack_dups = maybe(rng, u32());
  r.reord_seen = maybe(rng, u32());
  r.rcv_ooopack = maybe(rng, u32());
  r.rehash = maybe(rng, u32());
  r.total_rto = maybe(rng, static_cast<std::uint16_t>(rng()));
  r.total_rto_recoveries = maybe(rng, static_cast<std::uint16_t>(rng()));
  r.total_rto_time_ms = maybe(rng, u32());
  r.delivery_rate_app_limited = maybe(rng, rng() % 2 == 0);
  r.fastopen_client_fail = maybe(rng, static_cast<std::uint8_t>(rng()));
  r.inode = maybe(rng, u64());
  r.interface_index = maybe(rng, u32());
  r.timer = maybe(rng, static_cast<std::uint8_t>(rng()));
  r.timer_expires_ms = maybe(rng, u32());
  r.timer_retransmits = maybe(rng, static_cast<std::uint8_t>(rng()));
  r.shutdown = maybe(rng, static_cast<std::uint8_t>(rng()));
  r.tos = maybe(rng, static_cast<std::uint8_t>(rng()));
  r.tclass = maybe(rng, static_cast<std::uint8_t>(rng()));
  r.mark = maybe(rng, u32());
  r.cgroup_id = maybe(rng, u64());
  r.v6only = maybe(rng, rng() % 2 == 0);
  r.skmem_rmem_alloc = maybe(rng, u32());
  r.skmem_rcvbuf = maybe(rng, u32());
  r.skmem_wmem_alloc = maybe(rng, u32());
  r.skmem_sndbuf = maybe(rng, u32());
  r.skmem_fwd_alloc = maybe(rng, u32());
  r.skmem_wmem_queued = maybe(rng, u32());
  r.skmem_optmem = maybe(rng, u32());
  r.skmem_backlog = maybe(rng, u32());
  r.skmem_drops = maybe(rng, u32());
  r.bbr_bw_bytes_per_sec = maybe(rng, u64());
  r.bbr_min_rtt_us = maybe(rng, u32());
  r.bbr_pacing_gain = maybe(rng, u32());
  r.bbr_cwnd_gain = maybe(rng, u32());
  r.sockopt = maybe(rng, static_cast<std::uint16_t>(rng()));
  r.sack_blocks = maybe(rng, u32());
  r.ecn_ce_delivered = maybe(rng, u32());
  r.ecn_ce_received = maybe(rng, u32());
  r.negotiated_options = maybe(rng, u32());
  r.tlp_probes_sent = maybe(rng, u32());
  r.tlp_bytes_sent = maybe(rng, u64());
  r.dsack_tlp_bytes = maybe(rng, u32());
  r.fib = maybe(rng, u32());
  r.listen_queue_incomplete = maybe(rng, u32());
  r.so_options = maybe(rng, u32());
  r.so_state = maybe(rng, u32());
  r.inp_flags = maybe(rng, u32());
  r.inp_flags2 = maybe(rng, u32());
  r.syncache_entry = maybe(rng, rng() % 2 == 0);
  return r;
}

std::vector<reader::data_source> random_sources(std::mt19937_64& rng) {
  static constexpr reader::data_source all[] = {
      reader::data_source::macos_pcblist_n, reader::data_source::freebsd_pcblist,
      reader::data_source::kern_file,       reader::data_source::linux_sock_diag,
      reader::data_source::linux_proc_fd,   reader::data_source::macos_tcp_stats,
      reader::data_source::freebsd_kld,     reader::data_source::freebsd_tcp_states};
  std::vector<reader::data_source> out;
  for (const auto s : all) {
    if (rng() % 2) out.push_back(s);
  }
  return out;
}

void check_record(const tcpstats::connection_record& r, const std::vector<reader::data_source>& sources) {
  pb::TcpSocketRecord expected;
  reader::to_proto(r, sources, expected);

  std::string wire;
  reader::encode_record(r, sources, wire);
  CHECK(wire == expected.SerializeAsString());

  std::string json;
  reader::append_record_json(r, sources, json);
  std::string printed;
  REQUIRE(google::protobuf::util::MessageToJsonString(expected, &printed).ok());
  CHECK(json == printed);

  pb::TcpSocketRecord parsed;
  google::protobuf::util::JsonParseOptions strict;  // unknown names are errors
  REQUIRE(google::protobuf::util::JsonStringToMessage(json, &parsed, strict).ok());
  CHECK(MessageDifferencer::Equals(parsed, expected));
}

}  // namespace

TEST_CASE("a typical macOS record encodes like protobuf", "[reader][encoding]") {
  tcpstats::connection_record r;
  r.local_address = tcpstats::ip_address{tcpstats::ip_family::ipv4, {192, 168, 1, 23}, 0};
  r.remote_address = tcpstats::ip_address{tcpstats::ip_family::ipv4, {17, 253, 144, 10}, 0};
  r.local_port = 53122;
  r.remote_port = 443;
  r.state = tcpstats::tcp_state::established;
  r.kernel_state = 4;
  r.rtt_us = 23187;
  r.tx_bytes = 61244;
  r.dual_stack = false;
  r.pid = -1;
  check_record(r, {reader::data_source::macos_pcblist_n});
}

TEST_CASE("random records encode exactly like protobuf", "[reader][encoding]") {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 3000; ++i) {
    const auto r = random_record(rng);
    check_record(r, random_sources(rng));
  }
}

TEST_CASE("whole batches match protobuf's JSON and parse back from binary", "[reader][encoding]") {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 40; ++round) {
    reader::pass p;
    p.timestamp_ns = rng();
    p.hostname = random_text(rng);
    p.platform = reader::platform::macos;
    p.os_version = "15.4";
    p.os_release = "24.4.0";
    p.data_sources = {reader::data_source::macos_pcblist_n};
    p.collection_duration_ns = rng() % 1'000'000;
    if (rng() % 2) p.pcblist_generation = rng();
    p.record_sources = random_sources(rng);
    const std::size_t n = round == 0 ? 0 : rng() % 50;
    for (std::size_t i = 0; i < n; ++i) p.records.push_back(random_record(rng));
    reader::system_counters counters;
    counters.width_bits = 32;
    counters.snd_total_packets = rng() % 1000;
    counters.snd_rexmit_packets = rng() % 10;
    p.counters = counters;
    std::optional<reader::system_counters> previous;
    if (round % 2) previous = reader::system_counters{32, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    reader::run_context run{static_cast<std::uint64_t>(round + 1), 1000};

    pb::BatchMessage expected;
    reader::build_batch(p, run, previous, expected);

    const std::string line = reader::encode_batch(p, run, previous, reader::output_format::jsonl);
    REQUIRE(!line.empty());
    CHECK(line.back() == '\n');
    CHECK(std::count(line.begin(), line.end(), '\n') == 1);
    std::string printed;
    REQUIRE(google::protobuf::util::MessageToJsonString(expected, &printed).ok());
    CHECK(line == printed + "\n");
    pb::BatchMessage from_json;
    REQUIRE(google::protobuf::util::JsonStringToMessage(line, &from_json).ok());
    CHECK(MessageDifferencer::Equals(from_json, expected));

    const std::string frame = reader::encode_batch(p, run, previous, reader::output_format::binary);
    google::protobuf::io::ArrayInputStream input(frame.data(), static_cast<int>(frame.size()));
    pb::BatchMessage from_binary;
    bool clean_eof = false;
    REQUIRE(google::protobuf::util::ParseDelimitedFromZeroCopyStream(&from_binary, &input, &clean_eof));
    CHECK(MessageDifferencer::Equals(from_binary, expected));
    CHECK(input.ByteCount() == static_cast<std::int64_t>(frame.size()));
  }
}
