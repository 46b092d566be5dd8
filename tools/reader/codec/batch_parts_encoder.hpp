#pragma once
// The parts of a BatchMessage around its records, written without protobuf:
// CollectionMetadata and SystemSummary in the binary wire format and as
// canonical proto3 JSON, and the indented layout of --pretty. Byte for byte
// what protobuf's SerializeToString, MessageToJsonString and
// MessageToJsonString with add_whitespace produce for the messages that
// fill_metadata(), fill_summary() and build_batch() (proto_convert.cpp)
// build, as tests/reader_encoding_test.cpp checks over random passes. With
// these and the record encoders, tcpstats-reader links no protobuf.
//
// Strings: protobuf requires valid UTF-8 (it logs an error, writes a
// message its own parser rejects, and prints broken JSON otherwise). These
// encoders replace each byte that is not part of a valid UTF-8 sequence
// with '?', as short_name::from_untrusted does, so a hostname or a replayed
// file's name with such bytes still yields a valid batch.

#include <string>
#include <string_view>

#include "codec/batch_fields.hpp"
#include "core/pass.hpp"

namespace tcpstats::reader {

// Appends the CollectionMetadata message bytes (no tag, no length).
void append_metadata_wire(const pass_info& info, const run_context& run, std::string& out);
// Appends the CollectionMetadata JSON object.
void append_metadata_json(const pass_info& info, const run_context& run, std::string& out);

// Appends the SystemSummary message bytes (no tag, no length).
void append_summary_wire(const summary_inputs& inputs, std::string& out);
// Appends the SystemSummary JSON object.
void append_summary_json(const summary_inputs& inputs, std::string& out);

// Lays out compact JSON as protobuf's printer does with add_whitespace: one
// member or element per line, indented one space per level, ": " after a
// key, "{}" for an empty object, and a final newline. `compact` must be one
// JSON value without whitespace outside strings (what the encoders write).
[[nodiscard]] std::string indent_json(std::string_view compact);

}  // namespace tcpstats::reader
