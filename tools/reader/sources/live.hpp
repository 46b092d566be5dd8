#pragma once
// The platform side of a run: which kernel this is, reading a live pass
// from it, and the monotonic clock the passes are scheduled on. Free of
// protobuf, so CI cross-compiles it for macOS.

#include <csignal>
#include <cstdint>
#include <optional>
#include <string>

#include "sources/raw_pass.hpp"

namespace tcpstats::reader {

[[nodiscard]] platform running_platform();

// True when this build can read `source`'s kernel live (it must also be the
// running one).
[[nodiscard]] bool live_supported(platform source);

struct live_options {
  std::uint32_t linux_state_mask = ~0u;  // Linux: states to dump, 1 << TCP_* number
  bool ipv4 = true, ipv6 = true;         // Linux: address families to dump
};

// One live pass from the running kernel. On failure returns empty and sets
// `error` to one line naming what failed.
[[nodiscard]] std::optional<raw_pass> read_live_pass(platform source, const live_options& options,
                                                     std::string& error);

// What a live pass reads, for error messages: "sysctl net.inet.tcp.pcblist_n".
[[nodiscard]] std::string live_table_name(platform source);

// Linux: moves this process into the network namespace NAME (under
// /var/run/netns) or at PATH. Elsewhere, or on failure, false with `error`.
[[nodiscard]] bool enter_network_namespace(const std::string& name_or_path, std::string& error);

[[nodiscard]] std::uint64_t monotonic_ns();

// Sleeps until `deadline` (monotonic_ns() time); false as soon as `stop`
// is set (a signal handler sets it, interrupting the sleep).
bool sleep_until(std::uint64_t deadline, const volatile std::sig_atomic_t& stop);

}  // namespace tcpstats::reader
