#pragma once
// Schema-driven conversion between protobuf's binary wire format and
// canonical proto3 JSON for the messages of proto/tcp_stats.proto (the
// tables in proto_schema.hpp, generated from it). What --input reads
// archives with, and what --json-names proto writes: byte for byte what
// protobuf's JsonStringToMessage + SerializeToString and MessageToJsonString
// (with preserve_proto_field_names for proto names) give, as the tests check.
//
// Both directions validate: an unknown field, a wrong wire type or JSON
// type, a value out of range, a string that is not UTF-8 or a bad base64
// is an error naming the field (and, from wire, the byte offset).

#include <simdjson.h>

#include <string>
#include <string_view>

#include "codec/json_names.hpp"
#include "codec/proto_schema.hpp"

namespace tcpstats::reader {

// Appends `wire` (one message of `type`, no length prefix) as JSON to
// `out`, addresses as `addresses` says. On failure returns false and sets
// `error`.
[[nodiscard]] bool wire_to_json(std::string_view wire, const schema::message_type& type, json_names names,
                                std::string& out, std::string& error,
                                json_addresses addresses = json_addresses::base64);

// Checks `wire` as wire_to_json() does, without writing anything.
[[nodiscard]] bool validate_wire(std::string_view wire, const schema::message_type& type, std::string& error);

// Appends the JSON object `value` as `type`'s wire bytes to `out`, fields in
// number order (as protobuf serializes them). Both spellings of a field's
// name are accepted, and addresses in base64 or as text. On failure returns false and sets `error`.
[[nodiscard]] bool json_to_wire(simdjson::ondemand::value value, const schema::message_type& type,
                                std::string& out, std::string& error);

// The same into buffer[0, size): `buffer` only grows (it is storage, its
// bytes past `size` are not content), so a reused buffer is never filled
// with zeros again.
[[nodiscard]] bool json_to_wire(simdjson::ondemand::value value, const schema::message_type& type,
                                std::string& buffer, std::size_t& size, std::string& error);

}  // namespace tcpstats::reader
