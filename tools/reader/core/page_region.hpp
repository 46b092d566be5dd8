#pragma once
// Anonymous memory for the large buffers a pass fills (the kernel's dump,
// an output batch): mapped on its own and, from 2 MiB on, aligned to 2 MiB
// and offered to transparent huge pages (madvise MADV_HUGEPAGE, where the
// kernel has it), so filling it faults once per 2 MiB instead of once per
// 4 KiB page. Each fresh page costs ~14 µs on the VM measured
// (bench/README.md); the buffers are kept from pass to pass as well.

#include <cstddef>

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

}  // namespace tcpstats::reader
