#pragma once
// A synthetic macOS pcblist_n dump of N TCP connections in the newest
// layout (616 bytes each), for the benchmarks: 16 random connection shapes
// written by the tests' reference-driven builder, repeated with the local
// port varied.

#include <cstddef>
#include <cstring>
#include <map>
#include <random>
#include <vector>

#include "xnu_blob_builder.hpp"
#include "xnu_connection.hpp"

namespace tcpstats::bench {

inline std::vector<std::byte> build_dump(std::size_t connection_count) {
  std::mt19937_64 rng(42);
  std::vector<std::vector<std::byte>> shapes;
  for (int i = 0; i < 16; ++i) {
    tcpstats::test::xnu_blob one;
    one.header(1, 1);
    auto c = tcpstats::test::random_connection(rng);
    c.socketless = false;
    write_connection(one, c);
    auto b = one.finish();
    shapes.emplace_back(b.begin() + 24, b.end());
  }
  tcpstats::test::xnu_blob blob;
  blob.header(static_cast<std::uint32_t>(connection_count), 1);
  std::vector<std::byte> out = blob.finish();
  out.reserve(24 + connection_count * shapes[0].size() + 24);
  for (std::size_t i = 0; i < connection_count; ++i) {
    const auto& shape = shapes[i % shapes.size()];
    const std::size_t at = out.size();
    out.insert(out.end(), shape.begin(), shape.end());
    const auto port = static_cast<std::uint16_t>(i);
    std::memcpy(out.data() + at + 18, &port, 2);  // inp_lport
  }
  tcpstats::test::xnu_blob trailer;
  trailer.trailer(static_cast<std::uint32_t>(connection_count), 1);
  const auto t = trailer.finish();
  out.insert(out.end(), t.begin(), t.end());
  return out;
}

// Built once per size.
inline const std::vector<std::byte>& dump(std::size_t connection_count) {
  static std::map<std::size_t, std::vector<std::byte>> cache;
  auto it = cache.find(connection_count);
  if (it == cache.end()) it = cache.emplace(connection_count, build_dump(connection_count)).first;
  return it->second;
}

}  // namespace tcpstats::bench
