#pragma once
// Anonymous memory for the large buffers a pass fills (the kernel's dump,
// an output batch): mapped on its own and, from 2 MiB on, aligned to 2 MiB
// and offered to transparent huge pages (madvise MADV_HUGEPAGE, where the
// kernel has it), so filling it faults once per 2 MiB instead of once per
// 4 KiB page. Each fresh page costs ~14 µs on the VM measured
// (bench/README.md); the buffers are kept from pass to pass as well.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace tcpstats::reader {

class page_region {
 public:
  page_region() = default;
  // At least `capacity` bytes. Throws std::bad_alloc when mmap fails.
  explicit page_region(std::size_t capacity);
  ~page_region();
  page_region(page_region&& other) noexcept;
  page_region& operator=(page_region&& other) noexcept;
  page_region(const page_region&) = delete;
  page_region& operator=(const page_region&) = delete;

  [[nodiscard]] std::byte* data() const noexcept { return data_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  void* mapping_ = nullptr;
  std::size_t mapped_ = 0;
  std::byte* data_ = nullptr;
  std::size_t capacity_ = 0;
};

// A growable array of trivially copyable values on a page_region, for
// tables that grow to megabytes (the tracker's, an entry per connection):
// huge pages where offered, and no zero-filling.
template <class T>
class page_vector {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

 public:
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return region_.capacity() / sizeof(T); }
  T& operator[](std::size_t i) noexcept { return data()[i]; }
  const T& operator[](std::size_t i) const noexcept { return data()[i]; }
  T* begin() noexcept { return data(); }
  T* end() noexcept { return data() + size_; }

  // Room for `count` values without growing.
  void reserve(std::size_t count) {
    if (count > capacity()) move_to(count * sizeof(T));
  }

  // Appends a value-initialised T; references taken before may not survive.
  T& emplace_back() {
    if (size_ == capacity()) grow();
    T* slot = new (region_.data() + size_ * sizeof(T)) T{};
    ++size_;
    return *slot;
  }

 private:
  // The region's bytes hold Ts (placed, or copied by memcpy, which makes
  // trivially copyable objects too).
  T* data() const noexcept { return static_cast<T*>(static_cast<void*>(region_.data())); }
  void grow() { move_to(std::max<std::size_t>(2 * region_.capacity(), 64 * 1024)); }
  void move_to(std::size_t bytes) {
    page_region bigger(bytes);
    if (size_ != 0) std::memcpy(bigger.data(), region_.data(), size_ * sizeof(T));
    region_ = std::move(bigger);
  }

  page_region region_;
  std::size_t size_ = 0;
};

}  // namespace tcpstats::reader
