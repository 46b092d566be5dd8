// The live view's cost per pass and per key on N connections (records
// decoded from the synthetic macOS dump, with made-up rates): a pass into
// the view (table rows and filter subjects), a 200x50 frame (sort of all
// rows, column widths, the first 46 rows), and a filter change (all rows
// filtered again, then the frame). Items are connections.

#include <benchmark/benchmark.h>

#include <cstdlib>

#include "output/live_view.hpp"
#include "pipeline/decode.hpp"
#include "synthetic_dump.hpp"

namespace reader = tcpstats::reader;

namespace {

const reader::pass& decoded() {
  static const reader::pass p = [] {
    reader::raw_pass raw;
    raw.table = reader::byte_blob(tcpstats::bench::dump(100'000));
    reader::pass out;
    std::string error;
    if (!reader::decode_raw_pass(raw, reader::platform::macos, out, error)) std::abort();
    return out;
  }();
  return p;
}

void fill(reader::live_view& view, std::size_t count) {
  const reader::pass& p = decoded();
  view.prepare(reader::run_context{}, std::nullopt);
  view.start(p);
  reader::record_delta delta;
  for (std::size_t i = 0; i < count; ++i) {
    delta.tx_bytes_per_sec = static_cast<double>((i * 7919) % 1'000'003);
    delta.rx_bytes_per_sec = static_cast<double>((i * 104729) % 999'983);
    view.add_tracked(p.records[i], delta, true);
  }
  view.set_pass_context(1'000'000'000, reader::tracker_counts{});
}

void items(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void pass_into_view(benchmark::State& state) {
  reader::live_view view({});
  for (auto _ : state) fill(view, static_cast<std::size_t>(state.range(0)));
  items(state);
}

void frame(benchmark::State& state) {
  reader::live_view view({});
  fill(view, static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(view.frame({50, 200}, false));
  items(state);
}

void filter_change(benchmark::State& state) {
  reader::live_view view({});
  fill(view, static_cast<std::size_t>(state.range(0)));
  bool narrow = false;
  for (auto _ : state) {
    narrow = !narrow;
    for (const auto& key : reader::decode_keys(narrow ? "/--port 1-30000 established\r" : "/\x15\r")) view.press(key);
    benchmark::DoNotOptimize(view.frame({50, 200}, false));
  }
  items(state);
}

}  // namespace

BENCHMARK(pass_into_view)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);
BENCHMARK(frame)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);
BENCHMARK(filter_change)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
