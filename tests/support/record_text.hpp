#pragma once
// One line of text per connection_record: the endpoints, then `name=value`
// for every field the source provided, in declaration order. Absent fields
// are left out, so the text shows exactly what was decoded. Used by the
// dump tool and the golden tests.

#include <optional>
#include <string>
#include <type_traits>

#include "tcpstats/connection_record.hpp"

namespace tcpstats::tools {

inline std::string endpoint_text(const std::optional<ip_address>& address, std::uint16_t port) {
  if (!address) return "?:" + std::to_string(port);
  const std::string host = to_string(*address);
  return address->family == ip_family::ipv6 ? "[" + host + "]:" + std::to_string(port)
                                            : host + ":" + std::to_string(port);
}

inline std::string record_text(const connection_record& r) {
  std::string out = endpoint_text(r.local_address, r.local_port) + " " +
                    endpoint_text(r.remote_address, r.remote_port) + " " +
                    (r.state ? std::string(to_string(*r.state)) : std::string("UNKNOWN"));
  const auto add = [&out](const char* name, const auto& value) {
    using T = std::decay_t<decltype(*value)>;
    if (!value) return;
    out += ' ';
    out += name;
    out += '=';
    if constexpr (std::is_same_v<T, bool>) {
      out += *value ? "true" : "false";
    } else if constexpr (std::is_same_v<T, short_name>) {
      out += value->view();
    } else if constexpr (std::is_same_v<T, tcp_state>) {
      out += to_string(*value);
    } else {
      out += std::to_string(+*value);
    }
  };
#define TCPSTATS_FIELD(name) add(#name, r.name)
  TCPSTATS_FIELD(dual_stack);
  TCPSTATS_FIELD(kernel_state);
  TCPSTATS_FIELD(socket_id);
  TCPSTATS_FIELD(inp_gencnt);
  TCPSTATS_FIELD(tcp_flags);
  TCPSTATS_FIELD(snd_cwnd);
  TCPSTATS_FIELD(snd_ssthresh);
  TCPSTATS_FIELD(snd_wnd);
  TCPSTATS_FIELD(rcv_wnd);
  TCPSTATS_FIELD(maxseg);
  TCPSTATS_FIELD(snd_wscale);
  TCPSTATS_FIELD(rcv_wscale);
  TCPSTATS_FIELD(cc_algo);
  TCPSTATS_FIELD(tcp_stack);
  TCPSTATS_FIELD(rtt_us);
  TCPSTATS_FIELD(rttvar_us);
  TCPSTATS_FIELD(rto_us);
  TCPSTATS_FIELD(rtt_min_us);
  TCPSTATS_FIELD(rtt_update_count);
  TCPSTATS_FIELD(snd_una);
  TCPSTATS_FIELD(snd_nxt);
  TCPSTATS_FIELD(snd_max);
  TCPSTATS_FIELD(rcv_nxt);
  TCPSTATS_FIELD(rcv_adv);
  TCPSTATS_FIELD(rexmit_packets);
  TCPSTATS_FIELD(ooo_packets);
  TCPSTATS_FIELD(zerowin_probes);
  TCPSTATS_FIELD(dupacks);
  TCPSTATS_FIELD(rxt_shift);
  TCPSTATS_FIELD(dsack_bytes);
  TCPSTATS_FIELD(dsack_packets);
  TCPSTATS_FIELD(tx_bytes);
  TCPSTATS_FIELD(rx_bytes);
  TCPSTATS_FIELD(tx_packets);
  TCPSTATS_FIELD(rx_packets);
  TCPSTATS_FIELD(timer_rexmt_ms);
  TCPSTATS_FIELD(timer_persist_ms);
  TCPSTATS_FIELD(timer_keep_ms);
  TCPSTATS_FIELD(timer_2msl_ms);
  TCPSTATS_FIELD(timer_delack_ms);
  TCPSTATS_FIELD(idle_time_ms);
  TCPSTATS_FIELD(connection_age_ms);
  TCPSTATS_FIELD(snd_buf_used);
  TCPSTATS_FIELD(snd_buf_hiwat);
  TCPSTATS_FIELD(rcv_buf_used);
  TCPSTATS_FIELD(rcv_buf_hiwat);
  TCPSTATS_FIELD(listen_queue_len);
  TCPSTATS_FIELD(listen_queue_limit);
  TCPSTATS_FIELD(pid);
  TCPSTATS_FIELD(effective_pid);
  TCPSTATS_FIELD(uid);
  TCPSTATS_FIELD(fd);
  TCPSTATS_FIELD(command);
  TCPSTATS_FIELD(ecn_flags);
  TCPSTATS_FIELD(encaps_port);
  TCPSTATS_FIELD(ca_state);
  TCPSTATS_FIELD(retransmits);
  TCPSTATS_FIELD(probes);
  TCPSTATS_FIELD(backoff);
  TCPSTATS_FIELD(options);
  TCPSTATS_FIELD(ato_us);
  TCPSTATS_FIELD(snd_mss);
  TCPSTATS_FIELD(rcv_mss);
  TCPSTATS_FIELD(unacked);
  TCPSTATS_FIELD(sacked);
  TCPSTATS_FIELD(lost);
  TCPSTATS_FIELD(retrans);
  TCPSTATS_FIELD(fackets);
  TCPSTATS_FIELD(last_data_sent_ms);
  TCPSTATS_FIELD(last_data_recv_ms);
  TCPSTATS_FIELD(last_ack_recv_ms);
  TCPSTATS_FIELD(pmtu);
  TCPSTATS_FIELD(rcv_ssthresh);
  TCPSTATS_FIELD(snd_cwnd_segments);
  TCPSTATS_FIELD(snd_ssthresh_segments);
  TCPSTATS_FIELD(advmss);
  TCPSTATS_FIELD(reordering);
  TCPSTATS_FIELD(rcv_rtt_us);
  TCPSTATS_FIELD(rcv_space);
  TCPSTATS_FIELD(total_retrans);
  TCPSTATS_FIELD(pacing_rate_bytes_per_sec);
  TCPSTATS_FIELD(max_pacing_rate_bytes_per_sec);
  TCPSTATS_FIELD(bytes_acked);
  TCPSTATS_FIELD(bytes_received);
  TCPSTATS_FIELD(segs_out);
  TCPSTATS_FIELD(segs_in);
  TCPSTATS_FIELD(notsent_bytes);
  TCPSTATS_FIELD(data_segs_in);
  TCPSTATS_FIELD(data_segs_out);
  TCPSTATS_FIELD(delivery_rate_bytes_per_sec);
  TCPSTATS_FIELD(busy_time_us);
  TCPSTATS_FIELD(rwnd_limited_us);
  TCPSTATS_FIELD(sndbuf_limited_us);
  TCPSTATS_FIELD(delivered);
  TCPSTATS_FIELD(delivered_ce);
  TCPSTATS_FIELD(bytes_sent);
  TCPSTATS_FIELD(bytes_retrans);
  TCPSTATS_FIELD(dsack_dups);
  TCPSTATS_FIELD(reord_seen);
  TCPSTATS_FIELD(rcv_ooopack);
  TCPSTATS_FIELD(rehash);
  TCPSTATS_FIELD(total_rto);
  TCPSTATS_FIELD(total_rto_recoveries);
  TCPSTATS_FIELD(total_rto_time_ms);
  TCPSTATS_FIELD(delivery_rate_app_limited);
  TCPSTATS_FIELD(fastopen_client_fail);
  TCPSTATS_FIELD(inode);
  TCPSTATS_FIELD(interface_index);
  TCPSTATS_FIELD(timer);
  TCPSTATS_FIELD(timer_expires_ms);
  TCPSTATS_FIELD(timer_retransmits);
  TCPSTATS_FIELD(shutdown);
  TCPSTATS_FIELD(tos);
  TCPSTATS_FIELD(tclass);
  TCPSTATS_FIELD(mark);
  TCPSTATS_FIELD(cgroup_id);
  TCPSTATS_FIELD(v6only);
  TCPSTATS_FIELD(skmem_rmem_alloc);
  TCPSTATS_FIELD(skmem_rcvbuf);
  TCPSTATS_FIELD(skmem_wmem_alloc);
  TCPSTATS_FIELD(skmem_sndbuf);
  TCPSTATS_FIELD(skmem_fwd_alloc);
  TCPSTATS_FIELD(skmem_wmem_queued);
  TCPSTATS_FIELD(skmem_optmem);
  TCPSTATS_FIELD(skmem_backlog);
  TCPSTATS_FIELD(skmem_drops);
  TCPSTATS_FIELD(bbr_bw_bytes_per_sec);
  TCPSTATS_FIELD(bbr_min_rtt_us);
  TCPSTATS_FIELD(bbr_pacing_gain);
  TCPSTATS_FIELD(bbr_cwnd_gain);
  TCPSTATS_FIELD(sockopt);
  TCPSTATS_FIELD(sack_blocks);
  TCPSTATS_FIELD(ecn_ce_delivered);
  TCPSTATS_FIELD(ecn_ce_received);
  TCPSTATS_FIELD(negotiated_options);
  TCPSTATS_FIELD(tlp_probes_sent);
  TCPSTATS_FIELD(tlp_bytes_sent);
  TCPSTATS_FIELD(dsack_tlp_bytes);
  TCPSTATS_FIELD(fib);
  TCPSTATS_FIELD(listen_queue_incomplete);
  TCPSTATS_FIELD(so_options);
  TCPSTATS_FIELD(so_state);
  TCPSTATS_FIELD(inp_flags);
  TCPSTATS_FIELD(inp_flags2);
  TCPSTATS_FIELD(syncache_entry);
#undef TCPSTATS_FIELD
  if (r.user_space_flow) out += " user_space_flow";
  return out;
}

}  // namespace tcpstats::tools
