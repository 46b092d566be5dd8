#include "core/page_region.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <new>
#include <utility>

namespace tcpstats::reader {

namespace {
constexpr std::size_t huge_page = std::size_t{2} << 20;
constexpr std::size_t page = 4096;
}  // namespace

page_region::page_region(std::size_t capacity) {
  const bool huge = capacity >= huge_page;
  const std::size_t unit = huge ? huge_page : page;
  capacity_ = (capacity + unit - 1) / unit * unit;
  // A huge page needs a 2 MiB-aligned range: map one unit more and start
  // at the first boundary inside.
  mapped_ = capacity_ + (huge ? huge_page : 0);
  mapping_ = mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapping_ == MAP_FAILED) {
    mapping_ = nullptr;
    throw std::bad_alloc();
  }
  const auto start = reinterpret_cast<std::uintptr_t>(mapping_);
  const std::uintptr_t aligned = huge ? (start + huge_page - 1) / huge_page * huge_page : start;
  data_ = reinterpret_cast<std::byte*>(aligned);
#if defined(MADV_HUGEPAGE)
  // Advice only: without THP (or with it off) the pages stay 4 KiB.
  if (huge) (void)madvise(data_, capacity_, MADV_HUGEPAGE);
#endif
}

page_region::~page_region() {
  if (mapping_ != nullptr) munmap(mapping_, mapped_);
}

page_region::page_region(page_region&& other) noexcept
    : mapping_(std::exchange(other.mapping_, nullptr)),
      mapped_(std::exchange(other.mapped_, 0)),
      data_(std::exchange(other.data_, nullptr)),
      capacity_(std::exchange(other.capacity_, 0)) {}

page_region& page_region::operator=(page_region&& other) noexcept {
  if (this != &other) {
    if (mapping_ != nullptr) munmap(mapping_, mapped_);
    mapping_ = std::exchange(other.mapping_, nullptr);
    mapped_ = std::exchange(other.mapped_, 0);
    data_ = std::exchange(other.data_, nullptr);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

}  // namespace tcpstats::reader
