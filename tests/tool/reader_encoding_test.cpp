// The direct encoders against protobuf itself: for hand-picked and random
// records, encode_record() gives exactly SerializeToString()'s bytes and
// append_record_json() exactly MessageToJsonString()'s text for to_proto()
// of the same record, and protobuf's JSON parser reads the text back to the
// same message. The same holds for metadata and summary
// (batch_parts_encoder, against fill_metadata and fill_summary), for whole
// batches, and for --pretty against protobuf's indented printer.
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <random>

#include "pipeline/packed_record.hpp"

#include "output/batch_writer.hpp"
#include "codec/batch_parts_encoder.hpp"
#include "codec/json_emitter.hpp"
#include "proto_convert.hpp"
#include "codec/proto_json.hpp"
#include "codec/wire_decoder.hpp"
#include "codec/wire_encoder.hpp"

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
  // Every other field from the record's field list, present two times in
  // three, with values of every magnitude (and sign).
  tcpstats::for_each_field(r, [&](const auto& field, auto& value) {
    using V = std::decay_t<decltype(value)>;
    if constexpr (std::is_same_v<V, std::optional<ip_address>>) {
      (void)field;  // set above
    } else if constexpr (std::is_same_v<V, std::optional<tcpstats::tcp_state>>) {
      if (rng() % 5 != 0) value = static_cast<tcpstats::tcp_state>(rng() % 11);
    } else if constexpr (std::is_same_v<V, std::optional<tcpstats::short_name>>) {
      value = maybe(rng, tcpstats::short_name(random_text(rng)));
    } else if constexpr (std::is_same_v<V, std::optional<bool>>) {
      value = maybe(rng, rng() % 2 == 0);
    } else if constexpr (std::is_same_v<V, bool>) {
      value = rng() % 4 == 0;
    } else if constexpr (std::is_integral_v<V>) {  // ports
      value = rng() % 4 ? static_cast<V>(rng()) : V{0};
    } else {
      using T = typename V::value_type;
      value = maybe(rng, static_cast<T>(rng() >> (rng() % 64)));
      if (std::is_signed_v<T> && value && rng() % 2) value = static_cast<T>(-*value);
    }
  });
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

// Rates as the tracker computes them: a count scaled by a time.
double random_rate(std::mt19937_64& rng) {
  return static_cast<double>(rng() % 100'000'000) * 1e9 / static_cast<double>(1 + rng() % 10'000'000'000);
}

reader::record_delta random_delta(std::mt19937_64& rng) {
  const auto u64 = [&rng] { return rng() >> (rng() % 64); };
  const auto i64 = [&rng] { return static_cast<std::int64_t>(rng()) >> (rng() % 64); };
  const auto i32 = [&rng] { return static_cast<std::int32_t>(rng()) >> (rng() % 32); };
  reader::record_delta d;
  // Every field from record_delta's list: counts of every magnitude and
  // sign, rates as the tracker computes them.
  std::apply([&](const auto&... field) {
    (([&] {
       auto& value = d.*(field.member);
       using V = std::decay_t<decltype(value)>;
       if constexpr (std::is_same_v<V, bool>) {
         value = rng() % 4 == 0;
       } else if constexpr (std::is_same_v<V, std::optional<double>>) {
         value = maybe(rng, rng() % 3 == 0 ? 0.0 : random_rate(rng));
       } else if constexpr (std::is_same_v<V, std::optional<std::int32_t>>) {
         value = maybe(rng, i32());
       } else if constexpr (std::is_same_v<V, std::optional<std::int64_t>>) {
         value = maybe(rng, i64());
       } else {
         value = maybe(rng, u64());
       }
     }()), ...);
  }, reader::delta_fields);
  d.first_seen_age_ms = maybe(rng, u64());
  return d;
}

void check_record(const tcpstats::connection_record& r, const std::vector<reader::data_source>& sources,
                  const reader::record_delta* delta = nullptr) {
  pb::TcpSocketRecord expected;
  reader::to_proto(r, sources, expected, delta);

  std::string wire;
  reader::encode_record(r, sources, wire, delta);
  CHECK(wire == expected.SerializeAsString());

  // The decoder inverts the encoder: decoded and encoded again, the same bytes.
  reader::decoded_record decoded;
  std::string error;
  REQUIRE(reader::decode_record({wire.data(), wire.size()}, decoded, error));
  CHECK(decoded.sources == sources);
  std::string again;
  reader::encode_record(decoded.record, decoded.sources, again, &decoded.delta);
  CHECK(again == wire);

  std::string json;
  reader::append_record_json(r, sources, json, delta);
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

TEST_CASE("random records with deltas and rates encode exactly like protobuf", "[reader][encoding]") {
  std::mt19937_64 rng(8);
  for (int i = 0; i < 3000; ++i) {
    const auto r = random_record(rng);
    const auto d = random_delta(rng);
    check_record(r, random_sources(rng), &d);
  }
}

TEST_CASE("the tracker's packed records unpack whole; only other fields than timers change their first part",
          "[reader][tracker]") {
  std::mt19937_64 rng(9);
  std::array<char8_t, 2 * reader::packed::max_part_size> bytes{};
  const auto first_part = [&](const tcpstats::connection_record& r) {
    return std::u8string(bytes.data(), reader::packed::pack_part<false>(r, bytes.data()));
  };
  for (int i = 0; i < 2000; ++i) {
    const auto r = random_record(rng);
    char8_t* end = reader::packed::pack_part<false>(r, bytes.data());
    end = reader::packed::pack_part<true>(r, end);
    CHECK(static_cast<std::size_t>(end - bytes.data()) <= bytes.size());
    tcpstats::connection_record back;
    back.snd_wnd = 7;  // unpack starts from an empty record
    reader::packed::unpack({bytes.data(), end}, back);
    REQUIRE(back == r);

    const std::u8string before = first_part(r);
    auto later = r;
    later.last_data_recv_ms = r.last_data_recv_ms.value_or(0) + 1;  // a clock field
    later.timer_expires_ms.reset();
    CHECK(first_part(later) == before);
    later.bytes_acked = r.bytes_acked.value_or(0) + 1;  // a counter
    CHECK(first_part(later) != before);
    later = r;
    later.cc_algo = tcpstats::short_name(r.cc_algo ? "other than any" : "cubic");
    CHECK(first_part(later) != before);
    later = r;
    later.rtt_us = r.rtt_us ? std::nullopt : std::optional<std::uint32_t>(0);  // absent and 0 differ
    CHECK(first_part(later) != before);
  }
}

TEST_CASE("the record decoder rejects bad bytes with their offset", "[reader][encoding]") {
  reader::decoded_record decoded;
  std::string error;
  const auto decode = [&](std::string_view bytes) { return reader::decode_record(bytes, decoded, error); };
  CHECK(decode(""));
  CHECK_FALSE(decode("\x08"));  // local_addr needs a length, not a varint
  CHECK(error == "byte 0: wrong wire type (field 1)");
  CHECK_FALSE(decode(std::string_view("\x18\x05\x0a\x05\x01\x02", 6)));  // address length runs past the end
  CHECK(error == "byte 2: length runs past the end (field 1)");
  CHECK_FALSE(decode("\x0a\x03\x01\x02\x03"));  // a 3-byte address
  CHECK(error == "byte 0: address is neither 4 nor 16 bytes (field 1)");
  CHECK_FALSE(decode("\x18\x80\x80\x04"));  // local_port 65536
  CHECK(error == "byte 0: value out of the field's range (field 3)");
  CHECK_FALSE(decode("\x38\x0c"));  // TcpState 12
  CHECK(error == "byte 0: unknown TcpState (field 7)");
  CHECK(decode("\xa0\x06\x01"));  // field 100 is ca_state; field 99 is not in the schema
  CHECK_FALSE(decode("\x98\x06\x01"));
  CHECK(error == "byte 0: field number not in TcpSocketRecord (field 99)");
  CHECK_FALSE(decode("\xb9\x0b\x00\x00"));  // a double (field 183) cut short
  CHECK(error == "byte 0: truncated double (field 183)");
  CHECK_FALSE(decode("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"));  // an 11-byte tag
  CHECK(error == "byte 0: truncated field tag (field 0)");
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
    reader::run_context run{static_cast<std::uint64_t>(round + 1), 1000, std::nullopt, std::nullopt};
    if (round % 3) run.elapsed_ns = 1 + rng() % 5'000'000'000;
    if (round % 4 == 1) run.connections = reader::tracker_counts{1, 2, static_cast<std::uint32_t>(rng() % 9)};

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

namespace {

reader::pass_info random_pass_info(std::mt19937_64& rng) {
  static constexpr reader::platform platforms[] = {reader::platform::unknown, reader::platform::macos,
                                                   reader::platform::freebsd, reader::platform::linux_};
  reader::pass_info p;
  const auto u64 = [&] { return rng() >> (rng() % 64); };
  p.timestamp_ns = rng() % 8 == 0 ? 0 : u64();
  p.hostname = random_text(rng);
  p.platform = platforms[rng() % 4];
  p.os_version = rng() % 2 ? "15.4" : random_text(rng);
  p.os_release = random_text(rng);
  p.source_file = rng() % 2 ? "" : random_text(rng) + "{,}[]:";
  p.data_sources = random_sources(rng);
  if (rng() % 3 == 0) p.data_sources.push_back(reader::data_source::linux_proc_net_snmp);
  p.collection_duration_ns = rng() % 8 == 0 ? 0 : u64();
  if (rng() % 2) p.pcblist_generation = u64();
  if (rng() % 3 == 0) p.pcblist_generation_changed = rng() % 2 == 0;
  p.record_sources = random_sources(rng);
  if (rng() % 4 != 0) p.counters = reader::system_counters{};
  return p;
}

// Counters as a pass reads them: each present or absent, of 32 or 64 bits.
std::optional<reader::system_counters> random_counters(std::mt19937_64& rng, unsigned width) {
  if (rng() % 5 == 0) return std::nullopt;
  reader::system_counters c;
  c.width_bits = width;
  const auto value = [&] { return maybe(rng, width == 64 ? rng() : rng() % (std::uint64_t{1} << 32)); };
  c.conn_attempts = value();
  c.accepts = value();
  c.connects = value();
  c.drops = value();
  c.snd_total_packets = rng() % 6 == 0 ? std::optional<std::uint64_t>(0) : value();
  c.snd_bytes = value();
  c.snd_rexmit_packets = value();
  c.snd_rexmit_bytes = value();
  c.rcv_total_packets = value();
  c.rcv_bytes = value();
  c.rcv_dup_packets = value();
  c.rcv_badsum = value();
  return c;
}

reader::state_tally random_tally(std::mt19937_64& rng) {
  reader::state_tally tally;
  for (auto& count : tally.by_state) {
    count = rng() % 3 == 0 ? 0 : static_cast<std::uint32_t>(rng() >> (rng() % 33));
    tally.total += count;
  }
  return tally;
}

}  // namespace

TEST_CASE("metadata and summary encode exactly like protobuf", "[reader][encoding]") {
  std::mt19937_64 rng(13);
  for (int round = 0; round < 3000; ++round) {
    const unsigned width = rng() % 2 ? 32 : 64;
    reader::pass_info p = random_pass_info(rng);
    p.counters = random_counters(rng, width);
    // Sometimes the previous pass read counters of another width.
    const auto previous = random_counters(rng, rng() % 8 == 0 ? 96 - width : width);
    reader::run_context run{rng() % 4 == 0 ? 0 : rng(), static_cast<std::uint32_t>(rng() % 4 ? rng() : 0),
                            std::nullopt, std::nullopt};
    if (rng() % 3) run.elapsed_ns = rng() % 4 == 0 ? 0 : rng() >> (rng() % 64);
    if (rng() % 3 == 0) {
      run.connections = reader::tracker_counts{static_cast<std::uint32_t>(rng()), static_cast<std::uint32_t>(rng()),
                                               static_cast<std::uint32_t>(rng() % 2 ? rng() : 0)};
    }
    if (rng() % 3 == 0) {
      run.events = reader::event_counts{static_cast<std::uint32_t>(rng() % 2 ? rng() : 0),
                                        static_cast<std::uint32_t>(rng()), rng() % 2 ? rng() : 0};
    }
    const reader::state_tally tally = random_tally(rng);

    pb::CollectionMetadata metadata;
    reader::fill_metadata(p, run, metadata);
    std::string wire;
    reader::append_metadata_wire(p, run, wire);
    CHECK(wire == metadata.SerializeAsString());
    std::string json;
    reader::append_metadata_json(p, run, json);
    std::string printed;
    REQUIRE(google::protobuf::util::MessageToJsonString(metadata, &printed).ok());
    CHECK(json == printed);

    pb::SystemSummary summary;
    reader::fill_summary(p, tally, run, previous, summary);
    const reader::summary_inputs inputs{p, tally, run, previous};
    wire.clear();
    reader::append_summary_wire(inputs, wire);
    CHECK(wire == summary.SerializeAsString());
    json.clear();
    reader::append_summary_json(inputs, json);
    printed.clear();
    REQUIRE(google::protobuf::util::MessageToJsonString(summary, &printed).ok());
    CHECK(json == printed);
    pb::SystemSummary parsed;
    REQUIRE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok());
    CHECK(MessageDifferencer::Equals(parsed, summary));
  }
}

TEST_CASE("the rates print as protobuf prints doubles", "[reader][encoding]") {
  // Values whose %.15g does not read back (and so take %.17g), small ones
  // in exponent form, and exact ones.
  const std::pair<std::uint64_t, std::uint64_t> cases[] = {
      {1, 3}, {2, 3}, {1, 10}, {1, 100000}, {1, 10000000}, {0, 7}, {7, 7}, {1, 2}, {3, 7}, {123456789, 1000000007}};
  for (const auto& [part, whole] : cases) {
    reader::pass_info p;
    p.counters.emplace();
    p.counters->snd_rexmit_packets = part;
    p.counters->snd_total_packets = whole;
    std::optional<reader::system_counters> previous;
    previous.emplace();
    previous->snd_rexmit_packets = 0;
    previous->snd_total_packets = 0;
    const reader::state_tally tally;
    const reader::run_context run;
    pb::SystemSummary summary;
    reader::fill_summary(p, tally, run, previous, summary);
    REQUIRE(summary.has_retransmit_rate());
    std::string json;
    reader::append_summary_json({p, tally, run, previous}, json);
    std::string printed;
    REQUIRE(google::protobuf::util::MessageToJsonString(summary, &printed).ok());
    CHECK(json == printed);
  }
}

TEST_CASE("doubles print as protobuf's SimpleDtoa, for any bit pattern", "[reader][encoding]") {
  // protobuf: "%.15g" when it reads back exactly, else "%.17g".
  const auto reference = [](double value) {
    char text[32];
    int n = std::snprintf(text, sizeof text, "%.15g", value);
    if (std::strtod(text, nullptr) != value) n = std::snprintf(text, sizeof text, "%.17g", value);
    return std::string(text, static_cast<std::size_t>(n));
  };
  std::mt19937_64 random(20261130);
  std::vector<double> values{0.0, -0.0, 1.0, 0.1, 1.0 / 3, 1e21, 1e-7, 123456.789, 5e-324, 1.7976931348623157e308};
  for (int i = 0; i < 200000; ++i) {
    const double any = std::bit_cast<double>(random());
    if (std::isfinite(any)) values.push_back(any);
    values.push_back(static_cast<double>(random() % 100'000'000) / static_cast<double>(1 + random() % 1'000'000));
  }
  for (const double value : values) {
    char text[32];
    const std::string printed(text, reader::put_json_double(text, value));
    if (printed != reference(value)) FAIL(reference(value) << " printed as " << printed);
  }
}

TEST_CASE("--pretty is protobuf's indented JSON", "[reader][encoding]") {
  std::mt19937_64 rng(17);
  google::protobuf::util::JsonPrintOptions indented;
  indented.add_whitespace = true;
  for (int round = 0; round < 60; ++round) {
    reader::pass p;
    static_cast<reader::pass_info&>(p) = random_pass_info(rng);
    p.hostname += "{\"a\": [1, 2]}\\";  // JSON's own characters inside a string
    p.counters = random_counters(rng, 32);
    const auto previous = random_counters(rng, 32);
    const std::size_t n = round % 10 == 0 ? 0 : rng() % 20;
    for (std::size_t i = 0; i < n; ++i) {
      // Now and then a record with no field at all: protobuf prints "{}".
      p.records.push_back(rng() % 10 == 0 ? tcpstats::connection_record{} : random_record(rng));
    }
    const reader::run_context run{static_cast<std::uint64_t>(round + 1), 500, std::nullopt, std::nullopt};
    pb::BatchMessage expected;
    reader::build_batch(p, run, previous, expected);
    std::string printed;
    REQUIRE(google::protobuf::util::MessageToJsonString(expected, &printed, indented).ok());
    CHECK(reader::encode_batch(p, run, previous, reader::output_format::jsonl, true) == printed);
  }
}

TEST_CASE("metadata strings that are not UTF-8 come out with '?'", "[reader][encoding]") {
  reader::pass_info p;
  p.hostname = "host\xff" "name\xc3";           // a stray byte, a cut sequence
  p.source_file = "dump-\xed\xa0\x80-\xc3\xa9.bin";  // a surrogate, then a valid é
  const reader::run_context run;

  std::string json;
  reader::append_metadata_json(p, run, json);
  pb::CollectionMetadata from_json;
  REQUIRE(google::protobuf::util::JsonStringToMessage(json, &from_json).ok());
  CHECK(from_json.hostname() == "host?name?");
  CHECK(from_json.source_file() == "dump-?" "?" "?-\xc3\xa9.bin");  // not a trigraph

  std::string wire;
  reader::append_metadata_wire(p, run, wire);
  pb::CollectionMetadata from_wire;
  REQUIRE(from_wire.ParseFromString(wire));  // protobuf rejects invalid UTF-8 in strings
  CHECK(MessageDifferencer::Equals(from_wire, from_json));
}

TEST_CASE("indent_json lays out any compact JSON", "[reader][encoding]") {
  CHECK(reader::indent_json(R"({})") == "{}\n");
  CHECK(reader::indent_json(R"({"a":[1,{}],"b":"x,{\"y\":[]}\\"})") ==
        "{\n \"a\": [\n  1,\n  {}\n ],\n \"b\": \"x,{\\\"y\\\":[]}\\\\\"\n}\n");
}

namespace {

// A random batch built through protobuf's own objects (the reference).
pb::BatchMessage random_batch(std::mt19937_64& rng, int round) {
  reader::pass p;
  static_cast<reader::pass_info&>(p) = random_pass_info(rng);
  p.counters = random_counters(rng, 64);
  const auto previous = random_counters(rng, 64);
  std::vector<reader::record_delta> deltas;
  for (std::size_t i = 0, n = round % 7 == 0 ? 0 : rng() % 20; i < n; ++i) {
    p.records.push_back(rng() % 10 == 0 ? tcpstats::connection_record{} : random_record(rng));
    deltas.push_back(rng() % 2 ? random_delta(rng) : reader::record_delta{});
  }
  p.record_sources = random_sources(rng);
  reader::run_context run{static_cast<std::uint64_t>(round + 1), 1000, std::nullopt, std::nullopt};
  if (rng() % 2) run.elapsed_ns = rng() % 5'000'000'000;
  pb::BatchMessage batch;
  reader::build_batch(p, run, previous, batch, deltas);
  return batch;
}

}  // namespace

TEST_CASE("schema-driven conversion matches protobuf both ways, in both name styles", "[reader][encoding]") {
  std::mt19937_64 rng(23);
  google::protobuf::util::JsonPrintOptions proto_names;
  proto_names.preserve_proto_field_names = true;
  simdjson::ondemand::parser parser;
  for (int round = 0; round < 300; ++round) {
    const pb::BatchMessage batch = random_batch(rng, round);
    const std::string wire = batch.SerializeAsString();
    for (const auto names : {reader::json_names::camel, reader::json_names::proto}) {
      std::string expected;
      REQUIRE(google::protobuf::util::MessageToJsonString(
                  batch, &expected, names == reader::json_names::proto ? proto_names
                                                                       : google::protobuf::util::JsonPrintOptions{})
                  .ok());
      std::string json, error;
      REQUIRE(reader::wire_to_json(wire, reader::schema::BatchMessage_type, names, json, error));
      CHECK(json == expected);
      // And back: the same bytes protobuf serializes.
      const simdjson::padded_string padded(json);
      simdjson::ondemand::document doc = parser.iterate(padded);
      simdjson::ondemand::value value;
      REQUIRE(doc.get_value().get(value) == simdjson::SUCCESS);
      std::string again;
      INFO(error);
      REQUIRE(reader::json_to_wire(value, reader::schema::BatchMessage_type, again, error));
      CHECK(again == wire);
    }
  }
}

TEST_CASE("schema-driven conversion rejects what protobuf rejects, naming it", "[reader][encoding]") {
  simdjson::ondemand::parser parser;
  const auto from_json = [&parser](std::string_view text, std::string& error) {
    const simdjson::padded_string padded(text);
    simdjson::ondemand::document doc = parser.iterate(padded);
    simdjson::ondemand::value value;
    if (doc.get_value().get(value) != simdjson::SUCCESS) return false;
    std::string out;
    return reader::json_to_wire(value, reader::schema::BatchMessage_type, out, error);
  };
  std::string error;
  CHECK_FALSE(from_json(R"({"metadata":{"hostName":"x"}})", error));
  CHECK(error == "CollectionMetadata: unknown field \"hostName\"");
  CHECK_FALSE(from_json(R"({"records":[{"localPort":4294967296}]})", error));
  CHECK(error == "localPort: out of range");
  CHECK_FALSE(from_json(R"({"records":[{"state":"TCP_STATE_OPEN"}]})", error));
  CHECK(error == "state: unknown value \"TCP_STATE_OPEN\"");
  CHECK_FALSE(from_json(R"({"records":[{"localAddr":"***"}]})", error));
  CHECK(error == "localAddr: not base64");
  CHECK_FALSE(from_json(R"({"summary":{"totalSockets":1,"total_sockets":2}})", error));
  CHECK(error == "SystemSummary: field \"total_sockets\" given twice");
  CHECK(from_json(R"({"metadata":{"host_name_x":null}})", error) == false);
  CHECK(from_json(R"({"metadata":{"hostname":null},"summary":{"total_sockets":"3"}})", error));

  std::string json;
  CHECK_FALSE(reader::wire_to_json(std::string_view("\x12\x05\x18\x01", 4), reader::schema::BatchMessage_type,
                                   reader::json_names::camel, json, error));
  CHECK(error == "byte 0: length runs past the end (BatchMessage field 2)");
  CHECK_FALSE(reader::wire_to_json(std::string_view("\x12\x02\x98\x06", 4), reader::schema::BatchMessage_type,
                                   reader::json_names::camel, json, error));
  CHECK(error == "byte 2: field number not in the schema (TcpSocketRecord field 99)");
  CHECK_FALSE(reader::wire_to_json(std::string_view("\x0a\x02\x12\x01", 4), reader::schema::BatchMessage_type,
                                   reader::json_names::camel, json, error));
  CHECK(error == "byte 2: length runs past the end (CollectionMetadata field 2)");
  CHECK_FALSE(reader::wire_to_json(std::string_view("\x0a\x03\x12\x01\xff", 5), reader::schema::BatchMessage_type,
                                   reader::json_names::camel, json, error));
  CHECK(error == "byte 2: string is not UTF-8 (field hostname)");
}
