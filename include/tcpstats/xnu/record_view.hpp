#pragma once
// The macOS record views' base: picking a layout generation from a
// record's own length. Reading fields through it is
// tcpstats/layout_view.hpp's, shared with the FreeBSD views.
//
// Internal (tcpstats::xnu::detail): the machinery may change in any release;
// use the views in records.hpp. A record_view points into the walked buffer
// and is valid while it is.

#include <array>
#include <cstddef>
#include <span>

#include "tcpstats/layout_view.hpp"

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

// A view of one record of a pcblist_n buffer: the record's own bytes (its
// declared length, without padding), where it starts in the buffer, and the
// layout generation chosen from its length (the reading machinery is
// tcpstats::detail::layout_view, shared with the FreeBSD views). Invariant,
// established by the walker before a view exists: bytes.size() >= min_size,
// so the chosen layout fits. Views do not own the buffer: they are valid
// while the walked buffer is.
template <class Layout, const auto& Generations>
class record_view : public tcpstats::detail::layout_view<Layout, Generations> {
 public:
  static constexpr std::size_t min_size = minimum_size(Generations);

  // An empty view, only ever held as "absent" inside a connection_group.
  constexpr record_view() noexcept = default;
  constexpr record_view(std::span<const std::byte> bytes, std::size_t offset) noexcept
      : tcpstats::detail::layout_view<Layout, Generations>(bytes, offset, select_layout(Generations, bytes.size())) {}
};

}  // namespace tcpstats::xnu::detail
