#pragma once
// The only place where bytes become integers. Every load names its byte
// order, copies through std::bit_cast (no alignment assumed, no aliasing of
// the buffer as a struct) and fails cleanly on a short buffer.
//
// Contract: any buffer and any offset are valid input: a load that does not
// fit returns empty and reads nothing. The byte order is in the name
// (load_le, load_be); results are host-order integers. constexpr, no
// allocation, no exceptions. detail::*_unchecked require bounds the caller
// has already proven.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <type_traits>

namespace tcpstats {

namespace detail {

template <class T>
concept loadable_integer = std::is_integral_v<T> && !std::is_same_v<T, bool>;

template <loadable_integer T>
[[nodiscard]] constexpr T byteswap(T value) noexcept {
  using U = std::make_unsigned_t<T>;
  auto bits = static_cast<U>(value);
  U swapped = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    swapped = static_cast<U>((swapped << 8) | (bits & 0xFFu));
    bits = static_cast<U>(bits >> 8);
  }
  return static_cast<T>(swapped);
}

// Reads sizeof(T) bytes at p in host order. The caller has proven that
// [p, p + sizeof(T)) lies inside the buffer.
template <loadable_integer T>
[[nodiscard]] constexpr T load_host_unchecked(const std::byte* p) noexcept {
  std::array<std::byte, sizeof(T)> raw{};
  if (std::is_constant_evaluated()) {
    for (std::size_t i = 0; i < sizeof(T); ++i) raw[i] = p[i];
  } else {
    std::memcpy(raw.data(), p, sizeof(T));
  }
  return std::bit_cast<T>(raw);
}

template <loadable_integer T>
[[nodiscard]] constexpr T load_le_unchecked(const std::byte* p) noexcept {
  const T host = load_host_unchecked<T>(p);
  if constexpr (std::endian::native == std::endian::little) {
    return host;
  } else {
    return byteswap(host);
  }
}

template <loadable_integer T>
[[nodiscard]] constexpr T load_be_unchecked(const std::byte* p) noexcept {
  const T host = load_host_unchecked<T>(p);
  if constexpr (std::endian::native == std::endian::big) {
    return host;
  } else {
    return byteswap(host);
  }
}

}  // namespace detail

// True when [offset, offset + length) lies inside a buffer of `size` bytes.
// Written with a subtraction so that no sum can overflow.
[[nodiscard]] constexpr bool fits(std::size_t size, std::size_t offset,
                                  std::size_t length) noexcept {
  return offset <= size && length <= size - offset;
}

// Little-endian (host order on every Mac and FreeBSD target) integer at
// offset, or empty if it does not fit in the buffer.
template <detail::loadable_integer T>
[[nodiscard]] constexpr std::optional<T> load_le(std::span<const std::byte> buffer,
                                                 std::size_t offset) noexcept {
  if (!fits(buffer.size(), offset, sizeof(T))) return std::nullopt;
  return detail::load_le_unchecked<T>(buffer.data() + offset);
}

// Big-endian (network order: ports, addresses) integer at offset, or empty
// if it does not fit in the buffer.
template <detail::loadable_integer T>
[[nodiscard]] constexpr std::optional<T> load_be(std::span<const std::byte> buffer,
                                                 std::size_t offset) noexcept {
  if (!fits(buffer.size(), offset, sizeof(T))) return std::nullopt;
  return detail::load_be_unchecked<T>(buffer.data() + offset);
}

// Rounds a record length up to the 8-byte boundary the kernel pads to.
// Callers bound `length` to a buffer size first, so the sum cannot wrap.
[[nodiscard]] constexpr std::size_t round_up_8(std::size_t length) noexcept {
  return (length + 7u) & ~std::size_t{7};
}

}  // namespace tcpstats
