// LD_PRELOAD shim for the tests: truncates the file named by
// $TCPSTATS_SHIM_TRUNCATE to nothing right after the tool first maps it or
// first reads from it, as another process could at any moment. Makes "a
// file that shrinks under the reader" deterministic: with mmap() the next
// access past the new end is SIGBUS, with read() the next read ends early.
// mmap and mmap64 are distinct symbols only without the 64-bit redirect.
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace {

bool done = false;

void truncate_if_target(int fd) {
  const char* target = std::getenv("TCPSTATS_SHIM_TRUNCATE");
  if (done || fd < 0 || target == nullptr) return;
  char link[64], path[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = ::readlink(link, path, sizeof path - 1);
  if (n <= 0) return;
  path[n] = '\0';
  if (std::strcmp(path, target) != 0) return;
  done = true;
  (void)::truncate(target, 0);
}

template <class F>
F next(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

void* mmap(void* address, size_t length, int prot, int flags, int fd, off_t offset) {
  static const auto real = next<void* (*)(void*, size_t, int, int, int, off_t)>("mmap");
  void* result = real(address, length, prot, flags, fd, offset);
  if (result != MAP_FAILED) truncate_if_target(fd);
  return result;
}

void* mmap64(void* address, size_t length, int prot, int flags, int fd, off_t offset) {
  static const auto real = next<void* (*)(void*, size_t, int, int, int, off_t)>("mmap64");
  void* result = real(address, length, prot, flags, fd, offset);
  if (result != MAP_FAILED) truncate_if_target(fd);
  return result;
}

ssize_t read(int fd, void* buffer, size_t size) {
  static const auto real = next<ssize_t (*)(int, void*, size_t)>("read");
  const ssize_t n = real(fd, buffer, size);
  if (n > 0) truncate_if_target(fd);
  return n;
}

ssize_t __read_chk(int fd, void* buffer, size_t size, size_t) { return read(fd, buffer, size); }

}  // extern "C"
