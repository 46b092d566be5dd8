#pragma once
// Live collection on FreeBSD: the kernel's TCP table (/dev/tcpstats when the
// kernel module provides it, net.inet.tcp.pcblist otherwise), kern.file and
// the process names for the process join, net.inet.tcp.stats and
// net.inet.tcp.states. Compiled only on FreeBSD: keep protobuf out of it.

#include <optional>
#include <string>

#include "sources/raw_pass.hpp"

namespace tcpstats::reader {

// Reads one pass. /dev/tcpstats is read whole when it can be opened (it has
// RTT, RTO and sequence numbers). Otherwise net.inet.tcp.pcblist: size probe
// then read, again on ENOMEM (the table grew in between); again, up to 5
// reads as sockstat does, while the header's and the trailer's generation
// differ. kern.file, net.inet.tcp.stats and net.inet.tcp.states are read
// beside it when readable, and the command (ki_comm) of every process
// kern.file shows holding a socket. On failure returns empty and sets
// `error` to one line naming the sysctl or device.
[[nodiscard]] std::optional<raw_pass> read_freebsd_pass(std::string& error);

}  // namespace tcpstats::reader
