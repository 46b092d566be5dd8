#pragma once
// One pass to one output batch, streamed: a JSON Lines line (written out in
// chunks as the records come) or a length-delimited binary frame (written
// whole, since its length comes first), written by the direct encoders
// (batch_parts_encoder for metadata and summary, wire_encoder and
// json_emitter for records) without protobuf. --pretty builds the JSON line
// whole and then indents it.

#include <optional>
#include <string>
#include <string_view>

#include "core/byte_buffer.hpp"
#include "core/pass.hpp"
#include "codec/batch_fields.hpp"
#include "codec/json_names.hpp"

namespace tcpstats::reader {

enum class output_format { jsonl, binary, table };

// Where a batch's bytes go. write() returns false when nothing more should
// be written (the reader went away, or an error the caller reports).
class chunk_target {
 public:
  virtual ~chunk_target() = default;
  virtual bool write(std::string_view bytes) = 0;
};

class batch_writer final : public record_sink {
 public:
  batch_writer(output_format format, bool pretty, json_addresses addresses = json_addresses::base64)
      : format_(format), pretty_(pretty), addresses_(addresses) {}

  // Makes room for a batch of about `bytes` up front, so that a binary
  // frame, built whole, is not copied as it grows.
  void expect_bytes(std::size_t bytes) { (void)buffer_.reserve(bytes); }
  // Sets up the next batch; the decoder then calls start() with the pass's
  // info and add() with each record; finish() completes the batch.
  void prepare(const run_context& run, const std::optional<system_counters>& previous, chunk_target& target);
  void start(const pass_info& info) override;
  void add(const connection_record& record) override;
  void add_tracked(const connection_record& record, const record_delta& delta, bool emit) override;
  // What the summary says that is known only once the records are decoded:
  // the time since the previous pass and what the tracker counted. Before
  // finish().
  void set_pass_context(std::optional<std::uint64_t> elapsed_ns, const std::optional<tracker_counts>& counts) {
    run_.elapsed_ns = elapsed_ns;
    run_.connections = counts;
  }
  // The pass's socket destroy event counts (Linux), known once its records
  // are; before finish().
  void set_event_counts(const std::optional<event_counts>& events) { run_.events = events; }
  // Writes the rest of the batch. False if the target refused a write.
  bool finish();

 private:
  void write_record(const connection_record& record, const record_delta* delta);
  void flush_if_large();

  output_format format_;
  bool pretty_;
  json_addresses addresses_;
  const pass_info* info_ = nullptr;
  run_context run_;
  std::optional<system_counters> previous_;
  chunk_target* target_ = nullptr;
  bool target_ok_ = true;
  state_tally tally_;
  std::size_t records_ = 0;
  byte_buffer buffer_;
  std::string scratch_;
};

// A whole pass to its batch bytes (tests and benchmarks).
[[nodiscard]] std::string encode_batch(const pass& p, const run_context& run,
                                       const std::optional<system_counters>& previous, output_format format,
                                       bool pretty = false);

}  // namespace tcpstats::reader
