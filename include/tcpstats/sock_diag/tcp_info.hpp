#pragma once
// struct tcp_info (<linux/tcp.h>) as sock_diag's INET_DIAG_INFO carries it.
// Its length grew with kernel releases (104 bytes in 2.6, 232 in 5.x, 280
// in 6.18): a field past the received length is absent; bytes past the
// fields known here are ignored. Offsets are the x86_64/arm64 layout; a
// Linux-only test checks them against the system's <linux/tcp.h>.
//
// Contract: a tcp_info_view accepts bytes of any length and points into
// them (valid while they are); fields are little-endian and read only when
// they lie inside the bytes, so an accessor is empty for a field a shorter
// (older) tcp_info lacks. Units are the kernel's: µs for RTTs and times,
// bytes or segments as each field's name in <linux/tcp.h> says.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "tcpstats/bytes.hpp"
#include "tcpstats/layout_field.hpp"

namespace tcpstats::sock_diag {

namespace tcp_info_offsets {
inline constexpr field tcpi_state{0, 1};
inline constexpr field tcpi_ca_state{1, 1};
inline constexpr field tcpi_retransmits{2, 1};
inline constexpr field tcpi_probes{3, 1};
inline constexpr field tcpi_backoff{4, 1};
inline constexpr field tcpi_options{5, 1};
inline constexpr field tcpi_wscales{6, 1};      // snd_wscale:4 (low), rcv_wscale:4 (high)
inline constexpr field tcpi_rate_flags{7, 1};   // delivery_rate_app_limited:1, fastopen_client_fail:2
inline constexpr field tcpi_rto{8, 4};
inline constexpr field tcpi_ato{12, 4};
inline constexpr field tcpi_snd_mss{16, 4};
inline constexpr field tcpi_rcv_mss{20, 4};
inline constexpr field tcpi_unacked{24, 4};
inline constexpr field tcpi_sacked{28, 4};
inline constexpr field tcpi_lost{32, 4};
inline constexpr field tcpi_retrans{36, 4};
inline constexpr field tcpi_fackets{40, 4};
inline constexpr field tcpi_last_data_sent{44, 4};
inline constexpr field tcpi_last_ack_sent{48, 4};
inline constexpr field tcpi_last_data_recv{52, 4};
inline constexpr field tcpi_last_ack_recv{56, 4};
inline constexpr field tcpi_pmtu{60, 4};
inline constexpr field tcpi_rcv_ssthresh{64, 4};
inline constexpr field tcpi_rtt{68, 4};
inline constexpr field tcpi_rttvar{72, 4};
inline constexpr field tcpi_snd_ssthresh{76, 4};
inline constexpr field tcpi_snd_cwnd{80, 4};
inline constexpr field tcpi_advmss{84, 4};
inline constexpr field tcpi_reordering{88, 4};
inline constexpr field tcpi_rcv_rtt{92, 4};
inline constexpr field tcpi_rcv_space{96, 4};
inline constexpr field tcpi_total_retrans{100, 4};
inline constexpr field tcpi_pacing_rate{104, 8};
inline constexpr field tcpi_max_pacing_rate{112, 8};
inline constexpr field tcpi_bytes_acked{120, 8};
inline constexpr field tcpi_bytes_received{128, 8};
inline constexpr field tcpi_segs_out{136, 4};
inline constexpr field tcpi_segs_in{140, 4};
inline constexpr field tcpi_notsent_bytes{144, 4};
inline constexpr field tcpi_min_rtt{148, 4};
inline constexpr field tcpi_data_segs_in{152, 4};
inline constexpr field tcpi_data_segs_out{156, 4};
inline constexpr field tcpi_delivery_rate{160, 8};
inline constexpr field tcpi_busy_time{168, 8};
inline constexpr field tcpi_rwnd_limited{176, 8};
inline constexpr field tcpi_sndbuf_limited{184, 8};
inline constexpr field tcpi_delivered{192, 4};
inline constexpr field tcpi_delivered_ce{196, 4};
inline constexpr field tcpi_bytes_sent{200, 8};
inline constexpr field tcpi_bytes_retrans{208, 8};
inline constexpr field tcpi_dsack_dups{216, 4};
inline constexpr field tcpi_reord_seen{220, 4};
inline constexpr field tcpi_rcv_ooopack{224, 4};
inline constexpr field tcpi_snd_wnd{228, 4};
inline constexpr field tcpi_rcv_wnd{232, 4};             // Linux 6.2+
inline constexpr field tcpi_rehash{236, 4};              // 6.2+
inline constexpr field tcpi_total_rto{240, 2};           // 6.7+
inline constexpr field tcpi_total_rto_recoveries{242, 2};
inline constexpr field tcpi_total_rto_time{244, 4};
// The largest length decoded here; later members are ignored.
inline constexpr std::size_t known_size = 248;
}  // namespace tcp_info_offsets

// A view of a tcp_info of any length. Every accessor is empty when the
// field lies past the bytes the kernel sent. A view of a fixed extent (at
// least known_size bytes) has every field, which lets the compiler drop
// each bounds check.
template <std::size_t Extent = std::dynamic_extent>
class basic_tcp_info_view {
 public:
  constexpr explicit basic_tcp_info_view(std::span<const std::byte, Extent> bytes) noexcept : bytes_(bytes) {}

  [[nodiscard]] constexpr std::size_t size() const noexcept { return bytes_.size(); }

  template <class T>
  [[nodiscard]] constexpr std::optional<T> get(field f) const noexcept {
    static_assert(std::is_integral_v<T>);
    if (f.size != sizeof(T)) return std::nullopt;
    return load_le<T>(bytes_, f.offset);
  }
  [[nodiscard]] constexpr std::optional<std::uint8_t> u8(field f) const noexcept { return get<std::uint8_t>(f); }
  [[nodiscard]] constexpr std::optional<std::uint16_t> u16(field f) const noexcept { return get<std::uint16_t>(f); }
  [[nodiscard]] constexpr std::optional<std::uint32_t> u32(field f) const noexcept { return get<std::uint32_t>(f); }
  [[nodiscard]] constexpr std::optional<std::uint64_t> u64(field f) const noexcept { return get<std::uint64_t>(f); }

  [[nodiscard]] constexpr std::optional<std::uint8_t> snd_wscale() const noexcept {
    const auto b = u8(tcp_info_offsets::tcpi_wscales);
    return b ? std::optional<std::uint8_t>(*b & 0x0fu) : std::nullopt;
  }
  [[nodiscard]] constexpr std::optional<std::uint8_t> rcv_wscale() const noexcept {
    const auto b = u8(tcp_info_offsets::tcpi_wscales);
    return b ? std::optional<std::uint8_t>(*b >> 4) : std::nullopt;
  }
  [[nodiscard]] constexpr std::optional<bool> delivery_rate_app_limited() const noexcept {
    const auto b = u8(tcp_info_offsets::tcpi_rate_flags);
    return b ? std::optional<bool>((*b & 0x1u) != 0) : std::nullopt;
  }
  [[nodiscard]] constexpr std::optional<std::uint8_t> fastopen_client_fail() const noexcept {
    const auto b = u8(tcp_info_offsets::tcpi_rate_flags);
    return b ? std::optional<std::uint8_t>((*b >> 1) & 0x3u) : std::nullopt;
  }

 private:
  std::span<const std::byte, Extent> bytes_;
};

using tcp_info_view = basic_tcp_info_view<>;

}  // namespace tcpstats::sock_diag
