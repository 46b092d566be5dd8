#pragma once
// Socket destroy events: what a NETLINK_SOCK_DIAG socket that joined the
// multicast groups SKNLGRP_INET_TCP_DESTROY and SKNLGRP_INET6_TCP_DESTROY
// receives (what `ss -E` prints), one message per TCP socket as the kernel
// frees it. Each is a SOCK_DIAG_BY_FAMILY message: an inet_diag_msg
// (addresses, ports, interface, cookie, queues; idiag_state CLOSE; uid,
// inode and timer left zero) followed by INET_DIAG_PROTOCOL and
// INET_DIAG_INFO (the socket's final tcp_info, any length) and nothing
// else. Only sockets a process owned are reported, not kernel-internal
// ones; TIME_WAIT and SYN_RECV request entries are not sockets and send none.
//
// Contract: `bytes` is any buffer (received datagrams concatenated, or a
// file the tool's --capture wrote); integers are read as little-endian.
// Views point into `bytes` and are valid while it is. Each message is
// checked whole (framing, inet_diag_msg size, every attribute's length)
// before it is visited. Errors carry the offending message's or
// attribute's offset. No allocation, no exceptions.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "tcpstats/connection_record.hpp"
#include "tcpstats/error.hpp"
#include "tcpstats/sock_diag/inet_diag.hpp"
#include "tcpstats/sock_diag/materialize.hpp"
#include "tcpstats/sock_diag/netlink.hpp"
#include "tcpstats/sock_diag/tcp_info.hpp"

namespace tcpstats::sock_diag {

// enum sknetlink_groups (<linux/sock_diag.h>): the group numbers for
// NETLINK_ADD_MEMBERSHIP; bind()'s nl_groups takes 1 << (group - 1).
inline constexpr std::uint32_t sknlgrp_inet_tcp_destroy = 1;
inline constexpr std::uint32_t sknlgrp_inet6_tcp_destroy = 3;
inline constexpr std::uint8_t ipproto_tcp = 6;

// One destroy message: the inet_diag_msg, and the tcp_info and protocol
// attributes when the message carried them.
class destroy_event_view {
 public:
  // Checks a SOCK_DIAG_BY_FAMILY message: the inet_diag_msg fits, every
  // attribute's length is sound. Errors: record_too_short (at the payload),
  // bad_attribute (at the attribute).
  [[nodiscard]] static constexpr result<destroy_event_view> parse(const message& m) noexcept {
    const auto msg = inet_diag_msg_view::parse(m.payload, m.offset + nlmsghdr_size);
    if (!msg) return msg.error();
    destroy_event_view out(*msg);
    const auto walked = for_each_attribute(msg->attribute_bytes(), msg->offset() + inet_diag_msg_size,
                                           [&out](const attribute& a) {
      if (a.type == attr::info) out.info_ = a.payload;
      if (a.type == attr::protocol) out.protocol_ = load_le<std::uint8_t>(a.payload, 0);
    });
    if (!walked) return walked.error();
    return out;
  }

  [[nodiscard]] constexpr const inet_diag_msg_view& msg() const noexcept { return msg_; }
  // The socket's final tcp_info; empty when the message had no INET_DIAG_INFO.
  [[nodiscard]] constexpr std::optional<tcp_info_view> tcp_info() const noexcept {
    if (!info_) return std::nullopt;
    return tcp_info_view(*info_);
  }
  // INET_DIAG_PROTOCOL (IPPROTO_TCP for these groups); empty when absent.
  [[nodiscard]] constexpr std::optional<std::uint8_t> protocol() const noexcept { return protocol_; }

 private:
  constexpr explicit destroy_event_view(const inet_diag_msg_view& msg) noexcept : msg_(msg) {}

  inet_diag_msg_view msg_;
  std::optional<std::span<const std::byte>> info_;
  std::optional<std::uint8_t> protocol_;
};

struct destroy_summary {
  std::size_t events = 0;   // TCP destroy messages visited
  std::size_t skipped = 0;  // other protocols' destroy messages (a UDP group joined too)
};

// Walks every message; calls visit(const destroy_event_view&) for each TCP
// destroy message, in order. NLMSG_NOOP, NLMSG_DONE, NLMSG_OVERRUN and
// unknown types are skipped, as are destroy messages whose
// INET_DIAG_PROTOCOL is not TCP. Errors: framing (as message_range), a
// malformed destroy message (as destroy_event_view::parse), an NLMSG_ERROR
// with an errno (kernel_error, detail = errno) or too short to hold one
// (record_too_short). No message after the first error is visited.
template <class Visit>
[[nodiscard]] constexpr result<destroy_summary> walk_destroy_events(std::span<const std::byte> bytes,
                                                                    Visit&& visit) noexcept {
  destroy_summary summary;
  for (const auto& item : message_range(bytes)) {
    if (!item) return item.error();
    const message& m = *item;
    if (m.nlmsg_type == nlmsg_error) {
      const auto code = error_code(m);
      if (!code) return parse_error{errc::record_too_short, m.offset};
      if (*code != 0) return parse_error{errc::kernel_error, m.offset, *code};
      continue;
    }
    if (m.nlmsg_type != sock_diag_by_family) continue;
    const auto event = destroy_event_view::parse(m);
    if (!event) return event.error();
    if (event->protocol() && *event->protocol() != ipproto_tcp) {
      ++summary.skipped;
      continue;
    }
    visit(*event);
    ++summary.events;
  }
  return summary;
}

// Overwrites `out` with the destroyed socket's final values: endpoints,
// cookie (socket_id), state (CLOSE as the kernel sent it), interface,
// queues and every tcp_info field. What a destroy message cannot carry
// stays absent rather than zero: uid, inode and the timer (the kernel
// leaves them 0), and the attributes a dump adds (congestion control,
// socket memory, TOS, ...).
inline void materialize(const destroy_event_view& event, connection_record& out) noexcept {
  // The attribute list was checked by parse(): this cannot fail.
  (void)materialize(event.msg(), out);
  out.uid.reset();
  out.inode.reset();
  out.timer.reset();
  out.timer_expires_ms.reset();
  out.timer_retransmits.reset();
}

}  // namespace tcpstats::sock_diag
