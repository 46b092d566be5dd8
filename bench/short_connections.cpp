// A burst of short loopback connections with known payloads, for the
// destroy-events measurement (bench/events_done_when.sh). Each client thread
// opens its share one after another: it sends an 8-byte header (up, down)
// and `up` bytes, the server answers `down` bytes, the client closes first,
// the server reads the end and closes. Prints the listener's port, then one
// "CLIENT_PORT UP DOWN" line per connection (UP counts the header), then
// the burst's wall time on standard error.
//   short_connections COUNT THREADS
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = send(fd, data, size, 0);
    if (n <= 0) die("send");
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

void read_exactly(int fd, char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = recv(fd, data, size, 0);
    if (n <= 0) die("recv");
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

struct connection {
  std::uint16_t client_port = 0;
  std::uint32_t up = 0, down = 0;  // payload bytes each way (up without the header)
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: short_connections COUNT THREADS\n");
    return 2;
  }
  const std::size_t count = std::strtoull(argv[1], nullptr, 10);
  const std::size_t threads = std::max<std::size_t>(1, std::strtoull(argv[2], nullptr, 10));
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), length) != 0 || listen(listener, 4096) != 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    die("listener");
  }
  std::printf("%u\n", ntohs(address.sin_port));
  std::fflush(stdout);

  std::atomic<std::size_t> served{0};
  std::vector<std::thread> servers;
  for (std::size_t t = 0; t < threads; ++t) {
    servers.emplace_back([&] {
      std::vector<char> buffer(1 << 16);
      while (served.fetch_add(1) < count) {
        const int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) die("accept");
        std::uint32_t header[2];
        read_exactly(fd, reinterpret_cast<char*>(header), sizeof header);
        for (std::uint32_t left = header[0]; left > 0;) {
          const std::uint32_t n = std::min<std::uint32_t>(left, static_cast<std::uint32_t>(buffer.size()));
          read_exactly(fd, buffer.data(), n);
          left -= n;
        }
        std::vector<char> answer(header[1], 'd');
        write_all(fd, answer.data(), answer.size());
        char byte;
        if (recv(fd, &byte, 1, 0) != 0) die("expected the client's FIN");
        close(fd);
      }
    });
  }

  std::vector<connection> made(count);
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  for (std::size_t t = 0; t < threads; ++t) {
    clients.emplace_back([&, t] {
      std::vector<char> buffer(1 << 16, 'u');
      for (std::size_t i = t; i < count; i += threads) {
        connection& c = made[i];
        c.up = static_cast<std::uint32_t>(100 + (i * 7919) % 20000);
        c.down = static_cast<std::uint32_t>(50 + (i * 104729) % 5000);
        const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) die("connect");
        sockaddr_in local{};
        socklen_t local_length = sizeof local;
        getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_length);
        c.client_port = ntohs(local.sin_port);
        const std::uint32_t header[2] = {c.up, c.down};
        write_all(fd, reinterpret_cast<const char*>(header), sizeof header);
        for (std::uint32_t left = c.up; left > 0;) {
          const std::uint32_t n = std::min<std::uint32_t>(left, static_cast<std::uint32_t>(buffer.size()));
          write_all(fd, buffer.data(), n);
          left -= n;
        }
        read_exactly(fd, buffer.data(), c.down);
        close(fd);
      }
    });
  }
  for (auto& t : clients) t.join();
  const auto took = std::chrono::steady_clock::now() - started;
  for (auto& t : servers) t.join();
  for (const auto& c : made) std::printf("%u %u %u\n", c.client_port, c.up + 8, c.down);
  std::fprintf(stderr, "%zu connections in %.1f ms\n", count,
               std::chrono::duration<double, std::milli>(took).count());
  close(listener);
  return 0;
}
