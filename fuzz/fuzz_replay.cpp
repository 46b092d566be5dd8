// The tool's replay path as a whole: raw bytes in (as macOS, Linux or
// FreeBSD dumps, the first byte choosing: 0, 1, 2 modulo 3), a batch out in both formats, read back
// by protobuf: the JSON Lines text must parse (protobuf's own JSON parser)
// to exactly the message the binary frame holds, and the direct encoders
// must match protobuf's serializer and printer record by record.
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "output/batch_writer.hpp"
#include "pipeline/decode.hpp"
#include "codec/json_emitter.hpp"
#include "proto_convert.hpp"
#include "codec/wire_encoder.hpp"

namespace reader = tcpstats::reader;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  reader::raw_pass raw;
  raw.table = reader::byte_blob(std::vector<std::byte>(reinterpret_cast<const std::byte*>(data) + 1,
                                                       reinterpret_cast<const std::byte*>(data) + size));
  const reader::platform sources[] = {reader::platform::macos, reader::platform::linux_, reader::platform::freebsd};
  const auto source = sources[data[0] % 3];
  reader::pass p;
  std::string error;
  if (!reader::decode_raw_pass(raw, source, p, error)) {
    if (error.empty()) std::abort();
    return 0;
  }
  const reader::run_context run{7, 1000, std::nullopt, std::nullopt};
  for (const auto& r : p.records) {
    tcpstats_reader::TcpSocketRecord expected;
    reader::to_proto(r, p.record_sources, expected);
    std::string wire;
    reader::encode_record(r, p.record_sources, wire);
    if (wire != expected.SerializeAsString()) std::abort();
    std::string json, printed;
    reader::append_record_json(r, p.record_sources, json);
    if (!google::protobuf::util::MessageToJsonString(expected, &printed).ok() || json != printed) std::abort();
  }
  const std::string line = reader::encode_batch(p, run, std::nullopt, reader::output_format::jsonl);
  const std::string frame = reader::encode_batch(p, run, std::nullopt, reader::output_format::binary);
  tcpstats_reader::BatchMessage from_json, from_binary;
  if (!google::protobuf::util::JsonStringToMessage(line, &from_json).ok()) std::abort();
  google::protobuf::io::ArrayInputStream input(frame.data(), static_cast<int>(frame.size()));
  bool clean_eof = false;
  if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(&from_binary, &input, &clean_eof)) std::abort();
  if (!google::protobuf::util::MessageDifferencer::Equals(from_json, from_binary)) std::abort();
  return 0;
}
