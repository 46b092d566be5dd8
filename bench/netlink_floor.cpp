// The kernel's own speed for a pass: the two NETLINK_SOCK_DIAG dump
// requests tcpstats-reader sends (IPv4 then IPv6, every state, the same
// extension bits, the same 4 MiB receive buffer), each datagram received
// into one reused 256 KiB buffer and discarded. What no reader can beat;
// bench/linux_vs_ss.sh times it beside the tool and `ss -tin`.
// INTERVAL_MS sleeps that long between passes, as a poller run with -i
// does: caches go cold while it sleeps (bench/README.md, run 6). With more
// than one pass it also prints the mean CPU time of the passes after the
// first, as bench/steady_pass_cpu.cpp measures the tool's.
//   netlink_floor [PASSES [INTERVAL_MS]]   (defaults: 1, 0)
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "process_cpu.hpp"
#include "sources/linux/live.hpp"

int main(int argc, char** argv) {
  const long passes = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 1;
  const long interval_ms = argc > 2 ? std::strtol(argv[2], nullptr, 10) : 0;
  const int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return std::perror("socket"), 1;
  const int buffer_size = 4 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer_size, sizeof buffer_size) != 0) {
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer_size, sizeof buffer_size);
  }
  std::vector<char> scratch(256 * 1024);
  unsigned long long bytes = 0, messages = 0;
  std::uint32_t seq = 1;
  double first_pass_end_ms = 0;
  for (long pass = 0; pass < passes; ++pass) {
    if (pass == 1) first_pass_end_ms = process_cpu_ms();
    if (pass != 0 && interval_ms > 0) {
      const timespec pause{interval_ms / 1000, (interval_ms % 1000) * 1'000'000};
      nanosleep(&pause, nullptr);
    }
    for (const int family : {AF_INET, AF_INET6}) {
      struct {
        nlmsghdr header;
        inet_diag_req_v2 request;
      } message{};
      message.header.nlmsg_len = sizeof message;
      message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
      message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
      message.header.nlmsg_seq = seq++;
      message.request.sdiag_family = static_cast<std::uint8_t>(family);
      message.request.sdiag_protocol = IPPROTO_TCP;
      message.request.idiag_ext = tcpstats::reader::dump_extensions;
      message.request.idiag_states = ~0u;
      sockaddr_nl kernel{};
      kernel.nl_family = AF_NETLINK;
      if (sendto(fd, &message, sizeof message, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
        return std::perror("sendto"), 1;
      }
      for (bool done = false; !done;) {
        const ssize_t n = recv(fd, scratch.data(), scratch.size(), 0);
        if (n <= 0) return std::perror("recv"), 1;
        bytes += static_cast<unsigned long long>(n);
        // Only the message headers are read: where NLMSG_DONE is.
        for (ssize_t at = 0; at + static_cast<ssize_t>(sizeof(nlmsghdr)) <= n;) {
          const auto* h = reinterpret_cast<const nlmsghdr*>(scratch.data() + at);
          if (h->nlmsg_len < sizeof(nlmsghdr)) break;
          ++messages;
          if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) done = true;
          at += static_cast<ssize_t>(NLMSG_ALIGN(h->nlmsg_len));
        }
      }
    }
  }
  std::fprintf(stderr, "%ld passes, %llu messages, %llu bytes\n", passes, messages, bytes);
  if (passes > 1) {
    const double steady_ms = (process_cpu_ms() - first_pass_end_ms) / static_cast<double>(passes - 1);
    std::fprintf(stderr, "steady pass: %.3f ms CPU\n", steady_ms);
  }
  close(fd);
  return 0;
}
