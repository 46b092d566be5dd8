#pragma once
// TcpSocketRecord in protobuf's binary wire format, written straight from a
// connection_record without building message objects. Produces exactly the
// bytes SerializeToString gives for to_proto() of the same record (fields in
// number order, packed repeated enums), as the tests check.

#include <cstdint>
#include <span>
#include <string>

#include "pass.hpp"

namespace tcpstats::reader {

void append_varint(std::string& out, std::uint64_t value);

// Appends the record's message bytes (no tag, no length) to `out`.
void encode_record(const connection_record& record, std::span<const data_source> sources, std::string& out);

}  // namespace tcpstats::reader
