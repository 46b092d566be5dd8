#pragma once
// How JSON output spells names (--json-names) and addresses
// (--json-addresses).

namespace tcpstats::reader {

enum class json_names { camel, proto };  // lowerCamelCase (protobuf's default) or the .proto's snake_case

// Addresses (localAddr, remoteAddr) as protobuf's JSON writes bytes, in
// base64 ("fwAAAQ=="), or as text a person, jq or a log shipper can filter
// on ("127.0.0.1", "2001:db8::1", RFC 5952; the zone is localScopeId).
// protobuf's JSON parser reads only base64; this tool's --input reads both.
enum class json_addresses { base64, text };

}  // namespace tcpstats::reader
