#pragma once
// Turns a raw pass (kernel bytes plus their meta) into a decoded pass.
// Shared by --replay and live collection, so both decode identically.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/pass.hpp"
#include "sources/raw_pass.hpp"

namespace tcpstats::reader {

// Guesses the kernel interface that wrote `bytes` from its first bytes: a
// 24-byte xinpgen (macOS), a 64-byte u64-length xinpgen or a version-1
// 320-byte /dev/tcpstats record (FreeBSD) or a netlink message header
// (Linux). Empty when nothing matches.
[[nodiscard]] std::optional<platform> sniff_platform(std::span<const std::byte> bytes);

// Decodes `raw` as written by `source`: fills `info` and hands every record
// to `sink`. The whole dump is validated before the first record is handed
// over, so a malformed dump yields no records at all. On failure returns
// false and sets `error` to one line ("byte 640: record runs past the end
// of the buffer"), also when the dump's file shrank while it was read.
[[nodiscard]] bool decode_raw_pass(const raw_pass& raw, platform source, pass_info& info, record_sink& sink,
                                   std::string& error);

// Linux socket destroy messages (raw_pass::destroy_events), each
// materialised into `out` in the order received (storage reused): the final
// values of connections the kernel freed. The whole stream is checked
// before any record is made. On failure returns false and sets `error` to
// one line ("byte 380: record runs past the end of the buffer").
[[nodiscard]] bool decode_destroy_events(std::span<const std::byte> bytes, std::vector<connection_record>& out,
                                         std::string& error);

// The error when the dump's file was truncated while it was decoded.
inline constexpr const char* shrank_message = "the file shrank while being read (another process truncated it?)";

// The same, collecting the records into `out.records` (storage reused).
[[nodiscard]] bool decode_raw_pass(const raw_pass& raw, platform source, pass& out, std::string& error);

}  // namespace tcpstats::reader
