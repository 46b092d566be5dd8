#pragma once
// The mapping from connection_record to the TcpSocketRecord wire fields,
// in field-number order, written once for the two direct encoders (binary
// and JSON). Each call names the field's number, its proto3 JSON name and
// its value. Tests check both encoders against protobuf's own serializer
// and JSON printer fed by the hand-written to_proto(), so a wrong number or
// name here cannot go unnoticed.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "pass.hpp"
#include "tcpstats/connection_record.hpp"

namespace tcpstats::reader {

inline constexpr std::string_view tcp_state_enum_names[] = {
    "TCP_STATE_UNKNOWN",     "TCP_STATE_CLOSED",      "TCP_STATE_LISTEN",     "TCP_STATE_SYN_SENT",
    "TCP_STATE_SYN_RECEIVED", "TCP_STATE_ESTABLISHED", "TCP_STATE_CLOSE_WAIT", "TCP_STATE_FIN_WAIT_1",
    "TCP_STATE_CLOSING",     "TCP_STATE_LAST_ACK",    "TCP_STATE_FIN_WAIT_2", "TCP_STATE_TIME_WAIT"};

// DataSource names by number.
[[nodiscard]] constexpr std::string_view data_source_enum_name(data_source s) {
  switch (s) {
    case data_source::macos_pcblist_n: return "DATA_SOURCE_MACOS_PCBLIST_N";
    case data_source::freebsd_pcblist: return "DATA_SOURCE_FREEBSD_PCBLIST";
    case data_source::kern_file: return "DATA_SOURCE_KERN_FILE";
    case data_source::linux_sock_diag: return "DATA_SOURCE_LINUX_SOCK_DIAG";
    case data_source::linux_proc_fd: return "DATA_SOURCE_LINUX_PROC_FD";
    case data_source::macos_tcp_stats: return "DATA_SOURCE_MACOS_TCP_STATS";
    case data_source::freebsd_tcp_stats: return "DATA_SOURCE_FREEBSD_TCP_STATS";
    case data_source::linux_proc_net_snmp: return "DATA_SOURCE_LINUX_PROC_NET_SNMP";
  }
  return "DATA_SOURCE_UNKNOWN";
}

// The TcpState number of a record: BSD state + 1, 0 when unknown.
[[nodiscard]] constexpr int proto_state(const connection_record& r) {
  return r.state ? static_cast<int>(*r.state) + 1 : 0;
}

namespace detail {
template <class T>
[[nodiscard]] constexpr std::optional<std::uint32_t> widen(const std::optional<T>& v) {
  return v ? std::optional<std::uint32_t>(*v) : std::nullopt;
}
// An IPv6 zone, when the address has one.
[[nodiscard]] constexpr std::optional<std::uint32_t> scope(const std::optional<ip_address>& a) {
  return a && a->scope_id != 0 ? std::optional<std::uint32_t>(a->scope_id) : std::nullopt;
}
}  // namespace detail

// Calls the visitor's methods for every field the record sets:
//   bytes(num, name, span)            non-empty address bytes
//   implicit_u32(num, name, value)    proto3 field without presence (skip 0)
//   enumeration(num, name, value, enum_name)   skip 0
//   optional(num, name, const std::optional<T>&)  T: u32, u64, i32, bool, short_name
//   repeated_enum(num, name, span<const data_source>)
template <class Visitor>
void visit_record_fields(const connection_record& r, std::span<const data_source> sources, Visitor& v) {
  using detail::scope;
  using detail::widen;
  const auto address = [](const std::optional<ip_address>& a) {
    return a ? a->octets() : std::span<const std::uint8_t>{};
  };
  v.bytes(1, "localAddr", address(r.local_address));
  v.bytes(2, "remoteAddr", address(r.remote_address));
  v.implicit_u32(3, "localPort", r.local_port);
  v.implicit_u32(4, "remotePort", r.remote_port);
  if (r.local_address) {
    const int version = r.local_address->family == ip_family::ipv4 ? 1 : 2;
    v.enumeration(5, "ipVersion", version, version == 1 ? "IP_VERSION_4" : "IP_VERSION_6");
  }
  v.optional(6, "socketId", r.socket_id);
  v.enumeration(7, "state", proto_state(r), tcp_state_enum_names[proto_state(r)]);
  v.optional(8, "tcpFlags", r.tcp_flags);
  v.optional(9, "sndCwnd", r.snd_cwnd);
  v.optional(10, "sndSsthresh", r.snd_ssthresh);
  v.optional(11, "sndWnd", r.snd_wnd);
  v.optional(12, "rcvWnd", r.rcv_wnd);
  v.optional(13, "maxseg", r.maxseg);
  v.optional(14, "ccAlgo", r.cc_algo);
  v.optional(15, "tcpStack", r.tcp_stack);
  v.optional(16, "rttUs", r.rtt_us);
  v.optional(17, "rttvarUs", r.rttvar_us);
  v.optional(18, "rtoUs", r.rto_us);
  v.optional(19, "rttMinUs", r.rtt_min_us);
  v.optional(21, "rttUpdateCount", r.rtt_update_count);
  v.optional(22, "sndNxt", r.snd_nxt);
  v.optional(23, "sndUna", r.snd_una);
  v.optional(24, "sndMax", r.snd_max);
  v.optional(25, "rcvNxt", r.rcv_nxt);
  v.optional(26, "rcvAdv", r.rcv_adv);
  v.optional(27, "sndWscale", widen(r.snd_wscale));
  v.optional(28, "rcvWscale", widen(r.rcv_wscale));
  v.optional(29, "rexmitPackets", r.rexmit_packets);
  v.optional(30, "oooPackets", r.ooo_packets);
  v.optional(31, "zerowinProbes", r.zerowin_probes);
  v.optional(32, "dupacks", r.dupacks);
  v.optional(34, "dsackBytes", r.dsack_bytes);
  v.optional(35, "dsackPackets", r.dsack_packets);
  v.optional(36, "rxtShift", r.rxt_shift);
  v.optional(37, "txBytes", r.tx_bytes);
  v.optional(38, "rxBytes", r.rx_bytes);
  v.optional(39, "txPackets", r.tx_packets);
  v.optional(40, "rxPackets", r.rx_packets);
  v.optional(44, "timerRexmtMs", r.timer_rexmt_ms);
  v.optional(45, "timerPersistMs", r.timer_persist_ms);
  v.optional(46, "timerKeepMs", r.timer_keep_ms);
  v.optional(47, "timer2mslMs", r.timer_2msl_ms);
  v.optional(48, "timerDelackMs", r.timer_delack_ms);
  v.optional(49, "idleTimeMs", r.idle_time_ms);
  v.optional(50, "sndBufUsed", r.snd_buf_used);
  v.optional(51, "sndBufHiwat", r.snd_buf_hiwat);
  v.optional(52, "rcvBufUsed", r.rcv_buf_used);
  v.optional(53, "rcvBufHiwat", r.rcv_buf_hiwat);
  v.optional(54, "pid", r.pid);
  v.optional(55, "effectivePid", r.effective_pid);
  v.optional(56, "uid", r.uid);
  v.optional(57, "fd", r.fd);
  v.optional(58, "command", r.command);
  v.optional(59, "ecnFlags", r.ecn_flags);
  v.optional(69, "encapsPort", widen(r.encaps_port));
  v.optional(70, "inpGencnt", r.inp_gencnt);
  v.optional(75, "connectionAgeMs", r.connection_age_ms);
  v.repeated_enum(78, "sources", sources);
  v.optional(79, "kernelState", r.kernel_state);
  v.optional(80, "dualStack", r.dual_stack);
  v.optional(81, "userSpaceFlow", r.user_space_flow ? std::optional<bool>(true) : std::nullopt);
  v.optional(82, "localScopeId", scope(r.local_address));
  v.optional(83, "remoteScopeId", scope(r.remote_address));
  v.optional(84, "listenQueueLen", r.listen_queue_len);
  v.optional(85, "listenQueueLimit", r.listen_queue_limit);
}

}  // namespace tcpstats::reader
