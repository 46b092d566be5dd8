#pragma once
// A connection_record in about as many bytes as it has fields: what the
// connection tracker keeps of each connection's last record. Each of its
// two parts (the fields that count as a change, then the timers and ages:
// field_kind::clock) is a presence bitmap followed by the raw bytes of each
// present member, in record_fields order. Copying the whole record would
// be cheaper to write but costs 1,256 bytes whatever it holds (a TIME_WAIT
// entry sets a dozen fields); protobuf's encoding, which the tracker used
// before, costs twice the instructions (bench/README.md has both).
//
// Only this tool's own bytes are unpacked: they are not input.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>

#include "tcpstats/connection_record.hpp"

namespace tcpstats::reader::packed {

namespace detail {

inline constexpr std::size_t field_count = std::tuple_size_v<std::remove_const_t<decltype(record_fields)>>;
inline constexpr std::size_t bitmap_words = (field_count + 63) / 64;
inline constexpr std::size_t bitmap_bytes = bitmap_words * 8;

template <std::size_t I>
using field_type = std::remove_cvref_t<decltype(std::get<I>(record_fields))>;

template <std::size_t I>
inline constexpr bool is_clock = std::get<I>(record_fields).kind == field_kind::clock;

template <class T>
struct optional_of {
  static constexpr bool value = false;
};
template <class T>
struct optional_of<std::optional<T>> {
  static constexpr bool value = true;
  using type = T;
};

// Writes field I's bytes at p when the record sets it (a plain member is
// always set), and its bit.
template <std::size_t I>
[[gnu::always_inline]] inline char8_t* pack_field(const connection_record& r, char8_t* p,
                                                  std::array<std::uint64_t, bitmap_words>& bits) {
  const auto& value = r.*(field_type<I>::member);
  using V = std::remove_cvref_t<decltype(value)>;
  if constexpr (optional_of<V>::value) {
    static_assert(std::is_trivially_copyable_v<typename optional_of<V>::type>);
    if (!value) return p;
    std::memcpy(p, &*value, sizeof(*value));
    p += sizeof(*value);
  } else {
    static_assert(std::is_trivially_copyable_v<V>);
    std::memcpy(p, &value, sizeof value);
    p += sizeof value;
  }
  bits[I / 64] |= std::uint64_t{1} << (I % 64);
  return p;
}

template <std::size_t I>
[[gnu::always_inline]] inline const char8_t* unpack_field(const char8_t* p, connection_record& r,
                                                          const std::array<std::uint64_t, bitmap_words>& bits) {
  if ((bits[I / 64] & (std::uint64_t{1} << (I % 64))) == 0) return p;
  auto& value = r.*(field_type<I>::member);
  using V = std::remove_cvref_t<decltype(value)>;
  if constexpr (optional_of<V>::value) {
    typename optional_of<V>::type v;
    std::memcpy(static_cast<void*>(&v), p, sizeof v);  // trivially copyable: pack_field checks
    value = v;
    return p + sizeof v;
  } else {
    std::memcpy(static_cast<void*>(&value), p, sizeof value);
    return p + sizeof value;
  }
}

}  // namespace detail

// At most this many bytes for one part.
inline constexpr std::size_t max_part_size = detail::bitmap_bytes + sizeof(connection_record);

// Writes one part of `r` at `out`: the timers and ages when `Clocks`, else
// every other field. Returns the end.
template <bool Clocks>
char8_t* pack_part(const connection_record& r, char8_t* out) noexcept {
  std::array<std::uint64_t, detail::bitmap_words> bits{};
  char8_t* p = out + detail::bitmap_bytes;
  [&]<std::size_t... I>(std::index_sequence<I...>) __attribute__((always_inline)) {
    ((p = detail::is_clock<I> == Clocks ? detail::pack_field<I>(r, p, bits) : p), ...);
  }(std::make_index_sequence<detail::field_count>{});
  std::memcpy(out, bits.data(), detail::bitmap_bytes);
  return p;
}

// Sets the fields of one part (written by pack_part<Clocks>) in `r`;
// returns the part's end.
template <bool Clocks>
const char8_t* unpack_part(const char8_t* in, connection_record& r) noexcept {
  std::array<std::uint64_t, detail::bitmap_words> bits{};
  std::memcpy(bits.data(), in, detail::bitmap_bytes);
  const char8_t* p = in + detail::bitmap_bytes;
  [&]<std::size_t... I>(std::index_sequence<I...>) __attribute__((always_inline)) {
    ((p = detail::is_clock<I> == Clocks ? detail::unpack_field<I>(p, r, bits) : p), ...);
  }(std::make_index_sequence<detail::field_count>{});
  return p;
}

// The record both parts, one after the other, hold.
inline void unpack(std::span<const char8_t> bytes, connection_record& r) noexcept {
  r = empty_record;
  unpack_part<true>(unpack_part<false>(bytes.data(), r), r);
}

}  // namespace tcpstats::reader::packed
