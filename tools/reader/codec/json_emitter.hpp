#pragma once
// TcpSocketRecord as canonical proto3 JSON, written straight from a
// connection_record: byte for byte what protobuf's MessageToJsonString
// prints for to_proto() of the same record (lowerCamelCase names in field
// order, 64-bit integers as strings, enums by name, bytes in base64, absent
// optionals omitted), as the tests check, at a fraction of its cost.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "codec/json_names.hpp"
#include "core/pass.hpp"
#include "core/record_delta.hpp"

namespace tcpstats::reader {

// An upper bound on one record's JSON: about 80 fields of at most ~60
// bytes, three short strings escaped at worst 6 bytes per byte, the sources.
[[nodiscard]] constexpr std::size_t max_record_json_size(std::size_t source_count) noexcept {
  return 8192 + 40 * source_count;
}

// Writes the record's JSON object at `out`, which has room for
// max_record_json_size(sources.size()); returns the end. `delta` adds the
// delta fields (connection_tracker).
// `addresses` text writes them as "192.0.2.1" (not protobuf's JSON).
char* write_record_json(const connection_record& record, std::span<const data_source> sources, char* out,
                        const record_delta* delta = nullptr,
                        json_addresses addresses = json_addresses::base64) noexcept;

// A 4- or 16-byte address as text (RFC 5952) at `out`, which has room for
// 48 bytes; returns the end.
char* write_address_text(std::span<const std::uint8_t> octets, char* out) noexcept;

// Writes `text` (valid UTF-8) as a JSON string, escaped as protobuf's
// printer escapes, at `out`, which has room for 2 + 6 * text.size() bytes;
// returns the end.
char* write_json_string(std::string_view text, char* out) noexcept;

// Appends the record's JSON object to `out`.
void append_record_json(const connection_record& record, std::span<const data_source> sources, std::string& out,
                        const record_delta* delta = nullptr);

// `bytes` in standard base64 with padding, as protobuf's JSON printer
// writes bytes fields, at `out`, which has room for 4 * ceil(size / 3)
// bytes; returns the end.
char* write_base64(std::span<const std::uint8_t> bytes, char* out) noexcept;

// A double as protobuf's JSON printer writes it: the shortest of %.15g and
// %.17g that reads back exactly; NaN and the infinities as quoted strings.
// At most 24 bytes; returns the end.
char* put_json_double(char* out, double value) noexcept;

}  // namespace tcpstats::reader
