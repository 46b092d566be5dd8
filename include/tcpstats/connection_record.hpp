#pragma once
// The platform-neutral connection record that every source (macOS
// pcblist_n, FreeBSD pcblist, Linux sock_diag) fills. A field a source does
// not provide stays empty: absent, never a made-up zero. Units are in the
// names; sequence numbers and counters are the kernel's raw values.
//
// Contract: a plain value that owns everything it holds (addresses and
// short_name are copied in), so it stays valid after the walked buffer is
// gone and can be reused for every connection of a walk. Addresses are in
// network order (ip_address), ports and every other integer in host order.
// Units are in the names (_us, _ms, _bytes_per_sec, _segments); windows,
// buffer sizes and slow-start thresholds without one are bytes; counters
// and sequence numbers are the kernel's raw, wrapping values.

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <tuple>

#include "tcpstats/ip_address.hpp"
#include "tcpstats/tcp_state.hpp"
#include "tcpstats/utf8.hpp"

namespace tcpstats {

// A short kernel name (congestion control, TCP stack, process), copied
// without allocation. Longer input is cut at capacity, at a UTF-8 boundary.
class short_name {
 public:
  static constexpr std::size_t capacity = 32;

  constexpr short_name() = default;
  constexpr explicit short_name(std::string_view text) noexcept {
    std::size_t size = std::min(text.size(), capacity);
    // Never cut a UTF-8 sequence in two: back off over continuation bytes.
    if (size < text.size()) {
      while (size > 0 && (static_cast<unsigned char>(text[size]) & 0xC0u) == 0x80u) --size;
    }
    size_ = static_cast<std::uint8_t>(size);
    std::copy_n(text.begin(), size_, chars_.begin());
  }
  // From bytes a kernel handed over: each byte that is not part of a valid
  // UTF-8 sequence becomes '?', so the name is always valid UTF-8 (protobuf
  // strings must be) however the kernel's buffer was cut or filled.
  [[nodiscard]] static constexpr short_name from_untrusted(std::string_view bytes) noexcept {
    // ASCII that fits, the usual case ("cubic"): valid as it is.
    if (bytes.size() <= capacity &&
        std::all_of(bytes.begin(), bytes.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
      return short_name(bytes);
    }
    std::array<char, capacity> clean{};
    std::size_t out = 0;
    std::size_t i = 0;
    while (i < bytes.size() && out < capacity) {
      const std::size_t length = utf8_sequence_length(bytes, i);
      if (length == 0 || out + length > capacity) {
        clean[out++] = '?';
        ++i;
        continue;
      }
      for (std::size_t k = 0; k < length; ++k) clean[out++] = bytes[i + k];
      i += length;
    }
    return short_name(std::string_view(clean.data(), out));
  }

  [[nodiscard]] constexpr std::string_view view() const noexcept { return {chars_.data(), size_}; }
  friend constexpr bool operator==(const short_name& a, const short_name& b) noexcept {
    return a.view() == b.view();
  }

 private:
  std::array<char, capacity> chars_{};
  std::uint8_t size_ = 0;
};

struct connection_record {
  // Endpoints. Addresses are network order; ports are host order, 0 when
  // unbound (a listener's remote end).
  std::optional<ip_address> local_address;
  std::optional<ip_address> remote_address;
  std::uint16_t local_port = 0;
  std::uint16_t remote_port = 0;
  // An IPv6 listener that also accepts IPv4 (macOS inp_vflag 0x3).
  std::optional<bool> dual_stack;

  // State: `state` when the kernel's number is a known one; `kernel_state`
  // always holds the number as read, so an invalid one is still reported.
  std::optional<tcp_state> state;
  std::optional<std::int32_t> kernel_state;

  // Identity: opaque kernel socket id (macOS xso_so, FreeBSD xso_so, Linux
  // cookie) and the PCB generation count.
  std::optional<std::uint64_t> socket_id;
  std::optional<std::uint64_t> inp_gencnt;

  // Congestion and windows, bytes.
  std::optional<std::uint32_t> tcp_flags;
  std::optional<std::uint32_t> snd_cwnd;
  std::optional<std::uint32_t> snd_ssthresh;
  std::optional<std::uint32_t> snd_wnd;
  std::optional<std::uint32_t> rcv_wnd;
  std::optional<std::uint32_t> maxseg;
  std::optional<std::uint8_t> snd_wscale;
  std::optional<std::uint8_t> rcv_wscale;
  std::optional<short_name> cc_algo;
  std::optional<short_name> tcp_stack;

  // Round-trip times, microseconds.
  std::optional<std::uint32_t> rtt_us;
  std::optional<std::uint32_t> rttvar_us;
  std::optional<std::uint32_t> rto_us;
  std::optional<std::uint32_t> rtt_min_us;
  std::optional<std::uint32_t> rtt_update_count;

  // Sequence space (raw 32-bit sequence numbers).
  std::optional<std::uint32_t> snd_una;
  std::optional<std::uint32_t> snd_nxt;
  std::optional<std::uint32_t> snd_max;
  std::optional<std::uint32_t> rcv_nxt;
  std::optional<std::uint32_t> rcv_adv;

  // Loss and recovery.
  std::optional<std::uint32_t> rexmit_packets;
  std::optional<std::uint32_t> ooo_packets;
  std::optional<std::uint32_t> zerowin_probes;
  std::optional<std::uint32_t> dupacks;
  std::optional<std::uint32_t> rxt_shift;
  std::optional<std::uint32_t> dsack_bytes;
  std::optional<std::uint32_t> dsack_packets;

  // Traffic totals since the connection started.
  std::optional<std::uint64_t> tx_bytes;
  std::optional<std::uint64_t> rx_bytes;
  std::optional<std::uint64_t> tx_packets;
  std::optional<std::uint64_t> rx_packets;

  // Timers: milliseconds until they fire (0 = armed to fire now). Sources
  // that cannot tell the remaining time leave them empty.
  std::optional<std::uint32_t> timer_rexmt_ms;
  std::optional<std::uint32_t> timer_persist_ms;
  std::optional<std::uint32_t> timer_keep_ms;
  std::optional<std::uint32_t> timer_2msl_ms;
  std::optional<std::uint32_t> timer_delack_ms;

  // Milliseconds since the last segment was received, and since the
  // connection started (estimates where the source says so).
  std::optional<std::uint32_t> idle_time_ms;
  std::optional<std::uint64_t> connection_age_ms;

  // Socket buffers, bytes.
  std::optional<std::uint32_t> snd_buf_used;
  std::optional<std::uint32_t> snd_buf_hiwat;
  std::optional<std::uint32_t> rcv_buf_used;
  std::optional<std::uint32_t> rcv_buf_hiwat;

  // Listen queue: connections waiting for accept() and the backlog limit.
  std::optional<std::uint32_t> listen_queue_len;
  std::optional<std::uint32_t> listen_queue_limit;

  // Ownership.
  std::optional<std::int32_t> pid;
  std::optional<std::int32_t> effective_pid;
  std::optional<std::uint32_t> uid;
  std::optional<std::int32_t> fd;
  std::optional<short_name> command;  // the process's short name (comm)

  // Options.
  std::optional<std::uint32_t> ecn_flags;
  std::optional<std::uint16_t> encaps_port;

  // True for macOS user-space-stack flows (no kernel socket behind them).
  bool user_space_flow = false;

  // Linux: struct tcp_info (INET_DIAG_INFO), inet_diag_msg and the other
  // sock_diag attributes. Absent where the kernel's tcp_info is shorter or
  // the attribute was not sent. Counts are segments unless named bytes;
  // see proto/tcp_stats.proto for each field's kernel member.
  std::optional<std::uint8_t> ca_state;
  std::optional<std::uint8_t> retransmits;
  std::optional<std::uint8_t> probes;
  std::optional<std::uint8_t> backoff;
  std::optional<std::uint8_t> options;
  std::optional<std::uint32_t> ato_us;
  std::optional<std::uint32_t> snd_mss;
  std::optional<std::uint32_t> rcv_mss;
  std::optional<std::uint32_t> unacked;
  std::optional<std::uint32_t> sacked;
  std::optional<std::uint32_t> lost;
  std::optional<std::uint32_t> retrans;
  std::optional<std::uint32_t> fackets;
  std::optional<std::uint32_t> last_data_sent_ms;
  std::optional<std::uint32_t> last_data_recv_ms;
  std::optional<std::uint32_t> last_ack_recv_ms;
  std::optional<std::uint32_t> pmtu;
  std::optional<std::uint32_t> rcv_ssthresh;
  std::optional<std::uint32_t> snd_cwnd_segments;
  std::optional<std::uint32_t> snd_ssthresh_segments;
  std::optional<std::uint32_t> advmss;
  std::optional<std::uint32_t> reordering;
  std::optional<std::uint32_t> rcv_rtt_us;
  std::optional<std::uint32_t> rcv_space;
  std::optional<std::uint32_t> total_retrans;
  std::optional<std::uint64_t> pacing_rate_bytes_per_sec;
  std::optional<std::uint64_t> max_pacing_rate_bytes_per_sec;
  std::optional<std::uint64_t> bytes_acked;
  std::optional<std::uint64_t> bytes_received;
  std::optional<std::uint32_t> segs_out;
  std::optional<std::uint32_t> segs_in;
  std::optional<std::uint32_t> notsent_bytes;
  std::optional<std::uint32_t> data_segs_in;
  std::optional<std::uint32_t> data_segs_out;
  std::optional<std::uint64_t> delivery_rate_bytes_per_sec;
  std::optional<std::uint64_t> busy_time_us;
  std::optional<std::uint64_t> rwnd_limited_us;
  std::optional<std::uint64_t> sndbuf_limited_us;
  std::optional<std::uint32_t> delivered;
  std::optional<std::uint32_t> delivered_ce;
  std::optional<std::uint64_t> bytes_sent;
  std::optional<std::uint64_t> bytes_retrans;
  std::optional<std::uint32_t> dsack_dups;
  std::optional<std::uint32_t> reord_seen;
  std::optional<std::uint32_t> rcv_ooopack;
  std::optional<std::uint32_t> rehash;
  std::optional<std::uint16_t> total_rto;
  std::optional<std::uint16_t> total_rto_recoveries;
  std::optional<std::uint32_t> total_rto_time_ms;
  std::optional<bool> delivery_rate_app_limited;
  std::optional<std::uint8_t> fastopen_client_fail;
  std::optional<std::uint64_t> inode;
  std::optional<std::uint32_t> interface_index;
  std::optional<std::uint8_t> timer;
  std::optional<std::uint32_t> timer_expires_ms;
  std::optional<std::uint8_t> timer_retransmits;
  std::optional<std::uint8_t> shutdown;
  std::optional<std::uint8_t> tos;
  std::optional<std::uint8_t> tclass;
  std::optional<std::uint32_t> mark;
  std::optional<std::uint64_t> cgroup_id;
  std::optional<bool> v6only;
  std::optional<std::uint32_t> skmem_rmem_alloc;
  std::optional<std::uint32_t> skmem_rcvbuf;
  std::optional<std::uint32_t> skmem_wmem_alloc;
  std::optional<std::uint32_t> skmem_sndbuf;
  std::optional<std::uint32_t> skmem_fwd_alloc;
  std::optional<std::uint32_t> skmem_wmem_queued;
  std::optional<std::uint32_t> skmem_optmem;
  std::optional<std::uint32_t> skmem_backlog;
  std::optional<std::uint32_t> skmem_drops;
  std::optional<std::uint64_t> bbr_bw_bytes_per_sec;
  std::optional<std::uint32_t> bbr_min_rtt_us;
  std::optional<std::uint32_t> bbr_pacing_gain;
  std::optional<std::uint32_t> bbr_cwnd_gain;
  std::optional<std::uint16_t> sockopt;

  // FreeBSD: net.inet.tcp.pcblist (struct xtcpcb) and the /dev/tcpstats
  // kernel module's records; see proto/tcp_stats.proto for each field's
  // kernel member. Absent for every other source.
  std::optional<std::uint32_t> sack_blocks;         // SACK blocks held (tsr_rcv_numsacks)
  std::optional<std::uint32_t> ecn_ce_delivered;    // tsr_delivered_ce
  std::optional<std::uint32_t> ecn_ce_received;     // tsr_received_ce
  std::optional<std::uint32_t> negotiated_options;  // tsr_options
  std::optional<std::uint32_t> tlp_probes_sent;     // tsr_total_tlp
  std::optional<std::uint64_t> tlp_bytes_sent;      // tsr_total_tlp_bytes
  std::optional<std::uint32_t> dsack_tlp_bytes;     // xtcpcb t_dsack_tlp_bytes (14+)
  std::optional<std::uint32_t> fib;                 // inc_fibnum: the routing table
  std::optional<std::uint32_t> listen_queue_incomplete;  // listeners: so_incqlen
  std::optional<std::uint32_t> so_options;          // SO_* bits
  std::optional<std::uint32_t> so_state;            // SS_* bits
  std::optional<std::uint32_t> inp_flags;           // INP_* bits
  std::optional<std::uint32_t> inp_flags2;          // INP_* (second word) bits
  std::optional<bool> syncache_entry;               // a SYN_RECEIVED syncache entry (no PCB)

  friend bool operator==(const connection_record&, const connection_record&) = default;
};

// A record with nothing set. Copying it over a record is cheaper than
// assigning connection_record{}, which sets each member's default one by
// one before it copies.
inline constexpr connection_record empty_record{};

// What a field's value is, for consumers that treat kinds differently (a
// tracker takes deltas of counters and does not count a field that moves
// with time alone as a change).
enum class field_kind : std::uint8_t {
  endpoint,  // addresses and ports: the connection's 4-tuple
  identity,  // the kernel's names for the socket: id, generation, inode, cgroup
  owner,     // the process and user that hold the socket
  state,     // the TCP state, as tcp_state and as the kernel's number
  value,     // a reading that may move either way: windows, RTTs, queues, flags
  counter,   // counts up from the connection's start: bytes, segments, retransmits
  clock,     // moves with time alone: timers, ages, time since the last segment
};

// One member of connection_record, with `name`, the TcpSocketRecord field of
// proto/tcp_stats.proto that carries it.
template <auto Member>
struct record_field {
  std::string_view name;
  field_kind kind;
  static constexpr auto member = Member;

  // The member of `record`, const or not.
  template <class Record>
  static constexpr auto& of(Record& record) noexcept {
    return record.*Member;
  }
};

// Every member of connection_record, once, in declaration order. Whatever
// handles all fields (tcpstats-reader's encoders and decoder, its tracker,
// its tests' reference mapping and random records) walks this list, and
// the reader checks at compile time that each name is a field of the
// schema generated from the .proto, with a type that holds the member.
// A new field: its member above, its line here, its field in the .proto,
// and the source's materialize that fills it.
inline constexpr std::tuple record_fields{
    record_field<&connection_record::local_address>{"local_addr", field_kind::endpoint},
    record_field<&connection_record::remote_address>{"remote_addr", field_kind::endpoint},
    record_field<&connection_record::local_port>{"local_port", field_kind::endpoint},
    record_field<&connection_record::remote_port>{"remote_port", field_kind::endpoint},
    record_field<&connection_record::dual_stack>{"dual_stack", field_kind::value},
    record_field<&connection_record::state>{"state", field_kind::state},
    record_field<&connection_record::kernel_state>{"kernel_state", field_kind::state},
    record_field<&connection_record::socket_id>{"socket_id", field_kind::identity},
    record_field<&connection_record::inp_gencnt>{"inp_gencnt", field_kind::identity},
    record_field<&connection_record::tcp_flags>{"tcp_flags", field_kind::value},
    record_field<&connection_record::snd_cwnd>{"snd_cwnd", field_kind::value},
    record_field<&connection_record::snd_ssthresh>{"snd_ssthresh", field_kind::value},
    record_field<&connection_record::snd_wnd>{"snd_wnd", field_kind::value},
    record_field<&connection_record::rcv_wnd>{"rcv_wnd", field_kind::value},
    record_field<&connection_record::maxseg>{"maxseg", field_kind::value},
    record_field<&connection_record::snd_wscale>{"snd_wscale", field_kind::value},
    record_field<&connection_record::rcv_wscale>{"rcv_wscale", field_kind::value},
    record_field<&connection_record::cc_algo>{"cc_algo", field_kind::value},
    record_field<&connection_record::tcp_stack>{"tcp_stack", field_kind::value},
    record_field<&connection_record::rtt_us>{"rtt_us", field_kind::value},
    record_field<&connection_record::rttvar_us>{"rttvar_us", field_kind::value},
    record_field<&connection_record::rto_us>{"rto_us", field_kind::value},
    record_field<&connection_record::rtt_min_us>{"rtt_min_us", field_kind::value},
    record_field<&connection_record::rtt_update_count>{"rtt_update_count", field_kind::counter},
    record_field<&connection_record::snd_una>{"snd_una", field_kind::value},
    record_field<&connection_record::snd_nxt>{"snd_nxt", field_kind::value},
    record_field<&connection_record::snd_max>{"snd_max", field_kind::value},
    record_field<&connection_record::rcv_nxt>{"rcv_nxt", field_kind::value},
    record_field<&connection_record::rcv_adv>{"rcv_adv", field_kind::value},
    record_field<&connection_record::rexmit_packets>{"rexmit_packets", field_kind::counter},
    record_field<&connection_record::ooo_packets>{"ooo_packets", field_kind::counter},
    record_field<&connection_record::zerowin_probes>{"zerowin_probes", field_kind::counter},
    record_field<&connection_record::dupacks>{"dupacks", field_kind::counter},
    record_field<&connection_record::rxt_shift>{"rxt_shift", field_kind::value},
    record_field<&connection_record::dsack_bytes>{"dsack_bytes", field_kind::counter},
    record_field<&connection_record::dsack_packets>{"dsack_packets", field_kind::counter},
    record_field<&connection_record::tx_bytes>{"tx_bytes", field_kind::counter},
    record_field<&connection_record::rx_bytes>{"rx_bytes", field_kind::counter},
    record_field<&connection_record::tx_packets>{"tx_packets", field_kind::counter},
    record_field<&connection_record::rx_packets>{"rx_packets", field_kind::counter},
    record_field<&connection_record::timer_rexmt_ms>{"timer_rexmt_ms", field_kind::clock},
    record_field<&connection_record::timer_persist_ms>{"timer_persist_ms", field_kind::clock},
    record_field<&connection_record::timer_keep_ms>{"timer_keep_ms", field_kind::clock},
    record_field<&connection_record::timer_2msl_ms>{"timer_2msl_ms", field_kind::clock},
    record_field<&connection_record::timer_delack_ms>{"timer_delack_ms", field_kind::clock},
    record_field<&connection_record::idle_time_ms>{"idle_time_ms", field_kind::clock},
    record_field<&connection_record::connection_age_ms>{"connection_age_ms", field_kind::clock},
    record_field<&connection_record::snd_buf_used>{"snd_buf_used", field_kind::value},
    record_field<&connection_record::snd_buf_hiwat>{"snd_buf_hiwat", field_kind::value},
    record_field<&connection_record::rcv_buf_used>{"rcv_buf_used", field_kind::value},
    record_field<&connection_record::rcv_buf_hiwat>{"rcv_buf_hiwat", field_kind::value},
    record_field<&connection_record::listen_queue_len>{"listen_queue_len", field_kind::value},
    record_field<&connection_record::listen_queue_limit>{"listen_queue_limit", field_kind::value},
    record_field<&connection_record::pid>{"pid", field_kind::owner},
    record_field<&connection_record::effective_pid>{"effective_pid", field_kind::owner},
    record_field<&connection_record::uid>{"uid", field_kind::owner},
    record_field<&connection_record::fd>{"fd", field_kind::owner},
    record_field<&connection_record::command>{"command", field_kind::owner},
    record_field<&connection_record::ecn_flags>{"ecn_flags", field_kind::value},
    record_field<&connection_record::encaps_port>{"encaps_port", field_kind::value},
    record_field<&connection_record::user_space_flow>{"user_space_flow", field_kind::value},
    record_field<&connection_record::ca_state>{"ca_state", field_kind::value},
    record_field<&connection_record::retransmits>{"retransmits", field_kind::value},
    record_field<&connection_record::probes>{"probes", field_kind::value},
    record_field<&connection_record::backoff>{"backoff", field_kind::value},
    record_field<&connection_record::options>{"options", field_kind::value},
    record_field<&connection_record::ato_us>{"ato_us", field_kind::value},
    record_field<&connection_record::snd_mss>{"snd_mss", field_kind::value},
    record_field<&connection_record::rcv_mss>{"rcv_mss", field_kind::value},
    record_field<&connection_record::unacked>{"unacked", field_kind::value},
    record_field<&connection_record::sacked>{"sacked", field_kind::value},
    record_field<&connection_record::lost>{"lost", field_kind::value},
    record_field<&connection_record::retrans>{"retrans", field_kind::value},
    record_field<&connection_record::fackets>{"fackets", field_kind::value},
    record_field<&connection_record::last_data_sent_ms>{"last_data_sent_ms", field_kind::clock},
    record_field<&connection_record::last_data_recv_ms>{"last_data_recv_ms", field_kind::clock},
    record_field<&connection_record::last_ack_recv_ms>{"last_ack_recv_ms", field_kind::clock},
    record_field<&connection_record::pmtu>{"pmtu", field_kind::value},
    record_field<&connection_record::rcv_ssthresh>{"rcv_ssthresh", field_kind::value},
    record_field<&connection_record::snd_cwnd_segments>{"snd_cwnd_segments", field_kind::value},
    record_field<&connection_record::snd_ssthresh_segments>{"snd_ssthresh_segments", field_kind::value},
    record_field<&connection_record::advmss>{"advmss", field_kind::value},
    record_field<&connection_record::reordering>{"reordering", field_kind::value},
    record_field<&connection_record::rcv_rtt_us>{"rcv_rtt_us", field_kind::value},
    record_field<&connection_record::rcv_space>{"rcv_space", field_kind::value},
    record_field<&connection_record::total_retrans>{"total_retrans", field_kind::counter},
    record_field<&connection_record::pacing_rate_bytes_per_sec>{"pacing_rate_bytes_per_sec", field_kind::value},
    record_field<&connection_record::max_pacing_rate_bytes_per_sec>{"max_pacing_rate_bytes_per_sec", field_kind::value},
    record_field<&connection_record::bytes_acked>{"bytes_acked", field_kind::counter},
    record_field<&connection_record::bytes_received>{"bytes_received", field_kind::counter},
    record_field<&connection_record::segs_out>{"segs_out", field_kind::counter},
    record_field<&connection_record::segs_in>{"segs_in", field_kind::counter},
    record_field<&connection_record::notsent_bytes>{"notsent_bytes", field_kind::value},
    record_field<&connection_record::data_segs_in>{"data_segs_in", field_kind::counter},
    record_field<&connection_record::data_segs_out>{"data_segs_out", field_kind::counter},
    record_field<&connection_record::delivery_rate_bytes_per_sec>{"delivery_rate_bytes_per_sec", field_kind::value},
    record_field<&connection_record::busy_time_us>{"busy_time_us", field_kind::counter},
    record_field<&connection_record::rwnd_limited_us>{"rwnd_limited_us", field_kind::counter},
    record_field<&connection_record::sndbuf_limited_us>{"sndbuf_limited_us", field_kind::counter},
    record_field<&connection_record::delivered>{"delivered", field_kind::counter},
    record_field<&connection_record::delivered_ce>{"delivered_ce", field_kind::counter},
    record_field<&connection_record::bytes_sent>{"bytes_sent", field_kind::counter},
    record_field<&connection_record::bytes_retrans>{"bytes_retrans", field_kind::counter},
    record_field<&connection_record::dsack_dups>{"dsack_dups", field_kind::counter},
    record_field<&connection_record::reord_seen>{"reord_seen", field_kind::counter},
    record_field<&connection_record::rcv_ooopack>{"rcv_ooopack", field_kind::counter},
    record_field<&connection_record::rehash>{"rehash", field_kind::counter},
    record_field<&connection_record::total_rto>{"total_rto", field_kind::counter},
    record_field<&connection_record::total_rto_recoveries>{"total_rto_recoveries", field_kind::counter},
    record_field<&connection_record::total_rto_time_ms>{"total_rto_time_ms", field_kind::counter},
    record_field<&connection_record::delivery_rate_app_limited>{"delivery_rate_app_limited", field_kind::value},
    record_field<&connection_record::fastopen_client_fail>{"fastopen_client_fail", field_kind::value},
    record_field<&connection_record::inode>{"inode", field_kind::identity},
    record_field<&connection_record::interface_index>{"interface_index", field_kind::value},
    record_field<&connection_record::timer>{"timer", field_kind::clock},
    record_field<&connection_record::timer_expires_ms>{"timer_expires_ms", field_kind::clock},
    record_field<&connection_record::timer_retransmits>{"timer_retransmits", field_kind::value},
    record_field<&connection_record::shutdown>{"shutdown", field_kind::value},
    record_field<&connection_record::tos>{"tos", field_kind::value},
    record_field<&connection_record::tclass>{"tclass", field_kind::value},
    record_field<&connection_record::mark>{"mark", field_kind::value},
    record_field<&connection_record::cgroup_id>{"cgroup_id", field_kind::identity},
    record_field<&connection_record::v6only>{"v6only", field_kind::value},
    record_field<&connection_record::skmem_rmem_alloc>{"skmem_rmem_alloc", field_kind::value},
    record_field<&connection_record::skmem_rcvbuf>{"skmem_rcvbuf", field_kind::value},
    record_field<&connection_record::skmem_wmem_alloc>{"skmem_wmem_alloc", field_kind::value},
    record_field<&connection_record::skmem_sndbuf>{"skmem_sndbuf", field_kind::value},
    record_field<&connection_record::skmem_fwd_alloc>{"skmem_fwd_alloc", field_kind::value},
    record_field<&connection_record::skmem_wmem_queued>{"skmem_wmem_queued", field_kind::value},
    record_field<&connection_record::skmem_optmem>{"skmem_optmem", field_kind::value},
    record_field<&connection_record::skmem_backlog>{"skmem_backlog", field_kind::value},
    record_field<&connection_record::skmem_drops>{"skmem_drops", field_kind::counter},
    record_field<&connection_record::bbr_bw_bytes_per_sec>{"bbr_bw_bytes_per_sec", field_kind::value},
    record_field<&connection_record::bbr_min_rtt_us>{"bbr_min_rtt_us", field_kind::value},
    record_field<&connection_record::bbr_pacing_gain>{"bbr_pacing_gain", field_kind::value},
    record_field<&connection_record::bbr_cwnd_gain>{"bbr_cwnd_gain", field_kind::value},
    record_field<&connection_record::sockopt>{"sockopt", field_kind::value},
    record_field<&connection_record::sack_blocks>{"sack_blocks", field_kind::value},
    record_field<&connection_record::ecn_ce_delivered>{"ecn_ce_delivered", field_kind::counter},
    record_field<&connection_record::ecn_ce_received>{"ecn_ce_received", field_kind::counter},
    record_field<&connection_record::negotiated_options>{"negotiated_options", field_kind::value},
    record_field<&connection_record::tlp_probes_sent>{"tlp_probes_sent", field_kind::counter},
    record_field<&connection_record::tlp_bytes_sent>{"tlp_bytes_sent", field_kind::counter},
    record_field<&connection_record::dsack_tlp_bytes>{"dsack_tlp_bytes", field_kind::counter},
    record_field<&connection_record::fib>{"fib", field_kind::value},
    record_field<&connection_record::listen_queue_incomplete>{"listen_queue_incomplete", field_kind::value},
    record_field<&connection_record::so_options>{"so_options", field_kind::value},
    record_field<&connection_record::so_state>{"so_state", field_kind::value},
    record_field<&connection_record::inp_flags>{"inp_flags", field_kind::value},
    record_field<&connection_record::inp_flags2>{"inp_flags2", field_kind::value},
    record_field<&connection_record::syncache_entry>{"syncache_entry", field_kind::value},
};

// Calls visit(field, member) for every field of `record` (const or not),
// in record_fields' order; `field` is the record_field, `member` a
// reference to the member.
template <class Record, class Visitor>
constexpr void for_each_field(Record& record, Visitor&& visit) {
  std::apply([&](const auto&... field) { (visit(field, field.of(record)), ...); }, record_fields);
}

}  // namespace tcpstats
