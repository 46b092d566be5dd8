#include "core/byte_blob.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <utility>

namespace tcpstats::reader {

namespace {

// The live mappings, for the SIGBUS handler: fixed slots of lock-free
// atomics, the only state a signal handler may safely read.
struct guarded_range {
  std::atomic<std::uintptr_t> base{0};
  std::atomic<std::size_t> length{0};
  std::atomic<bool> faulted{false};
};
constexpr std::size_t guard_slots = 8;  // a run holds two passes' dumps at most
guarded_range guarded[guard_slots];
std::uintptr_t page_size = 4096;
static_assert(std::atomic<std::uintptr_t>::is_always_lock_free && std::atomic<bool>::is_always_lock_free);

// An access past the end of a truncated mapped file: zero pages replace the
// rest of the mapping, the access is retried and reads zeros, and the slot
// says so. A fault anywhere else is a bug: the default action, a core dump.
extern "C" void on_sigbus(int, siginfo_t* info, void*) {
  const auto address = reinterpret_cast<std::uintptr_t>(info->si_addr);
  for (guarded_range& range : guarded) {
    const std::uintptr_t base = range.base.load();
    const std::size_t length = range.length.load();
    if (base == 0 || address < base || address - base >= length) continue;
    const std::uintptr_t page = address & ~(page_size - 1);
    const std::uintptr_t end = (base + length + page_size - 1) & ~(page_size - 1);
    if (::mmap(reinterpret_cast<void*>(page), end - page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
               0) == MAP_FAILED) {
      break;
    }
    range.faulted.store(true);
    return;
  }
  ::signal(SIGBUS, SIG_DFL);  // returning re-runs the access, which now dumps core
}

bool install_guard() {
  static const bool installed = [] {
    page_size = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    struct sigaction action {};
    action.sa_sigaction = on_sigbus;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_SIGINFO;
    return ::sigaction(SIGBUS, &action, nullptr) == 0;
  }();
  return installed;
}

}  // namespace

struct byte_blob::mapping {
  void* address;
  std::size_t length;
  guarded_range* range;
  mapping(const mapping&) = delete;
  mapping& operator=(const mapping&) = delete;
  mapping(void* a, std::size_t n, guarded_range* r) : address(a), length(n), range(r) {}
  ~mapping() {
    range->base.store(0);
    range->length.store(0);
    range->faulted.store(false);
    ::munmap(address, length);
  }
};

byte_blob::byte_blob(std::vector<std::byte> bytes) {
  auto owned = std::make_shared<const std::vector<std::byte>>(std::move(bytes));
  view_ = {owned->data(), owned->size()};
  owner_ = std::move(owned);
}

std::optional<byte_blob> byte_blob::map(int fd, std::size_t length) {
  if (length == 0 || !install_guard()) return std::nullopt;
  guarded_range* range = nullptr;
  for (guarded_range& slot : guarded) {
    if (slot.base.load() == 0) {
      range = &slot;
      break;
    }
  }
  if (range == nullptr) return std::nullopt;
  void* address = ::mmap(nullptr, length, PROT_READ, MAP_PRIVATE, fd, 0);
  if (address == MAP_FAILED) return std::nullopt;
  range->faulted.store(false);
  range->length.store(length);
  range->base.store(reinterpret_cast<std::uintptr_t>(address));
  byte_blob blob;
  auto owned = std::make_shared<const mapping>(address, length, range);
  blob.mapping_ = owned.get();
  blob.view_ = {static_cast<const std::byte*>(address), length};
  blob.owner_ = std::move(owned);
  return blob;
}

bool byte_blob::intact() const noexcept { return mapping_ == nullptr || !mapping_->range->faulted.load(); }

}  // namespace tcpstats::reader
