#pragma once
// FILE.meta.json: what a raw kernel dump lacks (host, OS, time, source),
// written by --capture and read by --replay. A JSON object; keys:
//   hostname, os_version ("15.4"), os_release (kern.osrelease, "24.4.0"),
//   timestamp_ns (Unix epoch ns; number or decimal string), source
//   ("macos" | "freebsd" | "linux"), tcp_now_ms (macOS tcp_now estimate at
//   the read), collection_duration_ns, tool_version, table (FreeBSD:
//   "pcblist" or "dev_tcpstats", the kernel interface the dump came from).
// Unknown keys are ignored, so newer captures stay readable.

#include <optional>
#include <string>
#include <string_view>

#include "sources/raw_pass.hpp"

namespace tcpstats::reader {

// "macos", "freebsd", "linux" and back.
[[nodiscard]] std::optional<platform> platform_from_name(std::string_view name);
[[nodiscard]] std::string_view platform_name(platform p);

// Parses a meta file's text; on failure returns empty and sets `error` to
// one line saying what is wrong.
[[nodiscard]] std::optional<pass_meta> parse_meta(std::string_view json, std::string& error);

[[nodiscard]] std::string format_meta(const pass_meta& meta);

}  // namespace tcpstats::reader
