#pragma once
// Linux host-wide TCP counters from /proc/net/snmp (the "Tcp:" lines).

#include <optional>
#include <string_view>

#include "core/pass.hpp"

namespace tcpstats::reader {

// Maps ActiveOpens → conn_attempts, PassiveOpens → accepts, EstabResets →
// drops, OutSegs → snd_total_packets, RetransSegs → snd_rexmit_packets,
// InSegs → rcv_total_packets, InCsumErrors → rcv_badsum; Linux has no
// counterpart for the others, which stay absent. Empty when the text has
// no well-formed Tcp: header and value lines.
[[nodiscard]] std::optional<system_counters> parse_proc_net_snmp(std::string_view text);

}  // namespace tcpstats::reader
