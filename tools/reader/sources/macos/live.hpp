#pragma once
// Live collection on macOS: one consistent read of net.inet.tcp.pcblist_n
// and what the batch's metadata needs. Compiled only on macOS (and, in CI,
// cross-compiled for x86_64-macos and aarch64-macos by Zig): keep protobuf
// out of this unit.

#include <optional>
#include <string>

#include "sources/raw_pass.hpp"

namespace tcpstats::reader {

// Reads the kernel's TCP table: size probe then read, again on ENOMEM (the
// table grew in between); again, up to 5 reads, while the header's and the
// trailer's generation differ (the list changed during the read). Also
// reads net.inet.tcp.stats (all zeros without root), the OS strings and the
// tcp_now estimate. On failure returns empty and sets `error` to one line
// naming the sysctl.
[[nodiscard]] std::optional<raw_pass> read_macos_pass(std::string& error);

}  // namespace tcpstats::reader
