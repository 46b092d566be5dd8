#pragma once
// A whole NETLINK_SOCK_DIAG dump: one or more multi-part replies (say IPv4
// then IPv6), each ended by NLMSG_DONE, as recvmsg() delivered them.
//
// Contract: `bytes` is any buffer (the concatenated recvmsg() payloads of
// a dump, or a file `ss -D` wrote); integers in it are read as little-endian
// (x86_64 and arm64 hosts). The views passed to visit point into `bytes` and
// are valid while it is. Errors carry the offending message's offset. No
// allocation, no exceptions.

#include <cstddef>
#include <cstdint>

#include "tcpstats/error.hpp"
#include "tcpstats/sock_diag/inet_diag.hpp"
#include "tcpstats/sock_diag/netlink.hpp"

namespace tcpstats::sock_diag {

struct dump_summary {
  std::size_t sockets = 0;
  std::size_t replies = 0;   // NLMSG_DONE messages seen
  bool interrupted = false;  // NLM_F_DUMP_INTR: the table changed during the dump
};

// Walks every message; calls visit(const inet_diag_msg_view&) for each
// SOCK_DIAG_BY_FAMILY message. Errors: framing (as message_range), an
// inet_diag_msg shorter than its struct, NLMSG_ERROR or a negative
// NLMSG_DONE status (kernel_error, detail = errno, at the message), and a
// buffer that does not end with NLMSG_DONE (missing_done, at its end).
// NLMSG_NOOP and unknown message types are skipped. Attributes are not
// looked at here (materialize() checks them).
template <class Visit>
[[nodiscard]] constexpr result<dump_summary> walk_dump(std::span<const std::byte> bytes, Visit&& visit) noexcept {
  dump_summary summary;
  bool last_was_done = false;
  for (const auto& item : message_range(bytes)) {
    if (!item) return item.error();
    const message& m = *item;
    last_was_done = false;
    if (m.is_dump_interrupted()) summary.interrupted = true;
    switch (m.nlmsg_type) {
      case sock_diag_by_family: {
        const auto msg = inet_diag_msg_view::parse(m.payload, m.offset + nlmsghdr_size);
        if (!msg) return msg.error();
        visit(*msg);
        ++summary.sockets;
        break;
      }
      case nlmsg_done: {
        // The payload, when present, is the dump's status: 0 or -errno.
        const auto status = load_le<std::int32_t>(m.payload, 0);
        if (status && *status < 0) return parse_error{errc::kernel_error, m.offset, errno_of(*status)};
        ++summary.replies;
        last_was_done = true;
        break;
      }
      case nlmsg_error: {
        const auto code = error_code(m);
        if (!code) return parse_error{errc::record_too_short, m.offset};
        if (*code != 0) return parse_error{errc::kernel_error, m.offset, *code};
        break;
      }
      default: break;  // NLMSG_NOOP, NLMSG_OVERRUN and unknown types
    }
  }
  if (!last_was_done) return parse_error{errc::missing_done, bytes.size()};
  return summary;
}

}  // namespace tcpstats::sock_diag
