// tcpstats-reader's replay path on a 100,000-connection dump, split into
// its stages: walk (decode to records), conversion and serialization, each
// next to the protobuf-object path it replaces; then end to end (decode +
// whole batch) for binary and JSON Lines. Items are records.

#include <benchmark/benchmark.h>

#include <google/protobuf/util/json_util.h>

#include "output/batch_writer.hpp"
#include "pipeline/decode.hpp"
#include "codec/json_emitter.hpp"
#include "proto_convert.hpp"
#include "synthetic_dump.hpp"
#include "codec/wire_encoder.hpp"

namespace reader = tcpstats::reader;

namespace {

constexpr std::size_t connections = 100'000;

reader::raw_pass raw_dump() {
  reader::raw_pass raw;
  raw.table = reader::byte_blob(tcpstats::bench::dump(connections));
  return raw;
}

const reader::pass& decoded() {
  static const reader::pass p = [] {
    reader::pass out;
    std::string error;
    if (!reader::decode_raw_pass(raw_dump(), reader::platform::macos, out, error)) std::abort();
    return out;
  }();
  return p;
}

void items(benchmark::State& state, std::size_t per_iteration) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * per_iteration));
}

// Decoding into a pass reused across iterations, as the tool does.
void walk(benchmark::State& state) {
  const auto raw = raw_dump();
  reader::pass p;
  std::string error;
  for (auto _ : state) {
    if (!reader::decode_raw_pass(raw, reader::platform::macos, p, error)) state.SkipWithError("decode");
    benchmark::DoNotOptimize(p.records.data());
  }
  items(state, connections);
}

void binary_direct(benchmark::State& state) {
  const auto& p = decoded();
  reader::byte_buffer out;
  for (auto _ : state) {
    out.clear();
    for (const auto& r : p.records) {
      char* at = out.reserve(reader::max_record_wire_size(p.record_sources.size()));
      out.commit(reader::encode_record(r, p.record_sources, at));
    }
    benchmark::DoNotOptimize(out.view().data());
  }
  items(state, connections);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}

// The path the direct encoder replaces: message objects, then protobuf's serializer.
void binary_via_protobuf_objects(benchmark::State& state) {
  const auto& p = decoded();
  tcpstats_reader::TcpSocketRecord message;
  std::string out;
  for (auto _ : state) {
    out.clear();
    for (const auto& r : p.records) {
      reader::to_proto(r, p.record_sources, message);
      message.AppendToString(&out);
    }
    benchmark::DoNotOptimize(out.data());
  }
  items(state, connections);
}

void json_direct(benchmark::State& state) {
  const auto& p = decoded();
  reader::byte_buffer out;
  for (auto _ : state) {
    out.clear();
    for (const auto& r : p.records) {
      char* at = out.reserve(reader::max_record_json_size(p.record_sources.size()));
      out.commit(reader::write_record_json(r, p.record_sources, at));
    }
    benchmark::DoNotOptimize(out.view().data());
  }
  items(state, connections);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}

// protobuf's reflection-based printer, on the first 10,000 records.
void json_via_protobuf_printer(benchmark::State& state) {
  const auto& p = decoded();
  constexpr std::size_t subset = 10'000;
  tcpstats_reader::TcpSocketRecord message;
  std::string out, one;
  for (auto _ : state) {
    out.clear();
    for (std::size_t i = 0; i < subset; ++i) {
      reader::to_proto(p.records[i], p.record_sources, message);
      one.clear();
      (void)google::protobuf::util::MessageToJsonString(message, &one);
      out += one;
    }
    benchmark::DoNotOptimize(out.data());
  }
  items(state, subset);
}

// What the tool does per pass: validate and decode, streaming each record
// into the batch writer, whose output goes nowhere (as to /dev/null).
class discard_target final : public reader::chunk_target {
 public:
  bool write(std::string_view bytes) override {
    written += bytes.size();
    return true;
  }
  std::size_t written = 0;
};

void end_to_end(benchmark::State& state, reader::output_format format) {
  const auto raw = raw_dump();
  reader::batch_writer writer(format, false);
  discard_target target;
  const reader::run_context run;
  reader::pass_info info;
  std::string error;
  for (auto _ : state) {
    writer.prepare(run, std::nullopt, target);
    if (!reader::decode_raw_pass(raw, reader::platform::macos, info, writer, error)) state.SkipWithError("decode");
    if (!writer.finish()) state.SkipWithError("write");
  }
  items(state, connections);
  state.SetBytesProcessed(static_cast<std::int64_t>(target.written));
}

void end_to_end_binary(benchmark::State& state) { end_to_end(state, reader::output_format::binary); }
void end_to_end_jsonl(benchmark::State& state) { end_to_end(state, reader::output_format::jsonl); }

}  // namespace

BENCHMARK(walk)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(binary_direct)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(binary_via_protobuf_objects)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(json_direct)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(json_via_protobuf_printer)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(end_to_end_binary)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(end_to_end_jsonl)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK_MAIN();
