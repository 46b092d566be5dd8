#include "sources/linux/destroy_events.hpp"

#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace tcpstats::reader {

namespace {

// recvmmsg's batch: one destroy message per datagram (~380 bytes on 6.x).
constexpr std::size_t slots = 64;
constexpr std::size_t slot_size = 4096;

}  // namespace

destroy_event_reader::~destroy_event_reader() {
  if (thread_.joinable()) {
    const std::uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
    thread_.join();
  }
  if (fd_ >= 0) ::close(fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

bool destroy_event_reader::start(const destroy_events_options& options, std::string& error) {
  const auto failed = [&error](const char* what) {
    error = std::string("netlink sock_diag destroy events: ") + what + ": " + std::strerror(errno);
    return false;
  };
  fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd_ < 0) return failed("socket");
  const int size = static_cast<int>(options.receive_buffer / 2);  // the kernel doubles it
  if (::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0 &&
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) != 0) {
    return failed("SO_RCVBUF");
  }
  int granted = 0;
  socklen_t length = sizeof granted;
  if (::getsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &granted, &length) == 0) granted_ = static_cast<std::size_t>(granted);
  // A full queue then drops only what does not fit, instead of every
  // message until the queue is read empty (the congested state ENOBUFS
  // reports); SO_MEMINFO still counts each one.
  std::array<std::uint32_t, SK_MEMINFO_VARS> meminfo{};
  socklen_t meminfo_length = sizeof meminfo;
  meminfo_ = ::getsockopt(fd_, SOL_SOCKET, SO_MEMINFO, meminfo.data(), &meminfo_length) == 0;
  if (meminfo_) {
    const int on = 1;
    (void)::setsockopt(fd_, SOL_NETLINK, NETLINK_NO_ENOBUFS, &on, sizeof on);
    drops_taken_ = meminfo[SK_MEMINFO_DROPS];
  }
  // Bound (a port id of its own: the kernel skips unbound sockets when it
  // multicasts), then joined.
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) return failed("bind");
  for (const auto& [wanted, group] : {std::pair{options.ipv4, int{SKNLGRP_INET_TCP_DESTROY}},
                                     std::pair{options.ipv6, int{SKNLGRP_INET6_TCP_DESTROY}}}) {
    if (wanted && ::setsockopt(fd_, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0) {
      return failed("NETLINK_ADD_MEMBERSHIP");
    }
  }
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (wake_fd_ < 0) return failed("eventfd");
  max_pending_ = options.max_pending;
  scratch_.resize(slots * slot_size);
  thread_ = std::thread([this] { run(); });
  return true;
}

void destroy_event_reader::run() {
  for (;;) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    const std::lock_guard lock(mutex_);
    receive_available();
  }
}

void destroy_event_reader::receive_available() {
  std::array<mmsghdr, slots> headers{};
  std::array<iovec, slots> vectors{};
  for (;;) {
    for (std::size_t i = 0; i < slots; ++i) {
      vectors[i] = {scratch_.data() + i * slot_size, slot_size};
      headers[i] = {};
      headers[i].msg_hdr.msg_iov = &vectors[i];
      headers[i].msg_hdr.msg_iovlen = 1;
    }
    const int received = ::recvmmsg(fd_, headers.data(), slots, MSG_DONTWAIT, nullptr);
    if (received < 0) {
      if (errno == EINTR) continue;
      // Without SO_MEMINFO an overflow shows only as ENOBUFS: at least one lost.
      if (errno == ENOBUFS) {
        if (!meminfo_) ++lost_;
        continue;
      }
      return;  // EAGAIN: nothing more now
    }
    for (int i = 0; i < received; ++i) {
      const auto& header = headers[static_cast<std::size_t>(i)];
      const std::size_t bytes = header.msg_len;
      // A datagram larger than a slot arrives cut: it is lost, not kept half.
      if ((header.msg_hdr.msg_flags & MSG_TRUNC) != 0 || pending_.size() + bytes > max_pending_) {
        ++lost_;
        continue;
      }
      const std::byte* from = scratch_.data() + static_cast<std::size_t>(i) * slot_size;
      pending_.insert(pending_.end(), from, from + bytes);
    }
    if (static_cast<std::size_t>(received) < slots) return;
  }
}

std::uint32_t destroy_event_reader::kernel_drops() const {
  std::array<std::uint32_t, SK_MEMINFO_VARS> meminfo{};
  socklen_t length = sizeof meminfo;
  if (::getsockopt(fd_, SOL_SOCKET, SO_MEMINFO, meminfo.data(), &length) != 0) return drops_taken_;
  return meminfo[SK_MEMINFO_DROPS];
}

std::uint64_t destroy_event_reader::take(std::vector<std::byte>& out) {
  const std::lock_guard lock(mutex_);
  receive_available();
  out.swap(pending_);
  pending_.clear();
  std::uint64_t lost = lost_;
  lost_ = 0;
  if (meminfo_) {
    const std::uint32_t drops = kernel_drops();
    lost += static_cast<std::uint32_t>(drops - drops_taken_);  // a 32-bit counter: modulo 2^32
    drops_taken_ = drops;
  }
  return lost;
}

}  // namespace tcpstats::reader
