#include "proto_convert.hpp"

#include <array>

#include "cli/options.hpp"

namespace tcpstats::reader {

namespace pb = tcpstats_reader;

static_assert(static_cast<int>(platform::macos) == pb::PLATFORM_MACOS);
static_assert(static_cast<int>(platform::freebsd) == pb::PLATFORM_FREEBSD);
static_assert(static_cast<int>(platform::linux_) == pb::PLATFORM_LINUX);
static_assert(static_cast<int>(data_source::macos_pcblist_n) == pb::DATA_SOURCE_MACOS_PCBLIST_N);
static_assert(static_cast<int>(data_source::freebsd_pcblist) == pb::DATA_SOURCE_FREEBSD_PCBLIST);
static_assert(static_cast<int>(data_source::kern_file) == pb::DATA_SOURCE_KERN_FILE);
static_assert(static_cast<int>(data_source::linux_sock_diag) == pb::DATA_SOURCE_LINUX_SOCK_DIAG);
static_assert(static_cast<int>(data_source::linux_proc_fd) == pb::DATA_SOURCE_LINUX_PROC_FD);
static_assert(static_cast<int>(data_source::macos_tcp_stats) == pb::DATA_SOURCE_MACOS_TCP_STATS);
static_assert(static_cast<int>(data_source::freebsd_tcp_stats) == pb::DATA_SOURCE_FREEBSD_TCP_STATS);
static_assert(static_cast<int>(data_source::linux_proc_net_snmp) == pb::DATA_SOURCE_LINUX_PROC_NET_SNMP);
static_assert(static_cast<int>(data_source::freebsd_kld) == pb::DATA_SOURCE_FREEBSD_KLD);
static_assert(static_cast<int>(data_source::freebsd_tcp_states) == pb::DATA_SOURCE_FREEBSD_TCP_STATES);

void to_proto(const connection_record& r, std::span<const data_source> sources, pb::TcpSocketRecord& out,
              const record_delta* delta) {
  out.Clear();
  const auto bytes_of = [](const ip_address& a) {
    const auto octets = a.octets();
    return std::string(reinterpret_cast<const char*>(octets.data()), octets.size());
  };
  if (r.local_address) {
    out.set_local_addr(bytes_of(*r.local_address));
    out.set_ip_version(r.local_address->family == ip_family::ipv4 ? pb::IP_VERSION_4 : pb::IP_VERSION_6);
    if (r.local_address->scope_id != 0) out.set_local_scope_id(r.local_address->scope_id);
  }
  if (r.remote_address) {
    out.set_remote_addr(bytes_of(*r.remote_address));
    if (r.remote_address->scope_id != 0) out.set_remote_scope_id(r.remote_address->scope_id);
  }
  out.set_local_port(r.local_port);
  out.set_remote_port(r.remote_port);
  out.set_state(r.state ? static_cast<pb::TcpState>(static_cast<int>(*r.state) + 1) : pb::TCP_STATE_UNKNOWN);
  if (r.kernel_state) out.set_kernel_state(*r.kernel_state);
  if (r.dual_stack) out.set_dual_stack(*r.dual_stack);
  if (r.user_space_flow) out.set_user_space_flow(true);
  if (r.socket_id) out.set_socket_id(*r.socket_id);
  if (r.inp_gencnt) out.set_inp_gencnt(*r.inp_gencnt);
  if (r.tcp_flags) out.set_tcp_flags(*r.tcp_flags);
  if (r.snd_cwnd) out.set_snd_cwnd(*r.snd_cwnd);
  if (r.snd_ssthresh) out.set_snd_ssthresh(*r.snd_ssthresh);
  if (r.snd_wnd) out.set_snd_wnd(*r.snd_wnd);
  if (r.rcv_wnd) out.set_rcv_wnd(*r.rcv_wnd);
  if (r.maxseg) out.set_maxseg(*r.maxseg);
  if (r.snd_wscale) out.set_snd_wscale(*r.snd_wscale);
  if (r.rcv_wscale) out.set_rcv_wscale(*r.rcv_wscale);
  if (r.cc_algo) out.set_cc_algo(std::string(r.cc_algo->view()));
  if (r.tcp_stack) out.set_tcp_stack(std::string(r.tcp_stack->view()));
  if (r.rtt_us) out.set_rtt_us(*r.rtt_us);
  if (r.rttvar_us) out.set_rttvar_us(*r.rttvar_us);
  if (r.rto_us) out.set_rto_us(*r.rto_us);
  if (r.rtt_min_us) out.set_rtt_min_us(*r.rtt_min_us);
  if (r.rtt_update_count) out.set_rtt_update_count(*r.rtt_update_count);
  if (r.snd_una) out.set_snd_una(*r.snd_una);
  if (r.snd_nxt) out.set_snd_nxt(*r.snd_nxt);
  if (r.snd_max) out.set_snd_max(*r.snd_max);
  if (r.rcv_nxt) out.set_rcv_nxt(*r.rcv_nxt);
  if (r.rcv_adv) out.set_rcv_adv(*r.rcv_adv);
  if (r.rexmit_packets) out.set_rexmit_packets(*r.rexmit_packets);
  if (r.ooo_packets) out.set_ooo_packets(*r.ooo_packets);
  if (r.zerowin_probes) out.set_zerowin_probes(*r.zerowin_probes);
  if (r.dupacks) out.set_dupacks(*r.dupacks);
  if (r.rxt_shift) out.set_rxt_shift(*r.rxt_shift);
  if (r.dsack_bytes) out.set_dsack_bytes(*r.dsack_bytes);
  if (r.dsack_packets) out.set_dsack_packets(*r.dsack_packets);
  if (r.tx_bytes) out.set_tx_bytes(*r.tx_bytes);
  if (r.rx_bytes) out.set_rx_bytes(*r.rx_bytes);
  if (r.tx_packets) out.set_tx_packets(*r.tx_packets);
  if (r.rx_packets) out.set_rx_packets(*r.rx_packets);
  if (r.timer_rexmt_ms) out.set_timer_rexmt_ms(*r.timer_rexmt_ms);
  if (r.timer_persist_ms) out.set_timer_persist_ms(*r.timer_persist_ms);
  if (r.timer_keep_ms) out.set_timer_keep_ms(*r.timer_keep_ms);
  if (r.timer_2msl_ms) out.set_timer_2msl_ms(*r.timer_2msl_ms);
  if (r.timer_delack_ms) out.set_timer_delack_ms(*r.timer_delack_ms);
  if (r.idle_time_ms) out.set_idle_time_ms(*r.idle_time_ms);
  if (r.connection_age_ms) {
    out.set_connection_age_ms(*r.connection_age_ms);
  } else if (delta && delta->first_seen_age_ms) {
    out.set_connection_age_ms(*delta->first_seen_age_ms);
  }
  if (r.snd_buf_used) out.set_snd_buf_used(*r.snd_buf_used);
  if (r.snd_buf_hiwat) out.set_snd_buf_hiwat(*r.snd_buf_hiwat);
  if (r.rcv_buf_used) out.set_rcv_buf_used(*r.rcv_buf_used);
  if (r.rcv_buf_hiwat) out.set_rcv_buf_hiwat(*r.rcv_buf_hiwat);
  if (r.listen_queue_len) out.set_listen_queue_len(*r.listen_queue_len);
  if (r.listen_queue_limit) out.set_listen_queue_limit(*r.listen_queue_limit);
  if (r.pid) out.set_pid(*r.pid);
  if (r.effective_pid) out.set_effective_pid(*r.effective_pid);
  if (r.uid) out.set_uid(*r.uid);
  if (r.fd) out.set_fd(*r.fd);
  if (r.command) out.set_command(std::string(r.command->view()));
  if (r.ecn_flags) out.set_ecn_flags(*r.ecn_flags);
  if (r.encaps_port) out.set_encaps_port(*r.encaps_port);
  for (const data_source s : sources) out.add_sources(static_cast<pb::DataSource>(s));
  if (r.ca_state) out.set_ca_state(*r.ca_state);
  if (r.retransmits) out.set_retransmits(*r.retransmits);
  if (r.probes) out.set_probes(*r.probes);
  if (r.backoff) out.set_backoff(*r.backoff);
  if (r.options) out.set_options(*r.options);
  if (r.ato_us) out.set_ato_us(*r.ato_us);
  if (r.snd_mss) out.set_snd_mss(*r.snd_mss);
  if (r.rcv_mss) out.set_rcv_mss(*r.rcv_mss);
  if (r.unacked) out.set_unacked(*r.unacked);
  if (r.sacked) out.set_sacked(*r.sacked);
  if (r.lost) out.set_lost(*r.lost);
  if (r.retrans) out.set_retrans(*r.retrans);
  if (r.fackets) out.set_fackets(*r.fackets);
  if (r.last_data_sent_ms) out.set_last_data_sent_ms(*r.last_data_sent_ms);
  if (r.last_data_recv_ms) out.set_last_data_recv_ms(*r.last_data_recv_ms);
  if (r.last_ack_recv_ms) out.set_last_ack_recv_ms(*r.last_ack_recv_ms);
  if (r.pmtu) out.set_pmtu(*r.pmtu);
  if (r.rcv_ssthresh) out.set_rcv_ssthresh(*r.rcv_ssthresh);
  if (r.snd_cwnd_segments) out.set_snd_cwnd_segments(*r.snd_cwnd_segments);
  if (r.snd_ssthresh_segments) out.set_snd_ssthresh_segments(*r.snd_ssthresh_segments);
  if (r.advmss) out.set_advmss(*r.advmss);
  if (r.reordering) out.set_reordering(*r.reordering);
  if (r.rcv_rtt_us) out.set_rcv_rtt_us(*r.rcv_rtt_us);
  if (r.rcv_space) out.set_rcv_space(*r.rcv_space);
  if (r.total_retrans) out.set_total_retrans(*r.total_retrans);
  if (r.pacing_rate_bytes_per_sec) out.set_pacing_rate_bytes_per_sec(*r.pacing_rate_bytes_per_sec);
  if (r.max_pacing_rate_bytes_per_sec) out.set_max_pacing_rate_bytes_per_sec(*r.max_pacing_rate_bytes_per_sec);
  if (r.bytes_acked) out.set_bytes_acked(*r.bytes_acked);
  if (r.bytes_received) out.set_bytes_received(*r.bytes_received);
  if (r.segs_out) out.set_segs_out(*r.segs_out);
  if (r.segs_in) out.set_segs_in(*r.segs_in);
  if (r.notsent_bytes) out.set_notsent_bytes(*r.notsent_bytes);
  if (r.data_segs_in) out.set_data_segs_in(*r.data_segs_in);
  if (r.data_segs_out) out.set_data_segs_out(*r.data_segs_out);
  if (r.delivery_rate_bytes_per_sec) out.set_delivery_rate_bytes_per_sec(*r.delivery_rate_bytes_per_sec);
  if (r.busy_time_us) out.set_busy_time_us(*r.busy_time_us);
  if (r.rwnd_limited_us) out.set_rwnd_limited_us(*r.rwnd_limited_us);
  if (r.sndbuf_limited_us) out.set_sndbuf_limited_us(*r.sndbuf_limited_us);
  if (r.delivered) out.set_delivered(*r.delivered);
  if (r.delivered_ce) out.set_delivered_ce(*r.delivered_ce);
  if (r.bytes_sent) out.set_bytes_sent(*r.bytes_sent);
  if (r.bytes_retrans) out.set_bytes_retrans(*r.bytes_retrans);
  if (r.dsack_dups) out.set_dsack_dups(*r.dsack_dups);
  if (r.reord_seen) out.set_reord_seen(*r.reord_seen);
  if (r.rcv_ooopack) out.set_rcv_ooopack(*r.rcv_ooopack);
  if (r.rehash) out.set_rehash(*r.rehash);
  if (r.total_rto) out.set_total_rto(*r.total_rto);
  if (r.total_rto_recoveries) out.set_total_rto_recoveries(*r.total_rto_recoveries);
  if (r.total_rto_time_ms) out.set_total_rto_time_ms(*r.total_rto_time_ms);
  if (r.delivery_rate_app_limited) out.set_delivery_rate_app_limited(*r.delivery_rate_app_limited);
  if (r.fastopen_client_fail) out.set_fastopen_client_fail(*r.fastopen_client_fail);
  if (r.inode) out.set_inode(*r.inode);
  if (r.interface_index) out.set_interface_index(*r.interface_index);
  if (r.timer) out.set_timer(*r.timer);
  if (r.timer_expires_ms) out.set_timer_expires_ms(*r.timer_expires_ms);
  if (r.timer_retransmits) out.set_timer_retransmits(*r.timer_retransmits);
  if (r.shutdown) out.set_shutdown(*r.shutdown);
  if (r.tos) out.set_tos(*r.tos);
  if (r.tclass) out.set_tclass(*r.tclass);
  if (r.mark) out.set_mark(*r.mark);
  if (r.cgroup_id) out.set_cgroup_id(*r.cgroup_id);
  if (r.v6only) out.set_v6only(*r.v6only);
  if (r.skmem_rmem_alloc) out.set_skmem_rmem_alloc(*r.skmem_rmem_alloc);
  if (r.skmem_rcvbuf) out.set_skmem_rcvbuf(*r.skmem_rcvbuf);
  if (r.skmem_wmem_alloc) out.set_skmem_wmem_alloc(*r.skmem_wmem_alloc);
  if (r.skmem_sndbuf) out.set_skmem_sndbuf(*r.skmem_sndbuf);
  if (r.skmem_fwd_alloc) out.set_skmem_fwd_alloc(*r.skmem_fwd_alloc);
  if (r.skmem_wmem_queued) out.set_skmem_wmem_queued(*r.skmem_wmem_queued);
  if (r.skmem_optmem) out.set_skmem_optmem(*r.skmem_optmem);
  if (r.skmem_backlog) out.set_skmem_backlog(*r.skmem_backlog);
  if (r.skmem_drops) out.set_skmem_drops(*r.skmem_drops);
  if (r.bbr_bw_bytes_per_sec) out.set_bbr_bw_bytes_per_sec(*r.bbr_bw_bytes_per_sec);
  if (r.bbr_min_rtt_us) out.set_bbr_min_rtt_us(*r.bbr_min_rtt_us);
  if (r.bbr_pacing_gain) out.set_bbr_pacing_gain(*r.bbr_pacing_gain);
  if (r.bbr_cwnd_gain) out.set_bbr_cwnd_gain(*r.bbr_cwnd_gain);
  if (r.sockopt) out.set_sockopt(*r.sockopt);
  if (r.sack_blocks) out.set_sack_blocks(*r.sack_blocks);
  if (r.ecn_ce_delivered) out.set_ecn_ce_delivered(*r.ecn_ce_delivered);
  if (r.ecn_ce_received) out.set_ecn_ce_received(*r.ecn_ce_received);
  if (r.negotiated_options) out.set_negotiated_options(*r.negotiated_options);
  if (r.tlp_probes_sent) out.set_tlp_probes_sent(*r.tlp_probes_sent);
  if (r.tlp_bytes_sent) out.set_tlp_bytes_sent(*r.tlp_bytes_sent);
  if (r.dsack_tlp_bytes) out.set_dsack_tlp_bytes(*r.dsack_tlp_bytes);
  if (r.fib) out.set_fib(*r.fib);
  if (r.listen_queue_incomplete) out.set_listen_queue_incomplete(*r.listen_queue_incomplete);
  if (r.so_options) out.set_so_options(*r.so_options);
  if (r.so_state) out.set_so_state(*r.so_state);
  if (r.inp_flags) out.set_inp_flags(*r.inp_flags);
  if (r.inp_flags2) out.set_inp_flags2(*r.inp_flags2);
  if (r.syncache_entry) out.set_syncache_entry(*r.syncache_entry);
  if (delta) {
    const record_delta& d = *delta;
    if (d.rexmit_packets) out.set_delta_rexmit_packets(*d.rexmit_packets);
    if (d.ooo_packets) out.set_delta_ooo_packets(*d.ooo_packets);
    if (d.zerowin_probes) out.set_delta_zerowin(*d.zerowin_probes);
    if (d.tx_bytes) out.set_delta_tx_bytes(*d.tx_bytes);
    if (d.rx_bytes) out.set_delta_rx_bytes(*d.rx_bytes);
    if (d.bytes_acked) out.set_delta_bytes_acked(*d.bytes_acked);
    if (d.bytes_received) out.set_delta_bytes_received(*d.bytes_received);
    if (d.bytes_retrans) out.set_delta_bytes_retrans(*d.bytes_retrans);
    if (d.total_retrans) out.set_delta_total_retrans(*d.total_retrans);
    if (d.segs_out) out.set_delta_segs_out(*d.segs_out);
    if (d.segs_in) out.set_delta_segs_in(*d.segs_in);
    if (d.lost) out.set_delta_lost(*d.lost);
    if (d.tx_bytes_per_sec) out.set_tx_bytes_per_sec(*d.tx_bytes_per_sec);
    if (d.rx_bytes_per_sec) out.set_rx_bytes_per_sec(*d.rx_bytes_per_sec);
    if (d.retransmits_per_sec) out.set_retransmits_per_sec(*d.retransmits_per_sec);
    if (d.retransmitted_bytes_per_sec) out.set_retransmitted_bytes_per_sec(*d.retransmitted_bytes_per_sec);
    if (d.closed) out.set_closed(true);
  }
}

void fill_metadata(const pass_info& p, const run_context& run, pb::CollectionMetadata& out) {
  out.Clear();
  out.set_timestamp_ns(p.timestamp_ns);
  out.set_hostname(p.hostname);
  out.set_platform(static_cast<pb::Platform>(p.platform));
  out.set_os_version(p.os_version);
  out.set_interval_ms(run.interval_ms);
  for (const data_source s : p.data_sources) out.add_data_sources(static_cast<pb::DataSource>(s));
  out.set_collection_duration_ns(p.collection_duration_ns);
  if (p.pcblist_generation) out.set_pcblist_generation(*p.pcblist_generation);
  out.set_batch_sequence(run.batch_sequence);
  out.set_tool_version(std::string(tool_version));
  out.set_schema_version(schema_version);
  out.set_os_release(p.os_release);
  out.set_source_file(p.source_file);
  if (p.pcblist_generation_changed) out.set_pcblist_generation_changed(*p.pcblist_generation_changed);
}

void fill_summary(const pass_info& p, const state_tally& tally, const run_context& run,
                  const std::optional<system_counters>& previous, pb::SystemSummary& out) {
  out.Clear();
  out.set_timestamp_ns(p.timestamp_ns);
  out.set_interval_ms(run.interval_ms);
  out.set_total_sockets(tally.total);
  for (std::size_t state = 0; state < tally.by_state.size(); ++state) {
    if (tally.by_state[state] == 0) continue;
    auto* bucket = out.add_state_counts();
    bucket->set_state(static_cast<pb::TcpState>(state));
    bucket->set_count(tally.by_state[state]);
  }
  if (run.elapsed_ns) out.set_elapsed_ns(*run.elapsed_ns);
  if (run.connections) {
    out.set_connections_new(run.connections->new_connections);
    out.set_connections_closed(run.connections->closed);
    out.set_connections_unchanged(run.connections->unchanged);
  }
  if (p.kernel_state_counts) {
    for (std::size_t state = 0; state < p.kernel_state_counts->size(); ++state) {
      auto* bucket = out.add_kernel_state_counts();
      bucket->set_state(static_cast<pb::TcpState>(state + 1));
      // StateBucket.count is 32-bit; no host holds 2^32 connections.
      const std::uint64_t count = (*p.kernel_state_counts)[state];
      bucket->set_count(count > UINT32_MAX ? UINT32_MAX : static_cast<std::uint32_t>(count));
    }
  }
  if (!previous || !p.counters || previous->width_bits != p.counters->width_bits) return;
  const system_counters& now = *p.counters;
  // Counters wrap at their own width; a modular difference is the delta.
  const std::uint64_t mask = now.width_bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << now.width_bits) - 1;
  const auto delta = [mask](const std::optional<std::uint64_t>& later, const std::optional<std::uint64_t>& earlier)
      -> std::optional<std::uint64_t> {
    if (!later || !earlier) return std::nullopt;
    return (*later - *earlier) & mask;
  };
  using setter = void (pb::SystemSummary::*)(std::uint64_t);
  using rate_setter = void (pb::SystemSummary::*)(double);
  const auto put = [&out, &run](setter set, rate_setter set_rate, const std::optional<std::uint64_t>& value) {
    if (!value) return;
    (out.*set)(*value);
    if (run.elapsed_ns && *run.elapsed_ns != 0) {
      (out.*set_rate)(static_cast<double>(*value) * 1e9 / static_cast<double>(*run.elapsed_ns));
    }
  };
  using S = pb::SystemSummary;
  const auto snd_total = delta(now.snd_total_packets, previous->snd_total_packets);
  const auto snd_rexmit = delta(now.snd_rexmit_packets, previous->snd_rexmit_packets);
  const auto rcv_total = delta(now.rcv_total_packets, previous->rcv_total_packets);
  const auto rcv_dup = delta(now.rcv_dup_packets, previous->rcv_dup_packets);
  put(&S::set_delta_conn_attempts, &S::set_conn_attempts_per_sec, delta(now.conn_attempts, previous->conn_attempts));
  put(&S::set_delta_accepts, &S::set_accepts_per_sec, delta(now.accepts, previous->accepts));
  put(&S::set_delta_connects, &S::set_connects_per_sec, delta(now.connects, previous->connects));
  put(&S::set_delta_drops, &S::set_drops_per_sec, delta(now.drops, previous->drops));
  put(&S::set_delta_snd_total_packets, &S::set_snd_total_packets_per_sec, snd_total);
  put(&S::set_delta_snd_bytes, &S::set_snd_bytes_per_sec, delta(now.snd_bytes, previous->snd_bytes));
  put(&S::set_delta_snd_rexmit_packets, &S::set_snd_rexmit_packets_per_sec, snd_rexmit);
  put(&S::set_delta_snd_rexmit_bytes, &S::set_snd_rexmit_bytes_per_sec,
      delta(now.snd_rexmit_bytes, previous->snd_rexmit_bytes));
  put(&S::set_delta_rcv_total_packets, &S::set_rcv_total_packets_per_sec, rcv_total);
  put(&S::set_delta_rcv_bytes, &S::set_rcv_bytes_per_sec, delta(now.rcv_bytes, previous->rcv_bytes));
  put(&S::set_delta_rcv_dup_packets, &S::set_rcv_dup_packets_per_sec, rcv_dup);
  put(&S::set_delta_rcv_badsum, &S::set_rcv_badsum_per_sec, delta(now.rcv_badsum, previous->rcv_badsum));
  if (snd_total && snd_rexmit && *snd_total != 0) {
    out.set_retransmit_rate(static_cast<double>(*snd_rexmit) / static_cast<double>(*snd_total));
  }
  if (rcv_total && rcv_dup && *rcv_total != 0) {
    out.set_duplicate_rate(static_cast<double>(*rcv_dup) / static_cast<double>(*rcv_total));
  }
}

void build_batch(const pass& p, const run_context& run, const std::optional<system_counters>& previous,
                 pb::BatchMessage& out, std::span<const record_delta> deltas) {
  out.Clear();
  fill_metadata(p, run, *out.mutable_metadata());
  out.mutable_records()->Reserve(static_cast<int>(p.records.size()));
  state_tally tally;
  for (std::size_t i = 0; i < p.records.size(); ++i) {
    const record_delta* delta = i < deltas.size() ? &deltas[i] : nullptr;
    to_proto(p.records[i], p.record_sources, *out.add_records(), delta);
    if (!delta || !delta->closed) tally.add(p.records[i]);
  }
  fill_summary(p, tally, run, previous, *out.mutable_summary());
}

}  // namespace tcpstats::reader
