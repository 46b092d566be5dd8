// Walk and materialise a synthetic 100,000-connection FreeBSD pcblist dump
// (FreeBSD 14 layout, 744 bytes per connection, ~74 MB) next to the same
// sequential-read ceiling as pcblist_n_bench, in the same binary:
//   sequential_read  sum of 8-byte words: the memory-bandwidth ceiling;
//   naive_loop       a netstat-style C loop: fixed offsets, memcpy loads of
//                    the same fields, no validation, stops at the trailer;
//   walk_views       the validated walk reading two fields per record;
//   walk_materialize the walk plus materialize() into a reused record.
// Results are bytes/s and connections/s; see bench/README.md.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <vector>

#include "freebsd_blob_builder.hpp"
#include "freebsd_connection.hpp"
#include "tcpstats/freebsd/materialize.hpp"
#include "tcpstats/freebsd/pcblist.hpp"

namespace {

constexpr std::size_t xtcpcb_size = 744;

// 16 connection shapes written by the tests' reference-driven builder,
// repeated with the local port varied.
std::vector<std::byte> build_dump(std::size_t connection_count) {
  using tcpstats::test::freebsd_blob;
  using tcpstats::test::freebsd_connection;
  std::mt19937_64 rng(42);
  freebsd_blob shapes("14");
  for (int i = 0; i < 16; ++i) {
    freebsd_connection c;
    c.vflag = (i % 4 == 0) ? 0x2 : 0x1;
    c.laddr = tcpstats::test::freebsd_v4(10, 0, 0, static_cast<std::uint8_t>(i));
    c.faddr = tcpstats::test::freebsd_v4(192, 0, 2, static_cast<std::uint8_t>(rng()));
    c.fport = static_cast<std::uint16_t>(rng());
    c.inp_gencnt = 1;
    c.xso_so = 0xfffff80000000000 + rng() % 0x100000000;
    c.t_sndrexmitpack = static_cast<std::uint32_t>(rng() % 100);
    c.t_rcvtime = static_cast<std::uint32_t>(rng() % 10000);
    c.tt_rexmt = static_cast<std::int32_t>(rng() % 2000);
    c.cc = i % 2 ? "cubic" : "newreno";
    c.stack = i % 3 ? "freebsd" : "rack";
    write_connection(shapes, c);
  }
  const auto shape_bytes = shapes.finish();
  freebsd_blob header("14");
  header.header(static_cast<std::uint32_t>(connection_count), 5);
  std::vector<std::byte> out = header.finish();
  out.reserve(64 + connection_count * xtcpcb_size + 64);
  for (std::size_t i = 0; i < connection_count; ++i) {
    const std::size_t shape = i % 16;
    const std::size_t at = out.size();
    out.insert(out.end(), shape_bytes.begin() + static_cast<std::ptrdiff_t>(shape * xtcpcb_size),
               shape_bytes.begin() + static_cast<std::ptrdiff_t>((shape + 1) * xtcpcb_size));
    out[at + 262] = std::byte(i >> 8);  // ie_lport, network order
    out[at + 263] = std::byte(i & 0xff);
  }
  freebsd_blob trailer("14");
  trailer.trailer(static_cast<std::uint32_t>(connection_count), 5);
  const auto t = trailer.finish();
  out.insert(out.end(), t.begin(), t.end());
  return out;
}

const std::vector<std::byte>& dump(std::size_t connection_count) {
  static std::map<std::size_t, std::vector<std::byte>> cache;
  auto it = cache.find(connection_count);
  if (it == cache.end()) it = cache.emplace(connection_count, build_dump(connection_count)).first;
  return it->second;
}

void report(benchmark::State& state, std::size_t bytes, std::size_t connections) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * connections));
}

void sequential_read(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  const auto& bytes = dump(count);
  for (auto _ : state) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i + 8 <= bytes.size(); i += 8) {
      std::uint64_t word;
      std::memcpy(&word, bytes.data() + i, 8);
      sum += word;
    }
    benchmark::DoNotOptimize(sum);
  }
  report(state, bytes.size(), count);
}

template <class T>
T at(const std::byte* p, std::size_t off) {
  T v;
  std::memcpy(&v, p + off, sizeof v);
  return v;
}

// What netstat's loop does: fixed 14 offsets, no checks, trailer-terminated.
void naive_loop(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  const auto& bytes = dump(count);
  struct fields {
    std::uint64_t so, gencnt;
    std::uint32_t uid, rcv_cc, rcv_hiwat, snd_cc, snd_hiwat, flags, zerowin, rexmit, ooo, rcvtime;
    std::int32_t state, timers[5];
    std::uint32_t cwnd, ssthresh, maxseg, rcv_wnd, snd_wnd, ecn, dsack_bytes, dsack_pack;
    std::uint16_t lport, fport, encaps;
    std::uint8_t vflag, laddr[16], faddr[16];
    char stack[32], cc[16];
  } f{};
  for (auto _ : state) {
    std::size_t n = 0;
    std::uint64_t check = 0;
    const std::byte* p = bytes.data() + at<std::uint64_t>(bytes.data(), 0);
    while (at<std::uint64_t>(p, 0) > 64) {
      f.so = at<std::uint64_t>(p, 24);
      f.uid = at<std::uint32_t>(p, 136);
      f.rcv_cc = at<std::uint32_t>(p, 184);
      f.rcv_hiwat = at<std::uint32_t>(p, 188);
      f.snd_cc = at<std::uint32_t>(p, 220);
      f.snd_hiwat = at<std::uint32_t>(p, 224);
      f.fport = at<std::uint16_t>(p, 260);
      f.lport = at<std::uint16_t>(p, 262);
      std::memcpy(f.faddr, p + 264, 16);
      std::memcpy(f.laddr, p + 280, 16);
      f.gencnt = at<std::uint64_t>(p, 304);
      f.vflag = at<std::uint8_t>(p, 400);
      std::memcpy(f.stack, p + 408, 32);
      std::memcpy(f.cc, p + 504, 16);
      f.state = at<std::int32_t>(p, 568);
      f.flags = at<std::uint32_t>(p, 572);
      f.zerowin = at<std::uint32_t>(p, 576);
      f.rexmit = at<std::uint32_t>(p, 580);
      f.ooo = at<std::uint32_t>(p, 584);
      f.rcvtime = at<std::uint32_t>(p, 588);
      for (std::size_t t = 0; t < 5; ++t) f.timers[t] = at<std::int32_t>(p, 592 + 4 * t);
      f.cwnd = at<std::uint32_t>(p, 616);
      f.ssthresh = at<std::uint32_t>(p, 620);
      f.maxseg = at<std::uint32_t>(p, 624);
      f.rcv_wnd = at<std::uint32_t>(p, 628);
      f.snd_wnd = at<std::uint32_t>(p, 632);
      f.ecn = at<std::uint32_t>(p, 636);
      f.dsack_bytes = at<std::uint32_t>(p, 640);
      f.dsack_pack = at<std::uint32_t>(p, 648);
      f.encaps = at<std::uint16_t>(p, 652);
      benchmark::DoNotOptimize(f);
      check += f.lport + f.rexmit;
      ++n;
      p += at<std::uint64_t>(p, 0);
    }
    benchmark::DoNotOptimize(check);
    if (n != count) state.SkipWithError("naive loop miscounted");
  }
  report(state, bytes.size(), count);
}

void walk_views(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  const auto& bytes = dump(count);
  for (auto _ : state) {
    const auto list = tcpstats::freebsd::pcblist::parse(bytes, {14, 0});
    auto records = list->records();
    std::uint64_t check = 0;
    std::size_t n = 0;
    for (const auto& r : records) {
      if (!r) {
        state.SkipWithError("walk failed");
        break;
      }
      check += r->ie_lport() + r->t_sndrexmitpack();
      ++n;
    }
    if (!records.trailer() || n != count) state.SkipWithError("walk miscounted");
    benchmark::DoNotOptimize(check);
  }
  report(state, bytes.size(), count);
}

void walk_materialize(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  const auto& bytes = dump(count);
  tcpstats::connection_record record;
  for (auto _ : state) {
    const auto list = tcpstats::freebsd::pcblist::parse(bytes, {14, 0});
    auto records = list->records();
    std::uint64_t check = 0;
    std::size_t n = 0;
    for (const auto& r : records) {
      if (!r) {
        state.SkipWithError("walk failed");
        break;
      }
      tcpstats::freebsd::materialize(*r, record);
      benchmark::DoNotOptimize(record);
      check += record.local_port + record.rexmit_packets.value_or(0);
      ++n;
    }
    if (!records.trailer() || n != count) state.SkipWithError("walk miscounted");
    benchmark::DoNotOptimize(check);
  }
  report(state, bytes.size(), count);
}

}  // namespace

// 100,000 connections (~74 MB) is the size; 1,000,000 (~744 MB) is
// far larger than any cache.
#define TCPSTATS_SIZES ->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->MinTime(2.0)
BENCHMARK(sequential_read) TCPSTATS_SIZES;
BENCHMARK(naive_loop) TCPSTATS_SIZES;
BENCHMARK(walk_views) TCPSTATS_SIZES;
BENCHMARK(walk_materialize) TCPSTATS_SIZES;
BENCHMARK_MAIN();
