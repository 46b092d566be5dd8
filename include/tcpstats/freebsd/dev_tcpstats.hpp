#pragma once
// Records of /dev/tcpstats, the device the original design's FreeBSD kernel
// module creates: a read returns fixed 320-byte packed records (format
// version 1), one per socket, in host order except where noted. Unlike
// pcblist they carry RTT, RTO and sequence numbers. docs/freebsd.md
// ("/dev/tcpstats") gives the units.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "tcpstats/bytes.hpp"
#include "tcpstats/connection_record.hpp"
#include "tcpstats/error.hpp"
#include "tcpstats/ip_address.hpp"
#include "tcpstats/layout_field.hpp"
#include "tcpstats/tcp_state.hpp"

namespace tcpstats::freebsd {

namespace tsr {
// Offsets and sizes in struct tcpstats_record, version 1.
inline constexpr std::uint32_t version = 1;
inline constexpr std::size_t size = 320;
inline constexpr field tsr_version{0, 4}, tsr_len{4, 4}, tsr_flags{8, 4}, tsr_af{16, 1};
inline constexpr field tsr_local_port{20, 2}, tsr_remote_port{22, 2}, tsr_local_addr{24, 16}, tsr_remote_addr{40, 16};
inline constexpr field tsr_state{56, 4}, tsr_flags_tcp{60, 4}, tsr_snd_cwnd{64, 4}, tsr_snd_ssthresh{68, 4};
inline constexpr field tsr_snd_wnd{72, 4}, tsr_rcv_wnd{76, 4}, tsr_maxseg{80, 4}, tsr_cc{84, 16}, tsr_stack{100, 16};
inline constexpr field tsr_rtt{116, 4}, tsr_rttvar{120, 4}, tsr_rto{124, 4}, tsr_rttmin{128, 4};
inline constexpr field tsr_snd_wscale{132, 1}, tsr_rcv_wscale{133, 1}, tsr_options{134, 1};
inline constexpr field tsr_snd_nxt{136, 4}, tsr_snd_una{140, 4}, tsr_snd_max{144, 4}, tsr_rcv_nxt{148, 4};
inline constexpr field tsr_rcv_adv{152, 4}, tsr_snd_rexmitpack{156, 4}, tsr_rcv_ooopack{160, 4};
inline constexpr field tsr_snd_zerowin{164, 4}, tsr_dupacks{168, 4}, tsr_rcv_numsacks{172, 4}, tsr_ecn{176, 4};
inline constexpr field tsr_delivered_ce{180, 4}, tsr_received_ce{184, 4}, tsr_dsack_bytes{188, 4};
inline constexpr field tsr_dsack_pack{192, 4}, tsr_total_tlp{196, 4}, tsr_total_tlp_bytes{200, 8};
inline constexpr field tsr_tt_rexmt{208, 4}, tsr_tt_persist{212, 4}, tsr_tt_keep{216, 4}, tsr_tt_2msl{220, 4};
inline constexpr field tsr_tt_delack{224, 4}, tsr_rcvtime{228, 4}, tsr_snd_buf_cc{232, 4};
inline constexpr field tsr_snd_buf_hiwat{236, 4}, tsr_rcv_buf_cc{240, 4}, tsr_rcv_buf_hiwat{244, 4};
inline constexpr field tsr_so_addr{248, 8}, tsr_uid{256, 4}, tsr_inp_gencnt{260, 8};
static_assert(tsr_inp_gencnt.end() <= size);

// tsr_flags bits.
inline constexpr std::uint32_t flag_ipv6 = 0x1, flag_listen = 0x2, flag_syncache = 0x4;
}  // namespace tsr

// One record. Valid while the parsed buffer is.
class tcpstats_record_view {
 public:
  constexpr tcpstats_record_view() noexcept = default;
  // Precondition: bytes.size() == tsr::size.
  constexpr tcpstats_record_view(std::span<const std::byte> bytes, std::size_t offset) noexcept
      : bytes_(bytes), offset_(offset) {}

  [[nodiscard]] constexpr std::size_t offset() const noexcept { return offset_; }
  // Any field of the record by its table entry, little-endian.
  template <class T>
  [[nodiscard]] constexpr T get(field f) const noexcept {
    return tcpstats::detail::load_le_unchecked<T>(bytes_.data() + f.offset);
  }
  [[nodiscard]] constexpr std::uint32_t tsr_flags() const noexcept { return get<std::uint32_t>(tsr::tsr_flags); }
  [[nodiscard]] constexpr std::uint8_t tsr_af() const noexcept { return get<std::uint8_t>(tsr::tsr_af); }
  [[nodiscard]] constexpr std::int32_t tsr_state() const noexcept { return get<std::int32_t>(tsr::tsr_state); }
  [[nodiscard]] constexpr std::uint64_t tsr_so_addr() const noexcept { return get<std::uint64_t>(tsr::tsr_so_addr); }
  // A 16-byte address field, network order (IPv4 in its first 4 bytes).
  [[nodiscard]] constexpr std::array<std::uint8_t, 16> address(field f) const noexcept {
    std::array<std::uint8_t, 16> out{};
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(bytes_[f.offset + i]);
    return out;
  }
  // A NUL-padded name, bounded by its field.
  [[nodiscard]] std::string_view name(field f) const noexcept {
    const std::byte* chars = bytes_.data() + f.offset;
    std::size_t n = 0;
    while (n < f.size && chars[n] != std::byte{0}) ++n;
    return std::string_view(reinterpret_cast<const char*>(chars), n);
  }

 private:
  std::span<const std::byte> bytes_{};
  std::size_t offset_ = 0;
};

// A validated /dev/tcpstats read: whole records, each of version 1 and
// length 320. Random access.
class tcpstats_records {
 public:
  // Per record, in order: truncated_record if fewer than 8 bytes remain,
  // unsupported_version if tsr_version != 1, unexpected_length if tsr_len
  // != 320, truncated_record if the record runs past the end; each at the
  // record's offset. An empty read is an empty list.
  [[nodiscard]] static constexpr result<tcpstats_records> parse(std::span<const std::byte> buffer) noexcept {
    std::size_t pos = 0;
    while (pos < buffer.size()) {
      const std::size_t remaining = buffer.size() - pos;
      if (remaining < 8) return parse_error{errc::truncated_record, pos};
      const std::byte* at = buffer.data() + pos;
      if (tcpstats::detail::load_le_unchecked<std::uint32_t>(at) != tsr::version) {
        return parse_error{errc::unsupported_version, pos};
      }
      if (tcpstats::detail::load_le_unchecked<std::uint32_t>(at + 4) != tsr::size) {
        return parse_error{errc::unexpected_length, pos};
      }
      if (remaining < tsr::size) return parse_error{errc::truncated_record, pos};
      pos += tsr::size;
    }
    return tcpstats_records(buffer);
  }

  [[nodiscard]] constexpr std::size_t size() const noexcept { return buffer_.size() / tsr::size; }
  // Precondition: index < size().
  [[nodiscard]] constexpr tcpstats_record_view operator[](std::size_t index) const noexcept {
    const std::size_t at = index * tsr::size;
    return tcpstats_record_view(buffer_.subspan(at, tsr::size), at);
  }

 private:
  constexpr explicit tcpstats_records(std::span<const std::byte> buffer) noexcept : buffer_(buffer) {}
  std::span<const std::byte> buffer_;
};

// True when `bytes` start like a /dev/tcpstats read (version 1, length 320).
[[nodiscard]] constexpr bool looks_like_dev_tcpstats(std::span<const std::byte> bytes) noexcept {
  return load_le<std::uint32_t>(bytes, 0) == tsr::version && load_le<std::uint32_t>(bytes, 4) == tsr::size;
}

// Overwrites `out` with the record's values. Listening sockets and syncache
// entries carry identity only (addresses, ports, state, socket, uid); their
// other fields are left empty. tsr_rttmin is not used: its unit is not
// documented and FreeBSD's t_rttmin is an RTO floor, not an observed RTT.
inline void materialize(const tcpstats_record_view& r, connection_record& out) noexcept {
  out = empty_record;
  using namespace tsr;
  const std::uint32_t flags = r.tsr_flags();
  const auto local = r.address(tsr_local_addr);
  const auto remote = r.address(tsr_remote_addr);
  const auto make = [](const std::array<std::uint8_t, 16>& bytes, bool v6) {
    ip_address a;
    a.family = v6 ? ip_family::ipv6 : ip_family::ipv4;
    for (std::size_t i = 0; i < (v6 ? 16u : 4u); ++i) a.bytes[i] = bytes[i];
    return a;
  };
  if (r.tsr_af() == 2 || r.tsr_af() == 28) {
    out.local_address = make(local, r.tsr_af() == 28);
    out.remote_address = make(remote, r.tsr_af() == 28);
  }
  out.local_port = r.get<std::uint16_t>(tsr_local_port);
  out.remote_port = r.get<std::uint16_t>(tsr_remote_port);
  out.kernel_state = r.tsr_state();
  if (const auto state = tcp_state_from_bsd(r.tsr_state(), r.offset() + tsr_state.offset)) out.state = *state;
  if ((flags & flag_syncache) != 0) {
    out.syncache_entry = true;
    return;
  }
  if (r.tsr_so_addr() != 0) {
    out.socket_id = r.tsr_so_addr();
    out.uid = r.get<std::uint32_t>(tsr_uid);
  }
  out.inp_gencnt = r.get<std::uint64_t>(tsr_inp_gencnt);
  if ((flags & flag_listen) != 0) return;

  const auto u32 = [&r](field f) { return r.get<std::uint32_t>(f); };
  const auto timer = [&r](field f) -> std::optional<std::uint32_t> {
    const auto ms = r.get<std::int32_t>(f);  // 0: not running
    if (ms == 0) return std::nullopt;
    return ms < 0 ? 0u : static_cast<std::uint32_t>(ms);
  };
  const auto name = [&r](field f) -> std::optional<short_name> {
    const auto text = r.name(f);
    if (text.empty()) return std::nullopt;
    return short_name::from_untrusted(text);  // valid UTF-8 whatever the module wrote
  };
  out.tcp_flags = u32(tsr_flags_tcp);
  out.snd_cwnd = u32(tsr_snd_cwnd);
  out.snd_ssthresh = u32(tsr_snd_ssthresh);
  out.snd_wnd = u32(tsr_snd_wnd);
  out.rcv_wnd = u32(tsr_rcv_wnd);
  out.maxseg = u32(tsr_maxseg);
  out.cc_algo = name(tsr_cc);
  out.tcp_stack = name(tsr_stack);
  // No RTT sample yet: srtt and rttvar read 0.
  if (u32(tsr_rtt) != 0) {
    out.rtt_us = u32(tsr_rtt);
    out.rttvar_us = u32(tsr_rttvar);
  }
  out.rto_us = u32(tsr_rto);
  out.snd_wscale = r.get<std::uint8_t>(tsr_snd_wscale);
  out.rcv_wscale = r.get<std::uint8_t>(tsr_rcv_wscale);
  out.negotiated_options = r.get<std::uint8_t>(tsr_options);
  out.snd_nxt = u32(tsr_snd_nxt);
  out.snd_una = u32(tsr_snd_una);
  out.snd_max = u32(tsr_snd_max);
  out.rcv_nxt = u32(tsr_rcv_nxt);
  out.rcv_adv = u32(tsr_rcv_adv);
  out.rexmit_packets = u32(tsr_snd_rexmitpack);
  out.ooo_packets = u32(tsr_rcv_ooopack);
  out.zerowin_probes = u32(tsr_snd_zerowin);
  out.dupacks = u32(tsr_dupacks);
  out.sack_blocks = u32(tsr_rcv_numsacks);
  out.ecn_flags = u32(tsr_ecn);
  out.ecn_ce_delivered = u32(tsr_delivered_ce);
  out.ecn_ce_received = u32(tsr_received_ce);
  out.dsack_bytes = u32(tsr_dsack_bytes);
  out.dsack_packets = u32(tsr_dsack_pack);
  out.tlp_probes_sent = u32(tsr_total_tlp);
  out.tlp_bytes_sent = r.get<std::uint64_t>(tsr_total_tlp_bytes);
  out.timer_rexmt_ms = timer(tsr_tt_rexmt);
  out.timer_persist_ms = timer(tsr_tt_persist);
  out.timer_keep_ms = timer(tsr_tt_keep);
  out.timer_2msl_ms = timer(tsr_tt_2msl);
  out.timer_delack_ms = timer(tsr_tt_delack);
  out.idle_time_ms = u32(tsr_rcvtime);
  out.snd_buf_used = u32(tsr_snd_buf_cc);
  out.snd_buf_hiwat = u32(tsr_snd_buf_hiwat);
  out.rcv_buf_used = u32(tsr_rcv_buf_cc);
  out.rcv_buf_hiwat = u32(tsr_rcv_buf_hiwat);
}

}  // namespace tcpstats::freebsd
