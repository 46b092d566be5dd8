#pragma once
// struct inet_diag_msg (<linux/inet_diag.h>) and its attributes: a view of
// one SOCK_DIAG_BY_FAMILY message's payload, and an aligned walk over the
// rtattr list after it, every attribute length checked.
//
// Contract: views point into the walked buffer and are valid while it is.
// parse() needs a payload of at least 72 bytes (record_too_short otherwise);
// accessors then never read outside it. Ports are converted to host order,
// addresses stay in network order, every other field is the kernel's
// host-order (little-endian) value. Attribute errors are bad_attribute at
// the attribute's offset in the walked buffer.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "tcpstats/bytes.hpp"
#include "tcpstats/error.hpp"
#include "tcpstats/sock_diag/netlink.hpp"

namespace tcpstats::sock_diag {

inline constexpr std::size_t inet_diag_msg_size = 72;
inline constexpr std::uint8_t af_inet = 2;
inline constexpr std::uint8_t af_inet6 = 10;

// INET_DIAG_* attribute types.
namespace attr {
inline constexpr std::uint16_t meminfo = 1;
inline constexpr std::uint16_t info = 2;
inline constexpr std::uint16_t vegasinfo = 3;
inline constexpr std::uint16_t cong = 4;
inline constexpr std::uint16_t tos = 5;
inline constexpr std::uint16_t tclass = 6;
inline constexpr std::uint16_t skmeminfo = 7;
inline constexpr std::uint16_t shutdown = 8;
inline constexpr std::uint16_t dctcpinfo = 9;
inline constexpr std::uint16_t protocol = 10;
inline constexpr std::uint16_t skv6only = 11;
inline constexpr std::uint16_t mark = 15;
inline constexpr std::uint16_t bbrinfo = 16;
inline constexpr std::uint16_t class_id = 17;
inline constexpr std::uint16_t cgroup_id = 21;
inline constexpr std::uint16_t sockopt = 22;
}  // namespace attr

// One attribute: its type and payload (rta_len minus the 4-byte header).
struct attribute {
  std::uint16_t type;
  std::span<const std::byte> payload;
  std::size_t offset;  // of the rtattr header in the walked buffer
};

// struct inet_diag_msg. Ports and addresses are converted from network
// order where the accessor says so. `offset` is the payload's position in
// the walked buffer, for error reports.
class inet_diag_msg_view {
 public:
  // Checks that the payload holds an inet_diag_msg.
  [[nodiscard]] static constexpr result<inet_diag_msg_view> parse(std::span<const std::byte> payload,
                                                                  std::size_t offset) noexcept {
    if (payload.size() < inet_diag_msg_size) return parse_error{errc::record_too_short, offset};
    return inet_diag_msg_view(payload, offset);
  }

  [[nodiscard]] constexpr std::uint8_t idiag_family() const noexcept { return u8(0); }
  [[nodiscard]] constexpr std::uint8_t idiag_state() const noexcept { return u8(1); }
  [[nodiscard]] constexpr std::uint8_t idiag_timer() const noexcept { return u8(2); }
  [[nodiscard]] constexpr std::uint8_t idiag_retrans() const noexcept { return u8(3); }
  // idiag_sport / idiag_dport, converted to host order.
  [[nodiscard]] constexpr std::uint16_t idiag_sport() const noexcept { return be16(4); }
  [[nodiscard]] constexpr std::uint16_t idiag_dport() const noexcept { return be16(6); }
  // idiag_src / idiag_dst: 16 bytes, network order; IPv4 in the first 4.
  [[nodiscard]] constexpr std::array<std::uint8_t, 16> idiag_src() const noexcept { return bytes16(8); }
  [[nodiscard]] constexpr std::array<std::uint8_t, 16> idiag_dst() const noexcept { return bytes16(24); }
  [[nodiscard]] constexpr std::uint32_t idiag_if() const noexcept { return u32(40); }
  // The socket cookie, idiag_cookie[0] | idiag_cookie[1] << 32 (as ss prints it).
  [[nodiscard]] constexpr std::uint64_t idiag_cookie() const noexcept {
    return std::uint64_t{u32(44)} | (std::uint64_t{u32(48)} << 32);
  }
  [[nodiscard]] constexpr std::uint32_t idiag_expires() const noexcept { return u32(52); }
  [[nodiscard]] constexpr std::uint32_t idiag_rqueue() const noexcept { return u32(56); }
  [[nodiscard]] constexpr std::uint32_t idiag_wqueue() const noexcept { return u32(60); }
  [[nodiscard]] constexpr std::uint32_t idiag_uid() const noexcept { return u32(64); }
  [[nodiscard]] constexpr std::uint32_t idiag_inode() const noexcept { return u32(68); }

  [[nodiscard]] constexpr std::size_t offset() const noexcept { return offset_; }
  // The whole payload: the struct and its attributes.
  [[nodiscard]] constexpr std::span<const std::byte> payload() const noexcept { return payload_; }
  // The attribute bytes after the struct.
  [[nodiscard]] constexpr std::span<const std::byte> attribute_bytes() const noexcept {
    return payload_.subspan(inet_diag_msg_size);
  }

 private:
  constexpr inet_diag_msg_view(std::span<const std::byte> payload, std::size_t offset) noexcept
      : payload_(payload), offset_(offset) {}
  // In bounds: parse() checked payload_.size() >= 72 and every offset < 72.
  [[nodiscard]] constexpr std::uint8_t u8(std::size_t at) const noexcept {
    return tcpstats::detail::load_le_unchecked<std::uint8_t>(payload_.data() + at);
  }
  [[nodiscard]] constexpr std::uint16_t be16(std::size_t at) const noexcept {
    return tcpstats::detail::load_be_unchecked<std::uint16_t>(payload_.data() + at);
  }
  [[nodiscard]] constexpr std::uint32_t u32(std::size_t at) const noexcept {
    return tcpstats::detail::load_le_unchecked<std::uint32_t>(payload_.data() + at);
  }
  [[nodiscard]] constexpr std::array<std::uint8_t, 16> bytes16(std::size_t at) const noexcept {
    std::array<std::uint8_t, 16> out{};
    for (std::size_t i = 0; i < 16; ++i) out[i] = static_cast<std::uint8_t>(payload_[at + i]);
    return out;
  }

  std::span<const std::byte> payload_;
  std::size_t offset_;
};

// Walks an rtattr list; calls visit(attribute) for each, in order. Each
// step checks: the 4-byte header fits, rta_len covers it, rta_len fits what
// remains. Returns the first malformed attribute's error (bad_attribute at
// its offset; `base` is the list's offset in the walked buffer).
template <class Visit>
[[nodiscard]] constexpr result<std::size_t> for_each_attribute(std::span<const std::byte> bytes, std::size_t base,
                                                               Visit&& visit) noexcept {
  std::size_t pos = 0;
  std::size_t count = 0;
  while (pos < bytes.size()) {
    const std::size_t remaining = bytes.size() - pos;
    if (remaining < 4) return parse_error{errc::bad_attribute, base + pos};
    const auto len = tcpstats::detail::load_le_unchecked<std::uint16_t>(bytes.data() + pos);
    const auto type = tcpstats::detail::load_le_unchecked<std::uint16_t>(bytes.data() + pos + 2);
    if (len < 4 || len > remaining) return parse_error{errc::bad_attribute, base + pos};
    // NLA_F_NESTED / NLA_F_NET_BYTEORDER live in the top bits of the type.
    visit(attribute{static_cast<std::uint16_t>(type & 0x3fffu), bytes.subspan(pos + 4, len - 4u), base + pos});
    ++count;
    const std::size_t stride = align_4(len);
    pos += stride <= remaining ? stride : remaining;
  }
  return count;
}

}  // namespace tcpstats::sock_diag
