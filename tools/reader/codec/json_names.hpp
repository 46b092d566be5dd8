#pragma once
// Which names JSON output uses (--json-names).

namespace tcpstats::reader {

enum class json_names { camel, proto };  // lowerCamelCase (protobuf's default) or the .proto's snake_case

}  // namespace tcpstats::reader
