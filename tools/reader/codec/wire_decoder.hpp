#pragma once
// TcpSocketRecord wire bytes back into a connection_record (and its delta
// fields and sources): the inverse of encode_record(). The tracker keeps a
// live connection's last record in this compact form and turns it back
// into a record when the connection closes. Untrusted input is fine: every
// read is bounds-checked and a bad field is an error with its byte offset.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codec/record_fields.hpp"  // decoded_record
#include "core/pass.hpp"
#include "core/record_delta.hpp"

namespace tcpstats::reader {

// Reads the varint at `bytes[at]` and moves `at` past it. False when the
// bytes end first or it runs past 10 bytes (`at` is then unspecified).
[[nodiscard]] inline bool read_varint(std::string_view bytes, std::size_t& at, std::uint64_t& value) noexcept {
  value = 0;
  for (unsigned shift = 0; shift < 64 && at < bytes.size(); shift += 7) {
    const auto byte = static_cast<std::uint8_t>(bytes[at++]);
    value |= std::uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// Decodes one record's message bytes (no tag, no length). Fields may come
// in any order; a field number this schema lacks, a wire type that does not
// match the field's, or a value out of the field's range is an error. On
// failure returns false and sets `error` ("byte 12: ...").
[[nodiscard]] bool decode_record(std::span<const char> bytes, decoded_record& out, std::string& error);

}  // namespace tcpstats::reader
