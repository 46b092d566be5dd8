#pragma once
// TcpSocketRecord as canonical proto3 JSON, written straight from a
// connection_record: byte for byte what protobuf's MessageToJsonString
// prints for to_proto() of the same record (lowerCamelCase names in field
// order, 64-bit integers as strings, enums by name, bytes in base64, absent
// optionals omitted), as the tests check, at a fraction of its cost.

#include <span>
#include <string>
#include <string_view>

#include "pass.hpp"

namespace tcpstats::reader {

void append_record_json(const connection_record& record, std::span<const data_source> sources, std::string& out);

// A JSON string literal, escaped as protobuf's JSON printer escapes it.
void append_json_string(std::string& out, std::string_view text);

}  // namespace tcpstats::reader
