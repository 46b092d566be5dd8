#pragma once
// Real sockets for the live tests: a descriptor that closes itself, and
// sending and receiving an exact number of bytes.

#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <vector>

namespace tcpstats::test {

struct fd_guard {
  int fd = -1;
  explicit fd_guard(int f) : fd(f) {}
  ~fd_guard() {
    if (fd >= 0) close(fd);
  }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  fd_guard(fd_guard&& o) noexcept : fd(o.fd) { o.fd = -1; }
};

// Sends `bytes` bytes of 'x' on `fd`, however many calls that takes.
inline void send_all(int fd, std::size_t bytes) {
  static const std::vector<char> data(1 << 16, 'x');
  std::size_t sent = 0;
  while (sent < bytes) {
    const ssize_t n = send(fd, data.data(), std::min(data.size(), bytes - sent), 0);
    REQUIRE(n > 0);
    sent += static_cast<std::size_t>(n);
  }
}

// Receives exactly `bytes` bytes from `fd` (and fails on an early end).
inline void receive_exactly(int fd, std::size_t bytes) {
  thread_local std::vector<char> data(1 << 16);
  std::size_t got = 0;
  while (got < bytes) {
    const ssize_t n = recv(fd, data.data(), std::min(data.size(), bytes - got), 0);
    REQUIRE(n > 0);
    got += static_cast<std::size_t>(n);
  }
}

}  // namespace tcpstats::test
