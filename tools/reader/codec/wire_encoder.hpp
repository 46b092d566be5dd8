#pragma once
// TcpSocketRecord in protobuf's binary wire format, written straight from a
// connection_record without building message objects. Produces exactly the
// bytes SerializeToString gives for to_proto() of the same record (fields in
// number order, packed repeated enums), as the tests check.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "core/byte_buffer.hpp"
#include "core/pass.hpp"
#include "core/record_delta.hpp"

namespace tcpstats::reader {

// Writes `value` as a varint at `out`; returns the end. At most 10 bytes.
// Byte is char, or char8_t where the stores must not alias the data being
// encoded (wire_encoder.cpp).
template <class Byte>
[[gnu::always_inline]] inline Byte* write_varint(Byte* out, std::uint64_t value) noexcept {
  while (value >= 0x80) {
    *out++ = static_cast<Byte>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  *out++ = static_cast<Byte>(value);
  return out;
}

// An upper bound on one record's encoding: about 80 fields of at most 12
// bytes, three short strings, two addresses, the sources.
[[nodiscard]] constexpr std::size_t max_record_wire_size(std::size_t source_count) noexcept {
  return 2048 + 2 * source_count;
}

// Writes the record's message bytes (no tag, no length) at `out`, which has
// room for max_record_wire_size(sources.size()); returns the end. `delta`
// adds the delta fields (connection_tracker).
char* encode_record(const connection_record& record, std::span<const data_source> sources, char* out,
                    const record_delta* delta = nullptr) noexcept;

// Appends the record's message bytes to `out`.
void encode_record(const connection_record& record, std::span<const data_source> sources, std::string& out,
                   const record_delta* delta = nullptr);

}  // namespace tcpstats::reader
