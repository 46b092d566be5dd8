#include "batch_encoder.hpp"

#include <google/protobuf/util/json_util.h>

#include "json_emitter.hpp"
#include "wire_encoder.hpp"

namespace tcpstats::reader {

namespace {

void append_field(std::string& out, int number, const std::string& bytes) {
  append_varint(out, (static_cast<std::uint64_t>(number) << 3) | 2);
  append_varint(out, bytes.size());
  out += bytes;
}

}  // namespace

void batch_encoder::encode(const pass& p, const run_context& run, const std::optional<system_counters>& previous,
                           std::string& out) {
  out.clear();
  if (pretty_) {
    build_batch(p, run, previous, batch_);
    google::protobuf::util::JsonPrintOptions print;
    print.add_whitespace = true;
    (void)google::protobuf::util::MessageToJsonString(batch_, &out, print);
    if (out.empty() || out.back() != '\n') out += '\n';
    return;
  }
  fill_metadata(p, run, metadata_);
  fill_summary(p, run, previous, summary_);

  if (format_ == output_format::jsonl) {
    out += "{\"metadata\":";
    scratch_.clear();
    (void)google::protobuf::util::MessageToJsonString(metadata_, &scratch_);
    out += scratch_;
    if (!p.records.empty()) {
      out += ",\"records\":[";
      for (std::size_t i = 0; i < p.records.size(); ++i) {
        if (i != 0) out += ',';
        append_record_json(p.records[i], p.record_sources, out);
      }
      out += ']';
    }
    out += ",\"summary\":";
    scratch_.clear();
    (void)google::protobuf::util::MessageToJsonString(summary_, &scratch_);
    out += scratch_;
    out += "}\n";
    return;
  }

  body_.clear();
  scratch_.clear();
  metadata_.AppendToString(&scratch_);
  append_field(body_, 1, scratch_);
  for (const auto& record : p.records) {
    scratch_.clear();
    encode_record(record, p.record_sources, scratch_);
    append_field(body_, 2, scratch_);
  }
  scratch_.clear();
  summary_.AppendToString(&scratch_);
  append_field(body_, 3, scratch_);
  append_varint(out, body_.size());
  out += body_;
}

}  // namespace tcpstats::reader
