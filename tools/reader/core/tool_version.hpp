#pragma once
// What every batch says about the tool that wrote it.

#include <cstdint>
#include <string_view>

#include "tcpstats/version.hpp"

namespace tcpstats::reader {

// From meson's project(version:), through the generated version header.
inline constexpr std::string_view tool_version = "tcpstats-reader " TCPSTATS_VERSION_STRING;
// CollectionMetadata.schema_version: raised when a field changes meaning.
inline constexpr std::uint32_t schema_version = 1;

}  // namespace tcpstats::reader
