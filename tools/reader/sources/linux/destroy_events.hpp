#pragma once
// Linux socket destroy events: a NETLINK_SOCK_DIAG socket, in the network
// namespace the process is in when it starts, that joined
// SKNLGRP_INET_TCP_DESTROY and/or SKNLGRP_INET6_TCP_DESTROY (what `ss -E`
// listens to). A thread of its own drains it as messages arrive, so the
// kernel's queue does not fill while a pass runs; each pass takes what came
// since the previous one. Compiled only on Linux.

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tcpstats::reader {

struct destroy_events_options {
  bool ipv4 = true, ipv6 = true;  // which groups to join
  // The socket's receive buffer: SO_RCVBUFFORCE when permitted
  // (CAP_NET_ADMIN), else SO_RCVBUF (capped by net.core.rmem_max). Each
  // queued message takes ~1,280 bytes of it.
  std::size_t receive_buffer = std::size_t{32} << 20;
  // Bytes held between two passes; messages beyond it count as dropped.
  std::size_t max_pending = std::size_t{128} << 20;
};

class destroy_event_reader {
 public:
  destroy_event_reader() = default;
  ~destroy_event_reader();
  destroy_event_reader(const destroy_event_reader&) = delete;
  destroy_event_reader& operator=(const destroy_event_reader&) = delete;

  // Opens the socket, joins the groups and starts the thread. On failure
  // returns false and sets `error` to one line.
  [[nodiscard]] bool start(const destroy_events_options& options, std::string& error);

  // Receives what the socket holds now, then moves every message that came
  // since the previous take() into `out` (replacing its content: the
  // received datagrams, concatenated). Returns how many messages were lost
  // since then: the kernel's count of those that found the receive buffer
  // full (SO_MEMINFO's drops; ENOBUFS when that is unavailable) plus those
  // beyond max_pending.
  [[nodiscard]] std::uint64_t take(std::vector<std::byte>& out);

  // The receive buffer the kernel granted (twice the request, as it books
  // overhead), for messages.
  [[nodiscard]] std::size_t receive_buffer() const { return granted_; }

 private:
  void run();
  void receive_available();  // with mutex_ held
  [[nodiscard]] std::uint32_t kernel_drops() const;

  int fd_ = -1;
  int wake_fd_ = -1;  // an eventfd: ends the thread
  std::size_t granted_ = 0;
  std::size_t max_pending_ = 0;
  bool meminfo_ = false;  // SO_MEMINFO works: drops are counted exactly
  std::thread thread_;
  std::mutex mutex_;
  // Guarded by mutex_:
  std::vector<std::byte> pending_;
  std::vector<std::byte> scratch_;  // recvmmsg's slots
  std::uint64_t lost_ = 0;          // over max_pending, or ENOBUFS without SO_MEMINFO
  std::uint32_t drops_taken_ = 0;   // SO_MEMINFO drops at the previous take()
};

}  // namespace tcpstats::reader
