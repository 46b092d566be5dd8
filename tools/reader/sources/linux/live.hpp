#pragma once
// Live collection on Linux: every TCP socket from one NETLINK_SOCK_DIAG
// socket (an AF_INET and an AF_INET6 dump), /proc/net/snmp, and the
// metadata. Compiled only on Linux; free of protobuf.

#include <cstdint>
#include <optional>
#include <string>

#include "sources/raw_pass.hpp"

namespace tcpstats::reader {

// The sock_diag attributes a dump asks for (idiag_ext): tcp_info,
// congestion control, socket memory, TOS/TCLASS, shutdown, and the CC's own
// info (BBR's is requested as VEGASINFO). Bit (1 << (INET_DIAG_* - 1)).
inline constexpr std::uint8_t dump_extensions =
    (1u << (2 - 1)) | (1u << (4 - 1)) | (1u << (7 - 1)) | (1u << (5 - 1)) | (1u << (6 - 1)) | (1u << (8 - 1)) |
    (1u << (3 - 1));

struct linux_read_options {
  // Bit (1 << linux TCP_* state) per state to dump; all states by default.
  std::uint32_t state_mask = ~0u;
  bool ipv4 = true, ipv6 = true;  // which address families to dump
};

// Reads one pass. The dump is kept whole (as received) for the decoder and
// --capture. On failure returns empty and sets `error` to one line.
[[nodiscard]] std::optional<raw_pass> read_linux_pass(const linux_read_options& options, std::string& error);

}  // namespace tcpstats::reader
