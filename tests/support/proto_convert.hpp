#pragma once
// Decoded passes to protobuf messages: the reference mapping, written with
// the generated setters. The direct encoders (wire_encoder, json_emitter,
// batch_parts_encoder) must produce exactly what these messages serialize
// to. Linked by the tests, benchmarks and fuzzers only: tcpstats-reader
// itself uses the direct encoders and needs no libprotobuf.

#include <cstdint>
#include <optional>
#include <span>

#include "codec/batch_fields.hpp"  // run_context, state_tally
#include "core/pass.hpp"
#include "core/record_delta.hpp"
#include "tcp_stats.pb.h"

namespace tcpstats::reader {

void to_proto(const connection_record& record, std::span<const data_source> sources,
              tcpstats_reader::TcpSocketRecord& out, const record_delta* delta = nullptr);

void fill_metadata(const pass_info& p, const run_context& run, tcpstats_reader::CollectionMetadata& out);

// Totals and per-state counts, and the deltas of the pass's counters since
// `previous` (the previous pass's, when both were readable).
void fill_summary(const pass_info& p, const state_tally& tally, const run_context& run,
                  const std::optional<system_counters>& previous, tcpstats_reader::SystemSummary& out);

// The whole batch through protobuf's own objects (the reference in tests);
// `deltas`, when not empty, has one per record.
void build_batch(const pass& p, const run_context& run, const std::optional<system_counters>& previous,
                 tcpstats_reader::BatchMessage& out, std::span<const record_delta> deltas = {});

}  // namespace tcpstats::reader
