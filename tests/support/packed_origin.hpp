#pragma once
// A decoder's record_origin for connection_tracker tests: the record
// packed (bytes whose size follows the record's, as a message's does),
// rebuilt by unpacking. What the tracker keeps is then the origin's copy,
// as with Linux messages.

#include <cstddef>
#include <span>
#include <vector>

#include "core/pass.hpp"
#include "pipeline/connection_tracker.hpp"
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

// Hands `r` to `tracker`, with a packed_origin when `with_origin` (as a
// Linux decoder does), else alone (as the other decoders do).
inline void observe(tcpstats::reader::connection_tracker& tracker, const tcpstats::connection_record& r,
                    const tcpstats::reader::connection_tracker::record_consumer& out, bool with_origin) {
  if (!with_origin) {
    tracker.observe(r, out);
    return;
  }
  const packed_origin from(r);
  const auto origin = from.origin();
  tracker.observe(r, out, &origin);
}
