#include "batch_encoder.hpp"

#include <google/protobuf/util/json_util.h>

#include <cstring>

#include "json_emitter.hpp"
#include "wire_encoder.hpp"

namespace tcpstats::reader {

namespace {

constexpr char length_delimited_tag(int number) { return static_cast<char>((number << 3) | 2); }

// Appends field `number` (length-delimited) holding `bytes`.
void append_field(byte_buffer& out, int number, std::string_view bytes) {
  char* p = out.reserve(bytes.size() + 11);
  *p++ = length_delimited_tag(number);
  p = write_varint(p, bytes.size());
  std::memcpy(p, bytes.data(), bytes.size());
  out.commit(p + bytes.size());
}

}  // namespace

void batch_encoder::encode(const pass& p, const run_context& run, const std::optional<system_counters>& previous,
                           byte_buffer& out) {
  out.clear();
  if (pretty_) {
    build_batch(p, run, previous, batch_);
    google::protobuf::util::JsonPrintOptions print;
    print.add_whitespace = true;
    scratch_.clear();
    (void)google::protobuf::util::MessageToJsonString(batch_, &scratch_, print);
    if (scratch_.empty() || scratch_.back() != '\n') scratch_ += '\n';
    out.append(scratch_);
    return;
  }
  fill_metadata(p, run, metadata_);
  fill_summary(p, run, previous, summary_);

  if (format_ == output_format::jsonl) {
    out.append("{\"metadata\":");
    scratch_.clear();
    (void)google::protobuf::util::MessageToJsonString(metadata_, &scratch_);
    out.append(scratch_);
    if (!p.records.empty()) {
      out.append(",\"records\":[");
      const std::size_t bound = max_record_json_size(p.record_sources.size()) + 1;
      for (std::size_t i = 0; i < p.records.size(); ++i) {
        char* at = out.reserve(bound);
        if (i != 0) *at++ = ',';
        out.commit(write_record_json(p.records[i], p.record_sources, at));
      }
      out.append("]");
    }
    out.append(",\"summary\":");
    scratch_.clear();
    (void)google::protobuf::util::MessageToJsonString(summary_, &scratch_);
    out.append(scratch_);
    out.append("}\n");
    return;
  }

  scratch_.clear();
  metadata_.AppendToString(&scratch_);
  append_field(out, 1, scratch_);
  const std::size_t bound = max_record_wire_size(p.record_sources.size());
  for (const auto& record : p.records) {
    // Write the record after room for its tag and a 3-byte length (records
    // are far below 2^21 bytes), then close the gap if the length is shorter.
    char* start = out.reserve(bound + 4);
    char* body = start + 4;
    char* end = encode_record(record, p.record_sources, body);
    const auto size = static_cast<std::size_t>(end - body);
    char* q = start;
    *q++ = length_delimited_tag(2);
    q = write_varint(q, size);
    if (q != body) std::memmove(q, body, size);
    out.commit(q + size);
  }
  scratch_.clear();
  summary_.AppendToString(&scratch_);
  append_field(out, 3, scratch_);
  char prefix[10];
  out.prepend({prefix, static_cast<std::size_t>(write_varint(prefix, out.size()) - prefix)});
}

}  // namespace tcpstats::reader
