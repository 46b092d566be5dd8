#pragma once
// Decoded passes to protobuf messages: the reference mapping, written with
// the generated setters. The direct encoders (wire_encoder, json_emitter)
// must produce exactly what these messages serialize to.

#include <cstdint>
#include <optional>
#include <span>

#include "pass.hpp"
#include "tcp_stats.pb.h"

namespace tcpstats::reader {

// What a batch says about the run rather than the pass.
struct run_context {
  std::uint64_t batch_sequence = 1;
  std::uint32_t interval_ms = 1000;
};

void to_proto(const connection_record& record, std::span<const data_source> sources,
              tcpstats_reader::TcpSocketRecord& out);

void fill_metadata(const pass& p, const run_context& run, tcpstats_reader::CollectionMetadata& out);

// Totals and per-state counts of `p`, and the deltas of its counters since
// `previous` (the previous pass's, when both were readable).
void fill_summary(const pass& p, const run_context& run, const std::optional<system_counters>& previous,
                  tcpstats_reader::SystemSummary& out);

// The whole batch through protobuf's own objects (used for --pretty and as
// the reference in tests).
void build_batch(const pass& p, const run_context& run, const std::optional<system_counters>& previous,
                 tcpstats_reader::BatchMessage& out);

}  // namespace tcpstats::reader
