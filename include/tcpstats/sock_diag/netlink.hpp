#pragma once
// A zero-copy walker over a netlink byte stream: the nlmsghdr sequence that
// a NETLINK_SOCK_DIAG dump returns (what recvmsg() delivers, what
// `ss -D FILE` and `tcpstats-reader --capture` save). Each step checks that
// the header fits, that nlmsg_len covers the header, and that the message
// fits what remains, in that order. Integers are host order; dumps are
// taken as little-endian (x86_64, arm64).
//
// Contract: any bytes are valid input. The range yields result<message>:
// each message, or one error (truncated_record, zero_length,
// record_too_short at the message's offset) after which it ends. A
// message's payload points into the walked buffer and is valid while it is.

#include <cstddef>
#include <climits>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>

#include "tcpstats/bytes.hpp"
#include "tcpstats/error.hpp"
#include "tcpstats/single_pass_iterator.hpp"

namespace tcpstats::sock_diag {

// <linux/netlink.h> and <linux/sock_diag.h>.
inline constexpr std::size_t nlmsghdr_size = 16;
inline constexpr std::uint16_t nlmsg_noop = 1;
inline constexpr std::uint16_t nlmsg_error = 2;
inline constexpr std::uint16_t nlmsg_done = 3;
inline constexpr std::uint16_t nlmsg_overrun = 4;
inline constexpr std::uint16_t sock_diag_by_family = 20;
inline constexpr std::uint16_t nlm_f_multi = 0x2;
inline constexpr std::uint16_t nlm_f_dump_intr = 0x10;

// NLMSG_ALIGN / RTA_ALIGN: 4 bytes.
[[nodiscard]] constexpr std::size_t align_4(std::size_t length) noexcept { return (length + 3u) & ~std::size_t{3}; }

// One netlink message: its header fields and payload (the bytes after the
// header, up to nlmsg_len). Valid while the walked buffer is.
struct message {
  std::uint32_t nlmsg_len;
  std::uint16_t nlmsg_type;
  std::uint16_t nlmsg_flags;
  std::uint32_t nlmsg_seq;
  std::uint32_t nlmsg_pid;
  std::span<const std::byte> payload;
  std::size_t offset;  // of the header in the buffer

  [[nodiscard]] constexpr bool is_dump_interrupted() const noexcept { return (nlmsg_flags & nlm_f_dump_intr) != 0; }
};

// A single-pass range over the messages of a buffer. Yields
// result<message>: every message, or one error after which it ends.
class message_range {
 public:
  using iterator = tcpstats::detail::single_pass_iterator<message_range, result<message>>;

  constexpr explicit message_range(std::span<const std::byte> buffer) noexcept : buffer_(buffer) {}

  [[nodiscard]] iterator begin() noexcept {
    if (!started_) advance();
    return iterator{this};
  }
  [[nodiscard]] std::default_sentinel_t end() const noexcept { return {}; }

 private:
  friend iterator;

  [[nodiscard]] const result<message>& current() const noexcept { return current_; }
  [[nodiscard]] bool is_done() const noexcept { return done_; }

  void advance() noexcept {
    started_ = true;
    if (done_) return;
    if (failed_ || cursor_ == buffer_.size()) {
      done_ = true;
      return;
    }
    const std::size_t pos = cursor_;
    const std::size_t remaining = buffer_.size() - pos;
    if (remaining < nlmsghdr_size) return fail(errc::truncated_record, pos);
    const std::byte* at = buffer_.data() + pos;
    const auto len = tcpstats::detail::load_le_unchecked<std::uint32_t>(at);
    if (len < nlmsghdr_size) return fail(len == 0 ? errc::zero_length : errc::record_too_short, pos);
    if (len > remaining) return fail(errc::truncated_record, pos);
    current_ = message{len,
                       tcpstats::detail::load_le_unchecked<std::uint16_t>(at + 4),
                       tcpstats::detail::load_le_unchecked<std::uint16_t>(at + 6),
                       tcpstats::detail::load_le_unchecked<std::uint32_t>(at + 8),
                       tcpstats::detail::load_le_unchecked<std::uint32_t>(at + 12),
                       buffer_.subspan(pos + nlmsghdr_size, len - nlmsghdr_size),
                       pos};
    // The last message of a buffer may lack its alignment padding.
    cursor_ = pos + (align_4(len) <= remaining ? align_4(len) : remaining);
  }

  void fail(errc code, std::size_t offset) noexcept {
    current_ = parse_error{code, offset};
    failed_ = true;
  }

  std::span<const std::byte> buffer_;
  std::size_t cursor_ = 0;
  bool started_ = false;
  bool done_ = false;
  bool failed_ = false;
  result<message> current_{parse_error{errc::truncated_record, 0}};
};

// The errno carried as a negative int (nlmsgerr.error, NLMSG_DONE's
// status). INT32_MIN has no positive counterpart: it saturates instead of
// overflowing (found by fuzz_sock_diag).
[[nodiscard]] constexpr std::int32_t errno_of(std::int32_t negative) noexcept {
  return negative == INT32_MIN ? INT32_MAX : -negative;
}

// The errno of an NLMSG_ERROR message (struct nlmsgerr: int error, then the
// request's header); 0 is an acknowledgement. Empty if the payload is short.
[[nodiscard]] constexpr std::optional<std::int32_t> error_code(const message& m) noexcept {
  const auto error = load_le<std::int32_t>(m.payload, 0);
  if (!error) return std::nullopt;
  return errno_of(*error);
}

}  // namespace tcpstats::sock_diag
