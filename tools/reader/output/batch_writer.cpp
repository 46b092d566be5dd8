#include "output/batch_writer.hpp"

#include <cstring>

#include "codec/batch_parts_encoder.hpp"
#include "codec/json_emitter.hpp"
#include "codec/wire_encoder.hpp"

namespace tcpstats::reader {

namespace {

// Streamed output leaves in chunks of this size: memory stays bounded
// however many connections a pass has.
constexpr std::size_t chunk_bytes = 256 * 1024;

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

void batch_writer::prepare(const run_context& run, const std::optional<system_counters>& previous,
                           chunk_target& target) {
  run_ = run;
  previous_ = previous;
  target_ = &target;
  target_ok_ = true;
}

void batch_writer::start(const pass_info& info) {
  info_ = &info;
  tally_ = {};
  records_ = 0;
  buffer_.clear();
  scratch_.clear();
  if (format_ == output_format::jsonl) {
    buffer_.append("{\"metadata\":");
    append_metadata_json(info, run_, scratch_);
    buffer_.append(scratch_);
  } else {
    append_metadata_wire(info, run_, scratch_);
    append_field(buffer_, 1, scratch_);
  }
}

void batch_writer::add(const connection_record& record) {
  tally_.add(record);
  write_record(record, nullptr);
}

void batch_writer::add_tracked(const connection_record& record, const record_delta& delta, bool emit) {
  if (!delta.closed) tally_.add(record);
  if (emit) write_record(record, &delta);
}

void batch_writer::write_record(const connection_record& record, const record_delta* delta) {
  const auto& sources = info_->record_sources;
  if (format_ == output_format::jsonl) {
    const std::string_view separator = records_ == 0 ? ",\"records\":[" : ",";
    char* at = buffer_.reserve(max_record_json_size(sources.size()) + separator.size());
    std::memcpy(at, separator.data(), separator.size());
    buffer_.commit(write_record_json(record, sources, at + separator.size(), delta, addresses_));
    flush_if_large();
  } else {
    // The record goes after room for its tag and a 3-byte length (records
    // are far below 2^21 bytes); the gap closes if the length is shorter.
    char* start = buffer_.reserve(max_record_wire_size(sources.size()) + 4);
    char* body = start + 4;
    char* end = encode_record(record, sources, body, delta);
    const auto size = static_cast<std::size_t>(end - body);
    char* q = start;
    *q++ = length_delimited_tag(2);
    q = write_varint(q, size);
    if (q != body) std::memmove(q, body, size);
    buffer_.commit(q + size);
  }
  ++records_;
}

void batch_writer::flush_if_large() {
  // --pretty indents the line once it is whole.
  if (pretty_ || buffer_.size() < chunk_bytes) return;
  if (target_ok_) target_ok_ = target_->write(buffer_.view());
  buffer_.clear();
}

bool batch_writer::finish() {
  scratch_.clear();
  const summary_inputs summary{*info_, tally_, run_, previous_};
  if (format_ == output_format::jsonl) {
    if (records_ != 0) buffer_.append("]");
    buffer_.append(",\"summary\":");
    append_summary_json(summary, scratch_);
    buffer_.append(scratch_);
    buffer_.append("}");
    if (pretty_) {
      const std::string indented = indent_json(buffer_.view());
      buffer_.clear();
      return target_->write(indented);
    }
    buffer_.append("\n");
  } else {
    append_summary_wire(summary, scratch_);
    append_field(buffer_, 3, scratch_);
    // A binary frame is built whole: its length goes in front now.
    char prefix[10];
    buffer_.prepend({prefix, static_cast<std::size_t>(write_varint(prefix, buffer_.size()) - prefix)});
  }
  if (target_ok_) target_ok_ = target_->write(buffer_.view());
  buffer_.clear();
  return target_ok_;
}

namespace {
class string_target final : public chunk_target {
 public:
  bool write(std::string_view bytes) override {
    text.append(bytes);
    return true;
  }
  std::string text;
};
}  // namespace

std::string encode_batch(const pass& p, const run_context& run, const std::optional<system_counters>& previous,
                         output_format format, bool pretty) {
  string_target target;
  batch_writer writer(format, pretty);
  writer.prepare(run, previous, target);
  writer.start(p);
  for (const auto& r : p.records) writer.add(r);
  (void)writer.finish();
  return std::move(target.text);
}

}  // namespace tcpstats::reader
