#pragma once
// The machinery shared by the macOS record views: picking a layout
// generation from a record's own length, and reading fields through it.
//
// Internal (tcpstats::xnu::detail): the machinery may change in any release;
// use the views in records.hpp. A record_view points into the walked buffer
// and is valid while it is.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "tcpstats/bytes.hpp"
#include "tcpstats/layout_field.hpp"

namespace tcpstats::xnu::detail {

// The smallest size of any generation: a shorter record cannot be decoded.
template <class Layout, std::size_t N>
[[nodiscard]] constexpr std::size_t minimum_size(const std::array<Layout, N>& generations) noexcept {
  std::size_t smallest = generations[0].size;
  for (const auto& g : generations) smallest = g.size < smallest ? g.size : smallest;
  return smallest;
}

// The generation a record of `length` bytes was written with. Generations
// are ordered oldest first. An exact size match wins; a record longer than
// the newest generation comes from a newer kernel that appended fields, so
// the newest layout decodes its known prefix; otherwise the largest
// generation that fits. Precondition: length >= minimum_size(generations).
template <class Layout, std::size_t N>
[[nodiscard]] constexpr const Layout& select_layout(const std::array<Layout, N>& generations,
                                                    std::size_t length) noexcept {
  if (length == generations[N - 1].size) return generations[N - 1];  // today's kernels
  for (const auto& g : generations) {
    if (g.size == length) return g;
  }
  if (length > generations[N - 1].size) return generations[N - 1];
  const Layout* best = &generations[0];
  for (const auto& g : generations) {
    if (g.size <= length && (g.size > best->size || best->size > length)) best = &g;
  }
  return *best;
}

// True when `member` has `size` bytes in every generation that has it, and
// (if `required`) every generation has it. Checked at compile time for each
// accessor, so an accessor's type always matches the kernel's field.
template <class Layout, std::size_t N>
[[nodiscard]] constexpr bool field_is(const std::array<Layout, N>& generations,
                                      field Layout::*member, std::size_t size, bool required) {
  for (const auto& g : generations) {
    const field f = g.*member;
    if (!f.present() && required) return false;
    if (f.present() && f.size != size) return false;
  }
  return true;
}

// True when every generation has `member`, 1, 2, 4 or 8 bytes wide and no
// wider than `size`.
template <class Layout, std::size_t N>
[[nodiscard]] constexpr bool field_fits_in(const std::array<Layout, N>& generations,
                                           field Layout::*member, std::size_t size) {
  for (const auto& g : generations) {
    const field f = g.*member;
    const bool power_of_two = f.size == 1 || f.size == 2 || f.size == 4 || f.size == 8;
    if (!power_of_two || f.size > size) return false;
  }
  return true;
}

// A view of one record of a pcblist_n buffer: the record's own bytes (its
// declared length, without padding), where it starts in the buffer, and the
// layout generation chosen from its length. Invariant, established by the
// walker before a view exists: bytes.size() >= layout.size, so (by
// all_fields_fit) every field of the layout lies inside `bytes`. Views do
// not own the buffer: they are valid while the walked buffer is.
template <class Layout, const auto& Generations>
class record_view {
 public:
  using layout_type = Layout;
  static constexpr std::size_t min_size = minimum_size(Generations);

  // An empty view, only ever held as "absent" inside a connection_group.
  constexpr record_view() noexcept = default;
  constexpr record_view(std::span<const std::byte> bytes, std::size_t offset) noexcept
      : bytes_(bytes), offset_(offset), layout_(&select_layout(Generations, bytes.size())) {}

  // The record's bytes (its declared len, padding excluded).
  [[nodiscard]] constexpr std::span<const std::byte> bytes() const noexcept { return bytes_; }
  // Byte offset of the record in the walked buffer.
  [[nodiscard]] constexpr std::size_t offset() const noexcept { return offset_; }
  [[nodiscard]] constexpr const Layout& layout() const noexcept { return *layout_; }

 protected:
  // A field every generation has; little-endian (host order on macOS).
  template <class T, field Layout::*Member>
  [[nodiscard]] constexpr T get() const noexcept {
    static_assert(field_is(Generations, Member, sizeof(T), true));
    return tcpstats::detail::load_le_unchecked<T>(bytes_.data() + ((*layout_).*Member).offset);
  }

  // A field every generation has; big-endian (network order).
  template <class T, field Layout::*Member>
  [[nodiscard]] constexpr T get_be() const noexcept {
    static_assert(field_is(Generations, Member, sizeof(T), true));
    return tcpstats::detail::load_be_unchecked<T>(bytes_.data() + ((*layout_).*Member).offset);
  }

  // A field only newer generations have: empty in older ones.
  template <class T, field Layout::*Member>
  [[nodiscard]] constexpr std::optional<T> get_optional() const noexcept {
    static_assert(field_is(Generations, Member, sizeof(T), false));
    const field f = (*layout_).*Member;
    if (!f.present()) return std::nullopt;
    return tcpstats::detail::load_le_unchecked<T>(bytes_.data() + f.offset);
  }

  // An unsigned field whose width changed between generations (for example
  // so_options, u16 before xnu-2050 and u32 after), widened to T.
  template <class T, field Layout::*Member>
  [[nodiscard]] constexpr T get_widened() const noexcept {
    static_assert(field_fits_in(Generations, Member, sizeof(T)));
    const field f = (*layout_).*Member;
    const std::byte* p = bytes_.data() + f.offset;
    switch (f.size) {
      case 1: return static_cast<T>(tcpstats::detail::load_le_unchecked<std::uint8_t>(p));
      case 2: return static_cast<T>(tcpstats::detail::load_le_unchecked<std::uint16_t>(p));
      case 4: return static_cast<T>(tcpstats::detail::load_le_unchecked<std::uint32_t>(p));
      default: return static_cast<T>(tcpstats::detail::load_le_unchecked<std::uint64_t>(p));
    }
  }

  // The raw bytes of a fixed-size field every generation has.
  template <std::size_t Size, field Layout::*Member>
  [[nodiscard]] constexpr std::array<std::uint8_t, Size> get_bytes() const noexcept {
    static_assert(field_is(Generations, Member, Size, true));
    std::array<std::uint8_t, Size> out{};
    const std::byte* p = bytes_.data() + ((*layout_).*Member).offset;
    for (std::size_t i = 0; i < Size; ++i) out[i] = static_cast<std::uint8_t>(p[i]);
    return out;
  }

 private:
  std::span<const std::byte> bytes_{};
  std::size_t offset_ = 0;
  const Layout* layout_ = nullptr;
};

}  // namespace tcpstats::xnu::detail
