#pragma once
// Views of the records of a FreeBSD net.inet.tcp.pcblist buffer: the
// xinpgen header and trailer, and one struct xtcpcb per connection (its
// xinpcb and xsocket nested inside). Accessors keep the kernel's names, read
// through the layout of the release the caller named (see release.hpp), and
// return host-order values unless they say network order.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "tcpstats/bytes.hpp"
#include "tcpstats/freebsd/layouts.hpp"
#include "tcpstats/layout_field.hpp"
#include "tcpstats/layout_view.hpp"

namespace tcpstats::freebsd {

// The list header (and, with the same layout, trailer): struct xinpgen,
// the same in every release (the newest table reads it).
class xinpgen_view : public tcpstats::detail::layout_view<layouts::xinpgen_layout, layouts::xinpgen> {
  using L = layouts::xinpgen_layout;

 public:
  static constexpr std::size_t size = 64;

  constexpr xinpgen_view() noexcept = default;
  // Precondition: bytes.size() >= size.
  constexpr xinpgen_view(std::span<const std::byte> bytes, std::size_t offset) noexcept
      : layout_view(bytes, offset, layouts::xinpgen.back()) {}

  [[nodiscard]] constexpr std::uint64_t xig_len() const noexcept { return get<std::uint64_t, &L::xig_len>(); }
  // An estimate taken before the copy: records can be fewer (jails, other
  // users' sockets) or more (the syncache is counted separately).
  [[nodiscard]] constexpr std::uint32_t xig_count() const noexcept { return get<std::uint32_t, &L::xig_count>(); }
  // The PCB generation: header and trailer differ when the list changed
  // during the copy.
  [[nodiscard]] constexpr std::uint64_t xig_gen() const noexcept { return get<std::uint64_t, &L::xig_gen>(); }
  [[nodiscard]] constexpr std::uint64_t xig_sogen() const noexcept { return get<std::uint64_t, &L::xig_sogen>(); }
};
// Every release's struct xinpgen is the one the newest table describes.
static_assert([] {
  const auto same = [](field a, field b) { return a.offset == b.offset && a.size == b.size; };
  const auto& n = layouts::xinpgen.back();
  for (const auto& t : layouts::xinpgen) {
    if (t.size != xinpgen_view::size || !same(t.xig_len, n.xig_len) || !same(t.xig_count, n.xig_count) ||
        !same(t.xig_gen, n.xig_gen) || !same(t.xig_sogen, n.xig_sogen)) {
      return false;
    }
  }
  return true;
}());

// One struct xtcpcb (744 bytes in every release), read with the layout of
// the release the walker was given (the reading machinery is
// tcpstats::detail::layout_view, shared with the macOS views). Views do
// not own the buffer: they are valid while the walked buffer is. Fields a
// release does not have come back empty (std::optional).
class xtcpcb_view : public tcpstats::detail::layout_view<layouts::xtcpcb_layout, layouts::xtcpcb> {
  using layout_type = layouts::xtcpcb_layout;

 public:
  static constexpr std::size_t size = 744;

  constexpr xtcpcb_view() noexcept = default;
  // Precondition (the walker's check): bytes.size() == size.
  constexpr xtcpcb_view(std::span<const std::byte> bytes, std::size_t offset, const layout_type& layout) noexcept
      : layout_view(bytes, offset, layout) {}

  // Syncache entries (SYN_RECEIVED, no PCB yet) have xi_len == 0.
  [[nodiscard]] constexpr bool is_syncache_entry() const noexcept { return xi_len() == 0; }
  // False for syncache entries and for 12/13 TIME_WAIT records, whose
  // socket part is zero apart from xso_protocol.
  [[nodiscard]] constexpr bool has_socket() const noexcept { return xso_so() != 0; }

  [[nodiscard]] constexpr std::uint64_t xt_len() const noexcept { return get<std::uint64_t, &layout_type::xt_len>(); }
  [[nodiscard]] constexpr std::uint64_t xi_len() const noexcept { return get<std::uint64_t, &layout_type::xi_len>(); }

  // struct xsocket
  [[nodiscard]] constexpr std::uint64_t xso_len() const noexcept { return get<std::uint64_t, &layout_type::xso_len>(); }
  // Kernel address of the socket: the join key with kern.file's xf_data.
  [[nodiscard]] constexpr std::uint64_t xso_so() const noexcept { return get<std::uint64_t, &layout_type::xso_so>(); }
  [[nodiscard]] constexpr std::uint64_t so_pcb() const noexcept { return get<std::uint64_t, &layout_type::so_pcb>(); }
  [[nodiscard]] constexpr std::int32_t xso_protocol() const noexcept { return get<std::int32_t, &layout_type::xso_protocol>(); }
  // 2 AF_INET, 28 AF_INET6, 0 without a socket.
  [[nodiscard]] constexpr std::int32_t xso_family() const noexcept { return get<std::int32_t, &layout_type::xso_family>(); }
  [[nodiscard]] constexpr std::uint32_t so_qlen() const noexcept { return get<std::uint32_t, &layout_type::so_qlen>(); }
  [[nodiscard]] constexpr std::uint32_t so_incqlen() const noexcept { return get<std::uint32_t, &layout_type::so_incqlen>(); }
  [[nodiscard]] constexpr std::uint32_t so_qlimit() const noexcept { return get<std::uint32_t, &layout_type::so_qlimit>(); }
  [[nodiscard]] constexpr std::int32_t so_pgid() const noexcept { return get<std::int32_t, &layout_type::so_pgid>(); }
  [[nodiscard]] constexpr std::uint32_t so_uid() const noexcept { return get<std::uint32_t, &layout_type::so_uid>(); }
  [[nodiscard]] constexpr std::int16_t so_type() const noexcept { return get<std::int16_t, &layout_type::so_type>(); }
  [[nodiscard]] constexpr std::uint16_t so_options() const noexcept { return get<std::uint16_t, &layout_type::so_options>(); }
  [[nodiscard]] constexpr std::uint16_t so_state() const noexcept { return get<std::uint16_t, &layout_type::so_state>(); }
  // Socket buffers: bytes queued (sb_cc) and size (sb_hiwat).
  [[nodiscard]] constexpr std::uint32_t so_rcv_sb_cc() const noexcept { return get<std::uint32_t, &layout_type::so_rcv_sb_cc>(); }
  [[nodiscard]] constexpr std::uint32_t so_rcv_sb_hiwat() const noexcept { return get<std::uint32_t, &layout_type::so_rcv_sb_hiwat>(); }
  [[nodiscard]] constexpr std::uint32_t so_snd_sb_cc() const noexcept { return get<std::uint32_t, &layout_type::so_snd_sb_cc>(); }
  [[nodiscard]] constexpr std::uint32_t so_snd_sb_hiwat() const noexcept { return get<std::uint32_t, &layout_type::so_snd_sb_hiwat>(); }

  // struct xinpcb and its in_conninfo
  [[nodiscard]] constexpr std::uint8_t inc_flags() const noexcept { return get<std::uint8_t, &layout_type::inc_flags>(); }
  [[nodiscard]] constexpr std::uint16_t inc_fibnum() const noexcept { return get<std::uint16_t, &layout_type::inc_fibnum>(); }
  // Ports, converted from network order.
  [[nodiscard]] constexpr std::uint16_t ie_fport() const noexcept { return get_be<std::uint16_t, &layout_type::ie_fport>(); }
  [[nodiscard]] constexpr std::uint16_t ie_lport() const noexcept { return get_be<std::uint16_t, &layout_type::ie_lport>(); }
  // Addresses, network order: the 16-byte IPv6 field; IPv4 is its last 4 bytes.
  [[nodiscard]] constexpr std::array<std::uint8_t, 16> ie_faddr6() const noexcept {
    return get_bytes<16, &layout_type::ie_dependfaddr_id6_addr>();
  }
  [[nodiscard]] constexpr std::array<std::uint8_t, 16> ie_laddr6() const noexcept {
    return get_bytes<16, &layout_type::ie_dependladdr_id6_addr>();
  }
  [[nodiscard]] constexpr std::array<std::uint8_t, 4> ie_faddr4() const noexcept {
    return get_bytes<4, &layout_type::ie_dependfaddr_id46_addr_ia46_addr4>();
  }
  [[nodiscard]] constexpr std::array<std::uint8_t, 4> ie_laddr4() const noexcept {
    return get_bytes<4, &layout_type::ie_dependladdr_id46_addr_ia46_addr4>();
  }
  // The zone of the connection's scoped IPv6 address(es); 0 = none.
  [[nodiscard]] constexpr std::uint32_t ie6_zoneid() const noexcept { return get<std::uint32_t, &layout_type::ie6_zoneid>(); }
  [[nodiscard]] constexpr std::uint64_t inp_gencnt() const noexcept { return get<std::uint64_t, &layout_type::inp_gencnt>(); }
  [[nodiscard]] constexpr std::uint32_t inp_flags() const noexcept { return get<std::uint32_t, &layout_type::inp_flags>(); }
  [[nodiscard]] constexpr std::uint32_t inp_flags2() const noexcept { return get<std::uint32_t, &layout_type::inp_flags2>(); }
  // 0x1 INP_IPV4, 0x2 INP_IPV6 (both: an IPv6 socket also carrying IPv4).
  [[nodiscard]] constexpr std::uint8_t inp_vflag() const noexcept { return get<std::uint8_t, &layout_type::inp_vflag>(); }

  // tcpcb. Names of the TCP stack and the congestion control, NUL-padded in
  // the record and bounded by their fields here.
  [[nodiscard]] std::string_view xt_stack() const noexcept {
    static_assert(tcpstats::detail::field_is(layouts::xtcpcb, &layout_type::xt_stack, 32, true));
    return *get_padded_string<&layout_type::xt_stack>();
  }
  [[nodiscard]] std::optional<std::string_view> xt_cc() const noexcept {  // 13+
    return get_padded_string<&layout_type::xt_cc>();
  }
  [[nodiscard]] constexpr std::int32_t t_state() const noexcept { return get<std::int32_t, &layout_type::t_state>(); }
  [[nodiscard]] constexpr std::size_t t_state_offset() const noexcept { return offset() + layout().t_state.offset; }
  [[nodiscard]] constexpr std::uint32_t t_flags() const noexcept { return get<std::uint32_t, &layout_type::t_flags>(); }
  [[nodiscard]] constexpr std::uint32_t t_sndzerowin() const noexcept { return get<std::uint32_t, &layout_type::t_sndzerowin>(); }
  [[nodiscard]] constexpr std::uint32_t t_sndrexmitpack() const noexcept { return get<std::uint32_t, &layout_type::t_sndrexmitpack>(); }
  [[nodiscard]] constexpr std::uint32_t t_rcvoopack() const noexcept { return get<std::uint32_t, &layout_type::t_rcvoopack>(); }
  // Milliseconds since the last segment was received.
  [[nodiscard]] constexpr std::uint32_t t_rcvtime() const noexcept { return get<std::uint32_t, &layout_type::t_rcvtime>(); }
  // Timers: milliseconds until they fire, 0 when not armed.
  [[nodiscard]] constexpr std::int32_t tt_rexmt() const noexcept { return get<std::int32_t, &layout_type::tt_rexmt>(); }
  [[nodiscard]] constexpr std::int32_t tt_persist() const noexcept { return get<std::int32_t, &layout_type::tt_persist>(); }
  [[nodiscard]] constexpr std::int32_t tt_keep() const noexcept { return get<std::int32_t, &layout_type::tt_keep>(); }
  [[nodiscard]] constexpr std::int32_t tt_2msl() const noexcept { return get<std::int32_t, &layout_type::tt_2msl>(); }
  [[nodiscard]] constexpr std::int32_t tt_delack() const noexcept { return get<std::int32_t, &layout_type::tt_delack>(); }
  [[nodiscard]] constexpr std::int32_t t_logstate() const noexcept { return get<std::int32_t, &layout_type::t_logstate>(); }
  // 13+: windows and segment size in bytes (windows already unscaled).
  [[nodiscard]] constexpr std::optional<std::uint32_t> t_snd_cwnd() const noexcept { return get_optional<std::uint32_t, &layout_type::t_snd_cwnd>(); }
  [[nodiscard]] constexpr std::optional<std::uint32_t> t_snd_ssthresh() const noexcept { return get_optional<std::uint32_t, &layout_type::t_snd_ssthresh>(); }
  [[nodiscard]] constexpr std::optional<std::uint32_t> t_maxseg() const noexcept { return get_optional<std::uint32_t, &layout_type::t_maxseg>(); }
  [[nodiscard]] constexpr std::optional<std::uint32_t> t_rcv_wnd() const noexcept { return get_optional<std::uint32_t, &layout_type::t_rcv_wnd>(); }
  [[nodiscard]] constexpr std::optional<std::uint32_t> t_snd_wnd() const noexcept { return get_optional<std::uint32_t, &layout_type::t_snd_wnd>(); }
  // 13+: 0 off, 1 ECN, 2 Accurate ECN.
  [[nodiscard]] constexpr std::optional<std::uint32_t> xt_ecn() const noexcept { return get_optional<std::uint32_t, &layout_type::xt_ecn>(); }
  // 14+: D-SACK counters.
  [[nodiscard]] constexpr std::optional<std::uint32_t> t_dsack_bytes() const noexcept { return get_optional<std::uint32_t, &layout_type::t_dsack_bytes>(); }
  [[nodiscard]] constexpr std::optional<std::uint32_t> t_dsack_tlp_bytes() const noexcept { return get_optional<std::uint32_t, &layout_type::t_dsack_tlp_bytes>(); }
  [[nodiscard]] constexpr std::optional<std::uint32_t> t_dsack_pack() const noexcept { return get_optional<std::uint32_t, &layout_type::t_dsack_pack>(); }
  // 13+: UDP encapsulation port, converted from network order (at 640 on
  // 13, 652 on 14+).
  [[nodiscard]] constexpr std::optional<std::uint16_t> xt_encaps_port() const noexcept {
    return get_optional_be<std::uint16_t, &layout_type::xt_encaps_port>();
  }

};

// Every release's struct xtcpcb has the size the walker requires.
static_assert([] {
  for (const auto& t : layouts::xtcpcb) {
    if (t.size != xtcpcb_view::size) return false;
  }
  return true;
}());

}  // namespace tcpstats::freebsd
