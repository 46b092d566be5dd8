#pragma once
// What a pass's SystemSummary is computed from: the run around the pass,
// the connections counted per state as records stream past, and the host
// counters' changes since the previous pass.

#include <array>
#include <cstdint>
#include <optional>

#include "core/pass.hpp"
#include "core/record_delta.hpp"
#include "tcpstats/connection_record.hpp"

namespace tcpstats::reader {

// The TcpState number of a record: BSD state + 1, 0 when unknown.
[[nodiscard]] constexpr int proto_state(const connection_record& r) {
  return r.state ? static_cast<int>(*r.state) + 1 : 0;
}

// Linux socket destroy events of a pass: how its closed records came
// about, and the messages lost since the previous pass.
struct event_counts {
  std::uint32_t closed_by_events = 0;
  std::uint32_t closed_by_polling = 0;
  std::uint64_t dropped = 0;
};

// What a batch says about the run rather than the pass.
struct run_context {
  std::uint64_t batch_sequence = 1;
  std::uint32_t interval_ms = 1000;
  std::optional<std::uint64_t> elapsed_ns;    // since the previous pass, as measured
  std::optional<tracker_counts> connections;  // --deltas, --changes-only; from the second pass
  std::optional<event_counts> events{};       // with destroy events on
};

// Connections per TcpState number, counted as the records stream past.
struct state_tally {
  std::array<std::uint32_t, 12> by_state{};
  std::uint32_t total = 0;

  void add(const connection_record& r) {
    ++by_state[static_cast<std::size_t>(proto_state(r))];
    ++total;
  }
};

// What a pass's SystemSummary is computed from.
struct summary_inputs {
  const pass_info& info;
  const state_tally& tally;
  const run_context& run;
  const std::optional<system_counters>& previous;  // the previous pass's counters

  using counter = std::optional<std::uint64_t> system_counters::*;

  // The counter's change since the previous pass, modulo the counters' own
  // width (they wrap there). Empty on a first pass, when either pass could
  // not read the counters or this one, or when the widths differ.
  [[nodiscard]] std::optional<std::uint64_t> delta(counter c) const {
    if (!previous || !info.counters || previous->width_bits != info.counters->width_bits) return std::nullopt;
    const auto& later = (*info.counters).*c;
    const auto& earlier = (*previous).*c;
    if (!later || !earlier) return std::nullopt;
    const unsigned width = info.counters->width_bits;
    const std::uint64_t mask = width >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1;
    return (*later - *earlier) & mask;
  }
  // delta(c) per second of the time since the previous pass.
  [[nodiscard]] std::optional<double> per_second(counter c) const {
    const auto d = delta(c);
    if (!d || !run.elapsed_ns || *run.elapsed_ns == 0) return std::nullopt;
    return static_cast<double>(*d) * 1e9 / static_cast<double>(*run.elapsed_ns);
  }
  // delta(part) / delta(whole); empty when either is, or when whole is 0.
  [[nodiscard]] std::optional<double> ratio(counter part, counter whole) const {
    const auto p = delta(part);
    const auto w = delta(whole);
    if (!p || !w || *w == 0) return std::nullopt;
    return static_cast<double>(*p) / static_cast<double>(*w);
  }
};

}  // namespace tcpstats::reader
