#pragma once
// A field's place inside a kernel export struct, as generated offset tables
// describe it. Shared by every source whose layout changes across versions.
//
// Contract: offsets and sizes are in bytes from the record's start; the
// tables that use `field` are checked at compile time (all_fields_fit) so a
// view whose record is at least its layout's size never reads outside it.

#include <cstddef>
#include <cstdint>

namespace tcpstats {

// Offset and size in bytes from the start of the record. size == 0 means the
// field does not exist in that layout generation.
struct field {
  std::uint16_t offset;
  std::uint16_t size;

  [[nodiscard]] constexpr bool present() const noexcept { return size != 0; }
  [[nodiscard]] constexpr std::size_t end() const noexcept {
    return std::size_t{offset} + size;
  }
};

inline constexpr field absent_field{0, 0};

// True when every present field of every generation lies inside its record.
// Views rely on this (checked with static_assert next to each table): once a
// record's length is at least its layout's size, every field read is in bounds.
template <class Layouts>
constexpr bool all_fields_fit(const Layouts& layouts) {
  for (const auto& layout : layouts) {
    for (const auto& member : layout.members) {
      const field f = layout.*(member.second);
      if (f.present() && f.end() > layout.size) return false;
    }
  }
  return true;
}

}  // namespace tcpstats
