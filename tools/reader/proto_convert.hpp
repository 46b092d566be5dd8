#pragma once
// Decoded passes to protobuf messages: the reference mapping, written with
// the generated setters. The direct encoders (wire_encoder, json_emitter)
// must produce exactly what these messages serialize to.

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "pass.hpp"
#include "record_delta.hpp"
#include "tcp_stats.pb.h"

namespace tcpstats::reader {

// What a batch says about the run rather than the pass.
struct run_context {
  std::uint64_t batch_sequence = 1;
  std::uint32_t interval_ms = 1000;
  std::optional<std::uint64_t> elapsed_ns;       // since the previous pass, as measured
  std::optional<tracker_counts> connections;     // --deltas, --changes-only; from the second pass
};

void to_proto(const connection_record& record, std::span<const data_source> sources,
              tcpstats_reader::TcpSocketRecord& out, const record_delta* delta = nullptr);

// Connections per TcpState number, counted as the records stream past.
struct state_tally {
  std::array<std::uint32_t, 12> by_state{};
  std::uint32_t total = 0;

  void add(const connection_record& r) {
    ++by_state[r.state ? static_cast<std::size_t>(*r.state) + 1 : 0];
    ++total;
  }
};

void fill_metadata(const pass_info& p, const run_context& run, tcpstats_reader::CollectionMetadata& out);

// Totals and per-state counts, and the deltas of the pass's counters since
// `previous` (the previous pass's, when both were readable).
void fill_summary(const pass_info& p, const state_tally& tally, const run_context& run,
                  const std::optional<system_counters>& previous, tcpstats_reader::SystemSummary& out);

// The whole batch through protobuf's own objects (used for --pretty and as
// the reference in tests); `deltas`, when not empty, has one per record.
void build_batch(const pass& p, const run_context& run, const std::optional<system_counters>& previous,
                 tcpstats_reader::BatchMessage& out, std::span<const record_delta> deltas = {});

}  // namespace tcpstats::reader
