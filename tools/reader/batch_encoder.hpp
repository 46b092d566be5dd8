#pragma once
// One pass to the bytes of one output batch: a JSON Lines line or a
// length-delimited binary frame. Metadata and summary (small, once per
// batch) go through protobuf; records through the direct encoders.

#include <optional>
#include <string>

#include "byte_buffer.hpp"
#include "options.hpp"
#include "pass.hpp"
#include "proto_convert.hpp"

namespace tcpstats::reader {

class batch_encoder {
 public:
  batch_encoder(output_format format, bool pretty) : format_(format), pretty_(pretty) {}

  // Replaces `out` with the complete batch: for jsonl one line ending in
  // '\n' (several lines with --pretty); for binary a varint length and the
  // serialized BatchMessage.
  void encode(const pass& p, const run_context& run, const std::optional<system_counters>& previous,
              byte_buffer& out);

 private:
  output_format format_;
  bool pretty_;
  tcpstats_reader::CollectionMetadata metadata_;
  tcpstats_reader::SystemSummary summary_;
  tcpstats_reader::BatchMessage batch_;  // --pretty only
  std::string scratch_;
};

}  // namespace tcpstats::reader
