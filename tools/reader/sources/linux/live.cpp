#include "sources/linux/live.hpp"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

#include "core/page_region.hpp"
#include "core/tool_version.hpp"
#include "sources/clock.hpp"
#include "tcpstats/sock_diag/netlink.hpp"

namespace tcpstats::reader {

namespace {

class netlink_socket {
 public:
  netlink_socket() : fd_(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) {}
  ~netlink_socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  netlink_socket(const netlink_socket&) = delete;
  netlink_socket& operator=(const netlink_socket&) = delete;
  [[nodiscard]] int fd() const { return fd_; }

 private:
  int fd_;
};

static_assert(dump_extensions == ((1u << (INET_DIAG_INFO - 1)) | (1u << (INET_DIAG_CONG - 1)) |
                                   (1u << (INET_DIAG_SKMEMINFO - 1)) | (1u << (INET_DIAG_TOS - 1)) |
                                   (1u << (INET_DIAG_TCLASS - 1)) | (1u << (INET_DIAG_SHUTDOWN - 1)) |
                                   (1u << (INET_DIAG_VEGASINFO - 1))));

bool request_dump(int fd, std::uint8_t family, std::uint32_t states, std::uint32_t seq, std::string& error) {
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } message{};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message.header.nlmsg_seq = seq;
  message.request.sdiag_family = family;
  message.request.sdiag_protocol = IPPROTO_TCP;
  message.request.idiag_ext = dump_extensions;
  message.request.idiag_states = states;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd, &message, sizeof message, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
    error = std::string("netlink sock_diag request: ") + std::strerror(errno);
    return false;
  }
  return true;
}

// The dump's storage, kept from pass to pass: a region of its own (huge
// pages where offered), filled by recv() directly. A pass's raw_pass shares
// it; the next pass reuses it once that raw_pass is gone, else takes a new one.
struct dump_storage {
  page_region region;
  std::size_t size = 0;
};

// A dump datagram is at most 32 KiB (the kernel caps its dump buffers there).
constexpr std::size_t datagram_room = 64 * 1024;

// Room for one more datagram, moving what was received to a region twice
// as large when the estimate fell short.
void make_room(std::shared_ptr<dump_storage>& storage) {
  if (storage->region.capacity() - storage->size >= datagram_room) return;
  page_region bigger(std::max(storage->region.capacity() * 2, storage->size + datagram_room));
  std::memcpy(bigger.data(), storage->region.data(), storage->size);
  storage->region = std::move(bigger);
}

// Appends the reply to `storage` until its NLMSG_DONE or NLMSG_ERROR.
bool receive_dump(int fd, std::shared_ptr<dump_storage>& storage, std::string& error) {
  for (;;) {
    make_room(storage);
    std::byte* at = storage->region.data() + storage->size;
    const std::size_t room = storage->region.capacity() - storage->size;
    ssize_t n;
    do {
      n = ::recv(fd, at, room, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      error = std::string("netlink sock_diag receive: ") + std::strerror(errno);
      return false;
    }
    if (n == 0) {
      error = "netlink sock_diag receive: the kernel closed the socket";
      return false;
    }
    const auto datagram = std::span<const std::byte>(at, static_cast<std::size_t>(n));
    storage->size += datagram.size();
    // Netlink never splits a message across datagrams: scan this one.
    for (const auto& m : sock_diag::message_range(datagram)) {
      if (!m) {
        error = "netlink sock_diag receive: malformed reply";
        return false;
      }
      if (m->nlmsg_type == sock_diag::nlmsg_done || m->nlmsg_type == sock_diag::nlmsg_error) return true;
    }
  }
}

std::optional<std::string> read_text_file(const char* path);

// A first guess at the dump's size from /proc/net/sockstat ("TCP: inuse N
// orphan O tw T alloc A ..."), so the buffer is sized once instead of
// regrown and copied: about 600 bytes per socket with tcp_info.
std::size_t expected_dump_bytes() {
  const auto text = read_text_file("/proc/net/sockstat");
  std::size_t sockets = 0;
  if (text) {
    const auto at = text->find("TCP: inuse ");
    if (at != std::string::npos) sockets = std::strtoull(text->c_str() + at + 11, nullptr, 10);
    const auto tw = text->find(" tw ", at == std::string::npos ? 0 : at);
    if (tw != std::string::npos) sockets += std::strtoull(text->c_str() + tw + 4, nullptr, 10);
  }
  return std::max<std::size_t>(64 * 1024, (sockets + 64) * 600);
}

std::optional<std::string> read_text_file(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

std::optional<raw_pass> read_linux_pass(const linux_read_options& options, std::string& error) {
  raw_pass out;
  out.meta.source = platform::linux_;
  out.meta.timestamp_ns = clock_ns(CLOCK_REALTIME);
  const std::uint64_t started = clock_ns(CLOCK_MONOTONIC);

  netlink_socket socket;
  if (socket.fd() < 0) {
    error = std::string("netlink sock_diag socket: ") + std::strerror(errno);
    return std::nullopt;
  }
  // A large receive buffer keeps the kernel from pausing the dump.
  const int buffer_size = 4 << 20;
  if (::setsockopt(socket.fd(), SOL_SOCKET, SO_RCVBUFFORCE, &buffer_size, sizeof buffer_size) != 0) {
    (void)::setsockopt(socket.fd(), SOL_SOCKET, SO_RCVBUF, &buffer_size, sizeof buffer_size);
  }
  static std::shared_ptr<dump_storage> kept;
  std::shared_ptr<dump_storage> storage =
      kept && kept.use_count() == 1 ? kept : std::make_shared<dump_storage>();
  kept = storage;
  storage->size = 0;
  if (const std::size_t expected = expected_dump_bytes(); storage->region.capacity() < expected) {
    storage->region = page_region(expected);
  }
  std::uint32_t seq = 1;
  for (const std::uint8_t family : {std::uint8_t{AF_INET}, std::uint8_t{AF_INET6}}) {
    if (family == AF_INET ? !options.ipv4 : !options.ipv6) continue;
    if (!request_dump(socket.fd(), family, options.state_mask, seq++, error)) return std::nullopt;
    if (!receive_dump(socket.fd(), storage, error)) return std::nullopt;
  }
  const std::span<const std::byte> bytes(storage->region.data(), storage->size);
  out.table = byte_blob(std::move(storage), bytes);
  out.snmp = read_text_file("/proc/net/snmp");
  out.meta.collection_duration_ns = clock_ns(CLOCK_MONOTONIC) - started;

  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) out.meta.hostname = host;
  utsname names{};
  if (::uname(&names) == 0) {
    out.meta.os_version = names.release;
    out.meta.os_release = names.release;
  }
  out.meta.tool_version = std::string(tool_version);
  return out;
}

}  // namespace tcpstats::reader
