#pragma once
// A decoder's record_origin for connection_tracker tests: the record
// packed (bytes whose size follows the record's, as a message's does),
// rebuilt by unpacking. What the tracker keeps is then the origin's copy,
// as with Linux messages.

#include <cstddef>
#include <span>
#include <vector>

#include "core/pass.hpp"
#include "pipeline/packed_record.hpp"

struct packed_origin {
  explicit packed_origin(const tcpstats::connection_record& r) {
    namespace packed = tcpstats::reader::packed;
    bytes.resize(2 * packed::max_part_size);
    auto* const start = reinterpret_cast<char8_t*>(bytes.data());
    bytes.resize(static_cast<std::size_t>(packed::pack_part<true>(r, packed::pack_part<false>(r, start)) - start));
  }
  static void rebuild(std::span<const std::byte> from, tcpstats::connection_record& out) {
    tcpstats::reader::packed::unpack({reinterpret_cast<const char8_t*>(from.data()), from.size()}, out);
  }
  [[nodiscard]] tcpstats::reader::record_origin origin() const { return {bytes, &rebuild}; }

  std::vector<std::byte> bytes;
};
