#pragma once
// The iterator the walkers' single-pass ranges share. A range is a cursor
// that owns the current element; its iterators only point at it. The range
// provides current(), advance() and is_done(), and befriends this template.
//
// Internal (tcpstats::detail): only the walkers' ranges use it; its shape may
// change in any release. Contract for those ranges: each element is yielded
// once; the reference an iterator gives is valid until the next increment;
// after an error element the range ends.

#include <cstddef>
#include <iterator>

namespace tcpstats::detail {

template <class Range, class Value>
class single_pass_iterator {
 public:
  using value_type = Value;
  using difference_type = std::ptrdiff_t;

  single_pass_iterator() = default;
  explicit single_pass_iterator(Range* range) noexcept : range_(range) {}

  [[nodiscard]] const Value& operator*() const noexcept { return range_->current(); }
  [[nodiscard]] const Value* operator->() const noexcept { return &range_->current(); }
  single_pass_iterator& operator++() noexcept {
    range_->advance();
    return *this;
  }
  void operator++(int) noexcept { range_->advance(); }
  [[nodiscard]] bool operator==(std::default_sentinel_t) const noexcept { return range_->is_done(); }

 private:
  Range* range_ = nullptr;
};

}  // namespace tcpstats::detail
