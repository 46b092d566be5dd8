#include "codec/wire_decoder.hpp"

#include <bit>
#include <cstring>
#include <limits>
#include <type_traits>

namespace tcpstats::reader {

namespace {

enum wire_type : unsigned { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

class field_reader {
 public:
  field_reader(std::span<const char> bytes, decoded_record& out) : bytes_(bytes), out_(out) {}

  bool run(std::string& error) {
    while (at_ < bytes_.size()) {
      field_start_ = at_;
      std::uint64_t tag = 0;
      if (!read_varint(tag)) return fail(error, "truncated field tag");
      number_ = tag >> 3;
      type_ = static_cast<unsigned>(tag & 7);
      if (!read_field()) return fail(error, problem_);
    }
    return true;
  }

 private:
  bool fail(std::string& error, const char* what) const {
    error = "byte " + std::to_string(field_start_) + ": " + what + " (field " + std::to_string(number_) + ")";
    return false;
  }
  bool bad(const char* what) {
    problem_ = what;
    return false;
  }

  bool read_varint(std::uint64_t& value) {
    return reader::read_varint({bytes_.data(), bytes_.size()}, at_, value);
  }
  bool read_length_delimited(std::span<const char>& body) {
    std::uint64_t size = 0;
    if (type_ != length_delimited) return bad("wrong wire type");
    if (!read_varint(size) || size > bytes_.size() - at_) return bad("length runs past the end");
    body = bytes_.subspan(at_, static_cast<std::size_t>(size));
    at_ += static_cast<std::size_t>(size);
    return true;
  }
  bool read_integer(std::uint64_t& value) {
    if (type_ != varint) return bad("wrong wire type");
    if (!read_varint(value)) return bad("truncated varint");
    return true;
  }

  template <class T>
  bool read_into(std::optional<T>& field) {
    if constexpr (std::is_same_v<T, short_name>) {
      std::span<const char> body;
      if (!read_length_delimited(body)) return false;
      if (body.size() > short_name::capacity) return bad("string longer than the record holds");
      field = short_name::from_untrusted({body.data(), body.size()});
    } else if constexpr (std::is_same_v<T, double>) {
      if (type_ != fixed64) return bad("wrong wire type");
      if (bytes_.size() - at_ < 8) return bad("truncated double");
      std::uint64_t bits = 0;
      for (int i = 0; i < 8; ++i) bits |= std::uint64_t{static_cast<std::uint8_t>(bytes_[at_++])} << (8 * i);
      field = std::bit_cast<double>(bits);
    } else {
      std::uint64_t raw = 0;
      if (!read_integer(raw)) return false;
      if constexpr (std::is_same_v<T, bool>) {
        if (raw > 1) return bad("bool out of range");
        field = raw == 1;
      } else if constexpr (std::is_signed_v<T>) {
        const auto value = static_cast<std::int64_t>(raw);
        if (value < std::numeric_limits<T>::min() || value > std::numeric_limits<T>::max()) {
          return bad("value out of the field's range");
        }
        field = static_cast<T>(value);
      } else {
        if (raw > std::numeric_limits<T>::max()) return bad("value out of the field's range");
        field = static_cast<T>(raw);
      }
    }
    return true;
  }

  bool read_address(std::optional<ip_address>& address) {
    std::span<const char> body;
    if (!read_length_delimited(body)) return false;
    if (body.size() != 4 && body.size() != 16) return bad("address is neither 4 nor 16 bytes");
    ip_address a = address.value_or(ip_address{});  // keeps a scope id read first
    a.family = body.size() == 4 ? ip_family::ipv4 : ip_family::ipv6;
    a.bytes = {};
    std::memcpy(a.bytes.data(), body.data(), body.size());
    address = a;
    return true;
  }
  bool read_scope(std::optional<ip_address>& address) {
    std::optional<std::uint32_t> scope;
    if (!read_into(scope)) return false;
    if (!address) address = ip_address{ip_family::ipv6, {}, 0};
    address->scope_id = *scope;
    return true;
  }
  bool read_port(std::uint16_t& port) {
    std::optional<std::uint16_t> value;
    if (!read_into(value)) return false;
    port = *value;
    return true;
  }
  bool read_flag(bool& flag) {
    std::optional<bool> value;
    if (!read_into(value)) return false;
    flag = *value;
    return true;
  }

  bool read_field() {
    connection_record& r = out_.record;
    record_delta& d = out_.delta;
    switch (number_) {
      case 1: return read_address(r.local_address);
      case 2: return read_address(r.remote_address);
      case 3: return read_port(r.local_port);
      case 4: return read_port(r.remote_port);
      case 5: {  // ip_version: implied by the address length
        std::optional<std::uint8_t> version;
        if (!read_into(version)) return false;
        return *version == 1 || *version == 2 ? true : bad("unknown IpVersion");
      }
      case 7: {
        std::optional<std::uint8_t> state;
        if (!read_into(state)) return false;
        if (*state > tcp_state_count) return bad("unknown TcpState");
        if (*state == 0) {
          r.state.reset();
        } else {
          r.state = static_cast<tcp_state>(*state - 1);
        }
        return true;
      }
      case 75: return read_into(r.connection_age_ms);
      case 78: return read_sources();
      case 81: return read_flag(r.user_space_flow);
      case 82: return read_scope(r.local_address);
      case 83: return read_scope(r.remote_address);
      case 187: return read_flag(d.closed);
      case 6: return read_into(r.socket_id);
      case 8: return read_into(r.tcp_flags);
      case 9: return read_into(r.snd_cwnd);
      case 10: return read_into(r.snd_ssthresh);
      case 11: return read_into(r.snd_wnd);
      case 12: return read_into(r.rcv_wnd);
      case 13: return read_into(r.maxseg);
      case 14: return read_into(r.cc_algo);
      case 15: return read_into(r.tcp_stack);
      case 16: return read_into(r.rtt_us);
      case 17: return read_into(r.rttvar_us);
      case 18: return read_into(r.rto_us);
      case 19: return read_into(r.rtt_min_us);
      case 21: return read_into(r.rtt_update_count);
      case 22: return read_into(r.snd_nxt);
      case 23: return read_into(r.snd_una);
      case 24: return read_into(r.snd_max);
      case 25: return read_into(r.rcv_nxt);
      case 26: return read_into(r.rcv_adv);
      case 27: return read_into(r.snd_wscale);
      case 28: return read_into(r.rcv_wscale);
      case 29: return read_into(r.rexmit_packets);
      case 30: return read_into(r.ooo_packets);
      case 31: return read_into(r.zerowin_probes);
      case 32: return read_into(r.dupacks);
      case 34: return read_into(r.dsack_bytes);
      case 35: return read_into(r.dsack_packets);
      case 36: return read_into(r.rxt_shift);
      case 37: return read_into(r.tx_bytes);
      case 38: return read_into(r.rx_bytes);
      case 39: return read_into(r.tx_packets);
      case 40: return read_into(r.rx_packets);
      case 44: return read_into(r.timer_rexmt_ms);
      case 45: return read_into(r.timer_persist_ms);
      case 46: return read_into(r.timer_keep_ms);
      case 47: return read_into(r.timer_2msl_ms);
      case 48: return read_into(r.timer_delack_ms);
      case 49: return read_into(r.idle_time_ms);
      case 50: return read_into(r.snd_buf_used);
      case 51: return read_into(r.snd_buf_hiwat);
      case 52: return read_into(r.rcv_buf_used);
      case 53: return read_into(r.rcv_buf_hiwat);
      case 54: return read_into(r.pid);
      case 55: return read_into(r.effective_pid);
      case 56: return read_into(r.uid);
      case 57: return read_into(r.fd);
      case 58: return read_into(r.command);
      case 59: return read_into(r.ecn_flags);
      case 69: return read_into(r.encaps_port);
      case 70: return read_into(r.inp_gencnt);
      case 72: return read_into(d.rexmit_packets);
      case 73: return read_into(d.ooo_packets);
      case 74: return read_into(d.zerowin_probes);
      case 76: return read_into(d.tx_bytes);
      case 77: return read_into(d.rx_bytes);
      case 79: return read_into(r.kernel_state);
      case 80: return read_into(r.dual_stack);
      case 84: return read_into(r.listen_queue_len);
      case 85: return read_into(r.listen_queue_limit);
      case 100: return read_into(r.ca_state);
      case 101: return read_into(r.retransmits);
      case 102: return read_into(r.probes);
      case 103: return read_into(r.backoff);
      case 104: return read_into(r.options);
      case 105: return read_into(r.ato_us);
      case 106: return read_into(r.snd_mss);
      case 107: return read_into(r.rcv_mss);
      case 108: return read_into(r.unacked);
      case 109: return read_into(r.sacked);
      case 110: return read_into(r.lost);
      case 111: return read_into(r.retrans);
      case 112: return read_into(r.fackets);
      case 113: return read_into(r.last_data_sent_ms);
      case 114: return read_into(r.last_data_recv_ms);
      case 115: return read_into(r.last_ack_recv_ms);
      case 116: return read_into(r.pmtu);
      case 117: return read_into(r.rcv_ssthresh);
      case 118: return read_into(r.snd_cwnd_segments);
      case 119: return read_into(r.snd_ssthresh_segments);
      case 120: return read_into(r.advmss);
      case 121: return read_into(r.reordering);
      case 122: return read_into(r.rcv_rtt_us);
      case 123: return read_into(r.rcv_space);
      case 124: return read_into(r.total_retrans);
      case 125: return read_into(r.pacing_rate_bytes_per_sec);
      case 126: return read_into(r.max_pacing_rate_bytes_per_sec);
      case 127: return read_into(r.bytes_acked);
      case 128: return read_into(r.bytes_received);
      case 129: return read_into(r.segs_out);
      case 130: return read_into(r.segs_in);
      case 131: return read_into(r.notsent_bytes);
      case 132: return read_into(r.data_segs_in);
      case 133: return read_into(r.data_segs_out);
      case 134: return read_into(r.delivery_rate_bytes_per_sec);
      case 135: return read_into(r.busy_time_us);
      case 136: return read_into(r.rwnd_limited_us);
      case 137: return read_into(r.sndbuf_limited_us);
      case 138: return read_into(r.delivered);
      case 139: return read_into(r.delivered_ce);
      case 140: return read_into(r.bytes_sent);
      case 141: return read_into(r.bytes_retrans);
      case 142: return read_into(r.dsack_dups);
      case 143: return read_into(r.reord_seen);
      case 144: return read_into(r.rcv_ooopack);
      case 145: return read_into(r.rehash);
      case 146: return read_into(r.total_rto);
      case 147: return read_into(r.total_rto_recoveries);
      case 148: return read_into(r.total_rto_time_ms);
      case 149: return read_into(r.delivery_rate_app_limited);
      case 150: return read_into(r.fastopen_client_fail);
      case 151: return read_into(r.inode);
      case 152: return read_into(r.interface_index);
      case 153: return read_into(r.timer);
      case 154: return read_into(r.timer_expires_ms);
      case 155: return read_into(r.timer_retransmits);
      case 156: return read_into(r.shutdown);
      case 157: return read_into(r.tos);
      case 158: return read_into(r.tclass);
      case 159: return read_into(r.mark);
      case 160: return read_into(r.cgroup_id);
      case 161: return read_into(r.v6only);
      case 162: return read_into(r.skmem_rmem_alloc);
      case 163: return read_into(r.skmem_rcvbuf);
      case 164: return read_into(r.skmem_wmem_alloc);
      case 165: return read_into(r.skmem_sndbuf);
      case 166: return read_into(r.skmem_fwd_alloc);
      case 167: return read_into(r.skmem_wmem_queued);
      case 168: return read_into(r.skmem_optmem);
      case 169: return read_into(r.skmem_backlog);
      case 170: return read_into(r.skmem_drops);
      case 171: return read_into(r.bbr_bw_bytes_per_sec);
      case 172: return read_into(r.bbr_min_rtt_us);
      case 173: return read_into(r.bbr_pacing_gain);
      case 174: return read_into(r.bbr_cwnd_gain);
      case 175: return read_into(r.sockopt);
      case 176: return read_into(d.bytes_acked);
      case 177: return read_into(d.bytes_received);
      case 178: return read_into(d.bytes_retrans);
      case 179: return read_into(d.total_retrans);
      case 180: return read_into(d.segs_out);
      case 181: return read_into(d.segs_in);
      case 182: return read_into(d.lost);
      case 183: return read_into(d.tx_bytes_per_sec);
      case 184: return read_into(d.rx_bytes_per_sec);
      case 185: return read_into(d.retransmits_per_sec);
      case 186: return read_into(d.retransmitted_bytes_per_sec);
      case 33: return read_into(r.sack_blocks);
      case 60: return read_into(r.ecn_ce_delivered);
      case 61: return read_into(r.ecn_ce_received);
      case 62: return read_into(r.negotiated_options);
      case 67: return read_into(r.tlp_probes_sent);
      case 68: return read_into(r.tlp_bytes_sent);
      case 200: return read_into(r.dsack_tlp_bytes);
      case 201: return read_into(r.fib);
      case 202: return read_into(r.listen_queue_incomplete);
      case 203: return read_into(r.so_options);
      case 204: return read_into(r.so_state);
      case 205: return read_into(r.inp_flags);
      case 206: return read_into(r.inp_flags2);
      case 207: return read_into(r.syncache_entry);
      default: return bad("field number not in TcpSocketRecord");
    }
  }

  bool read_sources() {
    if (type_ == varint) {  // unpacked: one value
      std::uint64_t value = 0;
      if (!read_varint(value)) return bad("truncated varint");
      return add_source(value);
    }
    std::span<const char> body;
    if (!read_length_delimited(body)) return false;
    field_reader inner(body, out_);
    while (inner.at_ < body.size()) {
      std::uint64_t value = 0;
      if (!inner.read_varint(value)) return bad("truncated packed DataSource");
      if (!add_source(value)) return false;
    }
    return true;
  }
  bool add_source(std::uint64_t value) {
    if (value == 0 || value > 0xff) return bad("unknown DataSource");
    out_.sources.push_back(static_cast<data_source>(value));
    return true;
  }

  std::span<const char> bytes_;
  decoded_record& out_;
  std::size_t at_ = 0;
  std::size_t field_start_ = 0;
  std::uint64_t number_ = 0;
  unsigned type_ = 0;
  const char* problem_ = "";
};

}  // namespace

bool decode_record(std::span<const char> bytes, decoded_record& out, std::string& error) {
  out.record = {};
  out.delta = {};
  out.sources.clear();
  field_reader reader(bytes, out);
  return reader.run(error);
}

}  // namespace tcpstats::reader
