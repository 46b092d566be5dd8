#pragma once
// A growable output buffer written through a raw pointer: the encoders
// reserve a bound for a whole record, write without per-byte checks, then
// commit what they wrote. Unlike std::string it never zero-fills, and it
// keeps a few bytes of headroom in front so a length prefix can be put
// before a finished body without moving it.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string_view>

#include "core/page_region.hpp"

namespace tcpstats::reader {

class byte_buffer {
 public:
  static constexpr std::size_t headroom = 16;

  // Empties the buffer, keeping its storage.
  void clear() noexcept { begin_ = end_ = headroom; }

  // A pointer where at least `n` more bytes may be written.
  [[nodiscard]] char* reserve(std::size_t n) {
    if (n > capacity_ - std::min(end_, capacity_)) grow(n);
    return data_ + end_;
  }
  // Marks everything up to `end` (from the last reserve()) as written.
  void commit(char* end) noexcept { end_ = static_cast<std::size_t>(end - data_); }

  void append(std::string_view bytes) {
    char* p = reserve(bytes.size());
    std::memcpy(p, bytes.data(), bytes.size());
    commit(p + bytes.size());
  }

  // Puts `bytes` (at most `headroom` of them) directly before the content.
  void prepend(std::string_view bytes) noexcept {
    begin_ -= bytes.size();
    std::memcpy(data_ + begin_, bytes.data(), bytes.size());
  }

  [[nodiscard]] std::string_view view() const noexcept {
    return {data_ + begin_, end_ - begin_};
  }
  [[nodiscard]] std::size_t size() const noexcept { return end_ - begin_; }

 private:
  void grow(std::size_t n) {
    std::size_t capacity = capacity_ == 0 ? 65536 : capacity_ * 2;
    while (capacity < end_ + n) capacity *= 2;
    // A whole binary batch can take megabytes: a region of its own (huge
    // pages where offered), kept for the next pass.
    page_region bigger(capacity);
    if (capacity_ != 0) std::memcpy(bigger.data() + begin_, region_.data() + begin_, end_ - begin_);
    region_ = std::move(bigger);
    data_ = reinterpret_cast<char*>(region_.data());
    capacity_ = region_.capacity();
  }

  page_region region_;
  char* data_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t begin_ = headroom;
  std::size_t end_ = headroom;
};

}  // namespace tcpstats::reader
