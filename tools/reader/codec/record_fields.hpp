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

#include "core/pass.hpp"
#include "core/summary.hpp"
#include "core/record_delta.hpp"
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
    case data_source::freebsd_kld: return "DATA_SOURCE_FREEBSD_KLD";
    case data_source::kern_file: return "DATA_SOURCE_KERN_FILE";
    case data_source::linux_sock_diag: return "DATA_SOURCE_LINUX_SOCK_DIAG";
    case data_source::linux_proc_fd: return "DATA_SOURCE_LINUX_PROC_FD";
    case data_source::macos_tcp_stats: return "DATA_SOURCE_MACOS_TCP_STATS";
    case data_source::freebsd_tcp_stats: return "DATA_SOURCE_FREEBSD_TCP_STATS";
    case data_source::linux_proc_net_snmp: return "DATA_SOURCE_LINUX_PROC_NET_SNMP";
    case data_source::freebsd_tcp_states: return "DATA_SOURCE_FREEBSD_TCP_STATES";
  }
  return "DATA_SOURCE_UNKNOWN";
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
//   optional(num, name, const std::optional<T>&)  T: u32, u64, i32, i64, bool, double, short_name
//   repeated_enum(num, name, span<const data_source>)
// `delta` (connection_tracker's, when it runs) adds the delta fields.
template <class Visitor>
void visit_record_fields(const connection_record& r, std::span<const data_source> sources, Visitor& v,
                         const record_delta* delta = nullptr) {
  static constexpr record_delta no_delta{};
  const record_delta& d = delta ? *delta : no_delta;
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
  v.optional(33, "sackBlocks", r.sack_blocks);
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
  v.optional(60, "ecnCeDelivered", r.ecn_ce_delivered);
  v.optional(61, "ecnCeReceived", r.ecn_ce_received);
  v.optional(62, "negotiatedOptions", r.negotiated_options);
  v.optional(67, "tlpProbesSent", r.tlp_probes_sent);
  v.optional(68, "tlpBytesSent", r.tlp_bytes_sent);
  v.optional(69, "encapsPort", widen(r.encaps_port));
  v.optional(70, "inpGencnt", r.inp_gencnt);
  v.optional(72, "deltaRexmitPackets", d.rexmit_packets);
  v.optional(73, "deltaOooPackets", d.ooo_packets);
  v.optional(74, "deltaZerowin", d.zerowin_probes);
  v.optional(75, "connectionAgeMs", r.connection_age_ms ? r.connection_age_ms : d.first_seen_age_ms);
  v.optional(76, "deltaTxBytes", d.tx_bytes);
  v.optional(77, "deltaRxBytes", d.rx_bytes);
  v.repeated_enum(78, "sources", sources);
  v.optional(79, "kernelState", r.kernel_state);
  v.optional(80, "dualStack", r.dual_stack);
  v.optional(81, "userSpaceFlow", r.user_space_flow ? std::optional<bool>(true) : std::nullopt);
  v.optional(82, "localScopeId", scope(r.local_address));
  v.optional(83, "remoteScopeId", scope(r.remote_address));
  v.optional(84, "listenQueueLen", r.listen_queue_len);
  v.optional(85, "listenQueueLimit", r.listen_queue_limit);
  v.optional(100, "caState", widen(r.ca_state));
  v.optional(101, "retransmits", widen(r.retransmits));
  v.optional(102, "probes", widen(r.probes));
  v.optional(103, "backoff", widen(r.backoff));
  v.optional(104, "options", widen(r.options));
  v.optional(105, "atoUs", r.ato_us);
  v.optional(106, "sndMss", r.snd_mss);
  v.optional(107, "rcvMss", r.rcv_mss);
  v.optional(108, "unacked", r.unacked);
  v.optional(109, "sacked", r.sacked);
  v.optional(110, "lost", r.lost);
  v.optional(111, "retrans", r.retrans);
  v.optional(112, "fackets", r.fackets);
  v.optional(113, "lastDataSentMs", r.last_data_sent_ms);
  v.optional(114, "lastDataRecvMs", r.last_data_recv_ms);
  v.optional(115, "lastAckRecvMs", r.last_ack_recv_ms);
  v.optional(116, "pmtu", r.pmtu);
  v.optional(117, "rcvSsthresh", r.rcv_ssthresh);
  v.optional(118, "sndCwndSegments", r.snd_cwnd_segments);
  v.optional(119, "sndSsthreshSegments", r.snd_ssthresh_segments);
  v.optional(120, "advmss", r.advmss);
  v.optional(121, "reordering", r.reordering);
  v.optional(122, "rcvRttUs", r.rcv_rtt_us);
  v.optional(123, "rcvSpace", r.rcv_space);
  v.optional(124, "totalRetrans", r.total_retrans);
  v.optional(125, "pacingRateBytesPerSec", r.pacing_rate_bytes_per_sec);
  v.optional(126, "maxPacingRateBytesPerSec", r.max_pacing_rate_bytes_per_sec);
  v.optional(127, "bytesAcked", r.bytes_acked);
  v.optional(128, "bytesReceived", r.bytes_received);
  v.optional(129, "segsOut", r.segs_out);
  v.optional(130, "segsIn", r.segs_in);
  v.optional(131, "notsentBytes", r.notsent_bytes);
  v.optional(132, "dataSegsIn", r.data_segs_in);
  v.optional(133, "dataSegsOut", r.data_segs_out);
  v.optional(134, "deliveryRateBytesPerSec", r.delivery_rate_bytes_per_sec);
  v.optional(135, "busyTimeUs", r.busy_time_us);
  v.optional(136, "rwndLimitedUs", r.rwnd_limited_us);
  v.optional(137, "sndbufLimitedUs", r.sndbuf_limited_us);
  v.optional(138, "delivered", r.delivered);
  v.optional(139, "deliveredCe", r.delivered_ce);
  v.optional(140, "bytesSent", r.bytes_sent);
  v.optional(141, "bytesRetrans", r.bytes_retrans);
  v.optional(142, "dsackDups", r.dsack_dups);
  v.optional(143, "reordSeen", r.reord_seen);
  v.optional(144, "rcvOoopack", r.rcv_ooopack);
  v.optional(145, "rehash", r.rehash);
  v.optional(146, "totalRto", widen(r.total_rto));
  v.optional(147, "totalRtoRecoveries", widen(r.total_rto_recoveries));
  v.optional(148, "totalRtoTimeMs", r.total_rto_time_ms);
  v.optional(149, "deliveryRateAppLimited", r.delivery_rate_app_limited);
  v.optional(150, "fastopenClientFail", widen(r.fastopen_client_fail));
  v.optional(151, "inode", r.inode);
  v.optional(152, "interfaceIndex", r.interface_index);
  v.optional(153, "timer", widen(r.timer));
  v.optional(154, "timerExpiresMs", r.timer_expires_ms);
  v.optional(155, "timerRetransmits", widen(r.timer_retransmits));
  v.optional(156, "shutdown", widen(r.shutdown));
  v.optional(157, "tos", widen(r.tos));
  v.optional(158, "tclass", widen(r.tclass));
  v.optional(159, "mark", r.mark);
  v.optional(160, "cgroupId", r.cgroup_id);
  v.optional(161, "v6only", r.v6only);
  v.optional(162, "skmemRmemAlloc", r.skmem_rmem_alloc);
  v.optional(163, "skmemRcvbuf", r.skmem_rcvbuf);
  v.optional(164, "skmemWmemAlloc", r.skmem_wmem_alloc);
  v.optional(165, "skmemSndbuf", r.skmem_sndbuf);
  v.optional(166, "skmemFwdAlloc", r.skmem_fwd_alloc);
  v.optional(167, "skmemWmemQueued", r.skmem_wmem_queued);
  v.optional(168, "skmemOptmem", r.skmem_optmem);
  v.optional(169, "skmemBacklog", r.skmem_backlog);
  v.optional(170, "skmemDrops", r.skmem_drops);
  v.optional(171, "bbrBwBytesPerSec", r.bbr_bw_bytes_per_sec);
  v.optional(172, "bbrMinRttUs", r.bbr_min_rtt_us);
  v.optional(173, "bbrPacingGain", r.bbr_pacing_gain);
  v.optional(174, "bbrCwndGain", r.bbr_cwnd_gain);
  v.optional(175, "sockopt", widen(r.sockopt));
  v.optional(176, "deltaBytesAcked", d.bytes_acked);
  v.optional(177, "deltaBytesReceived", d.bytes_received);
  v.optional(178, "deltaBytesRetrans", d.bytes_retrans);
  v.optional(179, "deltaTotalRetrans", d.total_retrans);
  v.optional(180, "deltaSegsOut", d.segs_out);
  v.optional(181, "deltaSegsIn", d.segs_in);
  v.optional(182, "deltaLost", d.lost);
  v.optional(183, "txBytesPerSec", d.tx_bytes_per_sec);
  v.optional(184, "rxBytesPerSec", d.rx_bytes_per_sec);
  v.optional(185, "retransmitsPerSec", d.retransmits_per_sec);
  v.optional(186, "retransmittedBytesPerSec", d.retransmitted_bytes_per_sec);
  v.optional(187, "closed", d.closed ? std::optional<bool>(true) : std::nullopt);
  v.optional(200, "dsackTlpBytes", r.dsack_tlp_bytes);
  v.optional(201, "fib", r.fib);
  v.optional(202, "listenQueueIncomplete", r.listen_queue_incomplete);
  v.optional(203, "soOptions", r.so_options);
  v.optional(204, "soState", r.so_state);
  v.optional(205, "inpFlags", r.inp_flags);
  v.optional(206, "inpFlags2", r.inp_flags2);
  v.optional(207, "syncacheEntry", r.syncache_entry);
}

}  // namespace tcpstats::reader
