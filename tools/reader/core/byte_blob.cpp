#include "core/byte_blob.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tcpstats::reader {

struct byte_blob::mapping {
  void* address = MAP_FAILED;
  std::size_t length = 0;
  mapping(const mapping&) = delete;
  mapping& operator=(const mapping&) = delete;
  mapping(void* a, std::size_t n) : address(a), length(n) {}
  ~mapping() {
    if (address != MAP_FAILED) munmap(address, length);
  }
};

byte_blob::byte_blob(std::vector<std::byte> bytes) {
  auto owned = std::make_shared<const std::vector<std::byte>>(std::move(bytes));
  view_ = {owned->data(), owned->size()};
  owner_ = std::move(owned);
}

std::optional<byte_blob> byte_blob::load(const std::string& path, std::string& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  struct stat info {};
  byte_blob blob;
  if (fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0) {
    const auto length = static_cast<std::size_t>(info.st_size);
    void* address = mmap(nullptr, length, PROT_READ, MAP_PRIVATE, fd, 0);
    if (address != MAP_FAILED) {
      ::close(fd);
      auto map = std::make_shared<const mapping>(address, length);
      blob.view_ = {static_cast<const std::byte*>(address), length};
      blob.owner_ = std::move(map);
      return blob;
    }
  }
  // Not mappable (a pipe, an empty file): read it.
  std::vector<std::byte> bytes;
  std::byte chunk[65536];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = path + ": " + std::strerror(errno);
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  ::close(fd);
  return byte_blob(std::move(bytes));
}

}  // namespace tcpstats::reader
