#pragma once
// An IPv4 or IPv6 address as the kernels export it (network byte order),
// with the IPv6 zone, and its text form (RFC 5952 for IPv6).
//
// Contract: a value type. `bytes` are in network order, as the kernels
// store addresses; scope_id is a host-order interface index. to_string()
// accepts any value and returns a new string; it never fails.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace tcpstats {

enum class ip_family : std::uint8_t { ipv4 = 4, ipv6 = 6 };

struct ip_address {
  ip_family family = ip_family::ipv4;
  // Network byte order. IPv4 uses bytes[0..3]; the rest stays zero.
  std::array<std::uint8_t, 16> bytes{};
  // IPv6 zone (interface index) of a scoped address; 0 = none.
  std::uint32_t scope_id = 0;

  [[nodiscard]] constexpr std::size_t size() const noexcept {
    return family == ip_family::ipv4 ? 4 : 16;
  }
  [[nodiscard]] constexpr std::span<const std::uint8_t> octets() const noexcept {
    return std::span<const std::uint8_t>(bytes).first(size());
  }
  [[nodiscard]] constexpr bool is_unspecified() const noexcept {
    for (std::uint8_t b : octets()) {
      if (b != 0) return false;
    }
    return true;
  }

  friend constexpr bool operator==(const ip_address&, const ip_address&) = default;
};

// fe80::/10, and the multicast scopes that KAME embeds a zone into
// (interface-local ffx1::/16 and link-local ffx2::/16).
[[nodiscard]] constexpr bool is_scoped_ipv6(const std::array<std::uint8_t, 16>& a) noexcept {
  const bool link_local_unicast = a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
  const bool scoped_multicast = a[0] == 0xff && ((a[1] & 0x0f) == 0x01 || (a[1] & 0x0f) == 0x02);
  return link_local_unicast || scoped_multicast;
}

// Text form: dotted quad, or RFC 5952 IPv6 (lower case, longest run of two
// or more zero groups as "::", first run on ties) with "%<scope_id>" when
// scoped. IPv4-mapped IPv6 addresses print as ::ffff:a.b.c.d.
[[nodiscard]] inline std::string to_string(const ip_address& address) {
  std::string out;
  const auto& b = address.bytes;
  const auto append_quad = [&out](std::uint8_t b0, std::uint8_t b1, std::uint8_t b2,
                                  std::uint8_t b3) {
    out += std::to_string(b0) + '.' + std::to_string(b1) + '.' + std::to_string(b2) + '.' +
           std::to_string(b3);
  };
  if (address.family == ip_family::ipv4) {
    append_quad(b[0], b[1], b[2], b[3]);
    return out;
  }
  std::array<unsigned, 8> groups{};
  for (std::size_t i = 0; i < 8; ++i) groups[i] = (unsigned{b[2 * i]} << 8) | b[2 * i + 1];

  const bool v4_mapped = groups[0] == 0 && groups[1] == 0 && groups[2] == 0 && groups[3] == 0 &&
                         groups[4] == 0 && groups[5] == 0xffff;
  if (v4_mapped) {
    out = "::ffff:";
    append_quad(b[12], b[13], b[14], b[15]);
    return out;
  }
  std::size_t best_start = 8, best_len = 0;
  for (std::size_t i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_len) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }
  if (best_len < 2) best_start = 8;

  constexpr char hex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    const unsigned g = groups[i];
    bool leading = true;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned nibble = (g >> shift) & 0xfu;
      if (leading && nibble == 0 && shift != 0) continue;
      leading = false;
      out += hex[nibble];
    }
  }
  if (address.scope_id != 0) out += '%' + std::to_string(address.scope_id);
  return out;
}

}  // namespace tcpstats
