#pragma once
// The machinery shared by the record views of every source whose struct
// layouts change across kernel versions (xnu/records.hpp,
// freebsd/xtcpcb.hpp): a view holds a record's bytes and the offset table
// of the layout that wrote it, and reads each field through that table,
// with a compile-time check that the accessor's type fits the field in
// every layout.
//
// Internal (tcpstats::detail): the machinery may change in any release; use
// the views. A view points into the walked buffer and is valid while it is.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "tcpstats/bytes.hpp"
#include "tcpstats/layout_field.hpp"

namespace tcpstats::detail {

// True when `member` has `size` bytes in every layout that has it, and (if
// `required`) every layout has it. Checked at compile time for each
// accessor, so an accessor's type always matches the kernel's field.
template <class Layout, std::size_t N>
[[nodiscard]] constexpr bool field_is(const std::array<Layout, N>& layouts, field Layout::*member, std::size_t size,
                                      bool required) {
  for (const auto& l : layouts) {
    const field f = l.*member;
    if (!f.present() && required) return false;
    if (f.present() && f.size != size) return false;
  }
  return true;
}

// True when every layout has `member`, 1, 2, 4 or 8 bytes wide and no wider
// than `size`.
template <class Layout, std::size_t N>
[[nodiscard]] constexpr bool field_fits_in(const std::array<Layout, N>& layouts, field Layout::*member,
                                           std::size_t size) {
  for (const auto& l : layouts) {
    const field f = l.*member;
    const bool power_of_two = f.size == 1 || f.size == 2 || f.size == 4 || f.size == 8;
    if (!power_of_two || f.size > size) return false;
  }
  return true;
}

// A view of one record: its bytes, where it starts in the walked buffer,
// and the layout (one entry of `Layouts`) it is read with. Invariant,
// established by the walker before a view exists: bytes.size() >=
// layout.size, so (by all_fields_fit) every field of the layout lies inside
// `bytes`. Views do not own the buffer.
template <class Layout, const auto& Layouts>
class layout_view {
 public:
  using layout_type = Layout;

  // An empty view, only ever held as "absent" (or before a walk's first
  // record): it reads the newest layout over no bytes, so it must not be read.
  constexpr layout_view() noexcept = default;
  // Precondition: bytes.size() >= layout.size.
  constexpr layout_view(std::span<const std::byte> bytes, std::size_t offset, const Layout& layout) noexcept
      : bytes_(bytes), offset_(offset), layout_(&layout) {}

  // The record's bytes.
  [[nodiscard]] constexpr std::span<const std::byte> bytes() const noexcept { return bytes_; }
  // Byte offset of the record in the walked buffer.
  [[nodiscard]] constexpr std::size_t offset() const noexcept { return offset_; }
  [[nodiscard]] constexpr const Layout& layout() const noexcept { return *layout_; }

 protected:
  // A field every layout has; little-endian (host order on the kernels read).
  template <class T, field Layout::*Member>
  [[nodiscard]] constexpr T get() const noexcept {
    static_assert(field_is(Layouts, Member, sizeof(T), true));
    return load_le_unchecked<T>(bytes_.data() + ((*layout_).*Member).offset);
  }

  // A field every layout has; big-endian (network order).
  template <class T, field Layout::*Member>
  [[nodiscard]] constexpr T get_be() const noexcept {
    static_assert(field_is(Layouts, Member, sizeof(T), true));
    return load_be_unchecked<T>(bytes_.data() + ((*layout_).*Member).offset);
  }

  // A field only some layouts have: empty in the others.
  template <class T, field Layout::*Member>
  [[nodiscard]] constexpr std::optional<T> get_optional() const noexcept {
    static_assert(field_is(Layouts, Member, sizeof(T), false));
    const field f = (*layout_).*Member;
    if (!f.present()) return std::nullopt;
    return load_le_unchecked<T>(bytes_.data() + f.offset);
  }

  // A big-endian field only some layouts have: empty in the others.
  template <class T, field Layout::*Member>
  [[nodiscard]] constexpr std::optional<T> get_optional_be() const noexcept {
    static_assert(field_is(Layouts, Member, sizeof(T), false));
    const field f = (*layout_).*Member;
    if (!f.present()) return std::nullopt;
    return load_be_unchecked<T>(bytes_.data() + f.offset);
  }

  // An unsigned field whose width changed between layouts (for example
  // so_options, u16 before xnu-2050 and u32 after), widened to T.
  template <class T, field Layout::*Member>
  [[nodiscard]] constexpr T get_widened() const noexcept {
    static_assert(field_fits_in(Layouts, Member, sizeof(T)));
    const field f = (*layout_).*Member;
    const std::byte* p = bytes_.data() + f.offset;
    switch (f.size) {
      case 1: return static_cast<T>(load_le_unchecked<std::uint8_t>(p));
      case 2: return static_cast<T>(load_le_unchecked<std::uint16_t>(p));
      case 4: return static_cast<T>(load_le_unchecked<std::uint32_t>(p));
      default: return static_cast<T>(load_le_unchecked<std::uint64_t>(p));
    }
  }

  // The raw bytes of a fixed-size field every layout has.
  template <std::size_t Size, field Layout::*Member>
  [[nodiscard]] constexpr std::array<std::uint8_t, Size> get_bytes() const noexcept {
    static_assert(field_is(Layouts, Member, Size, true));
    std::array<std::uint8_t, Size> out{};
    const std::byte* p = bytes_.data() + ((*layout_).*Member).offset;
    for (std::size_t i = 0; i < Size; ++i) out[i] = static_cast<std::uint8_t>(p[i]);
    return out;
  }

  // A NUL-padded char array: the bytes before the first NUL, never more
  // than the field's size (kernels do not promise a terminator); empty
  // when the layout lacks the field.
  template <field Layout::*Member>
  [[nodiscard]] std::optional<std::string_view> get_padded_string() const noexcept {
    const field f = (*layout_).*Member;
    if (!f.present()) return std::nullopt;
    const std::byte* chars = bytes_.data() + f.offset;
    std::size_t n = 0;
    while (n < f.size && chars[n] != std::byte{0}) ++n;
    return std::string_view(reinterpret_cast<const char*>(chars), n);
  }

 private:
  std::span<const std::byte> bytes_{};
  std::size_t offset_ = 0;
  const Layout* layout_ = &Layouts.back();
};

}  // namespace tcpstats::detail
