#pragma once
// A zero-copy walker over a macOS net.inet.tcp.pcblist_n buffer (what
// `sysctl -b net.inet.tcp.pcblist_n` writes): the xinpgen header, one group
// of records per PCB, then the xinpgen trailer. Every step checks, in order,
// that a record header fits, that its length is at least its kind's minimum,
// and that the record and its padding fit what remains; loops are bounded
// by the buffer, never by the trailer. No allocation, no exceptions.
//
//   auto list = tcpstats::xnu::pcblist_n::parse(bytes);
//   if (!list) return list.error();
//   auto groups = list->groups();
//   for (const auto& group : groups) {
//     if (!group) return group.error();   // yielded once, then iteration ends
//     use(group->inpcb(), group->tcpcb());
//   }
//   auto trailer = groups.trailer();      // compare xig_gen with the header's
//
// Contract: any bytes are valid input; they are read as little-endian, as
// every Mac (x86, arm64) writes them. The buffer must outlive
// the pcblist_n, its group_range and every view taken from them: views are
// offsets into it, never copies. Errors: parse() reports a bad header
// (truncated_header, bad_header_length, trailing_garbage); the range yields
// each group once, or one error (truncated_record, record_too_short,
// duplicate_record, record_outside_group, missing_trailer,
// trailing_garbage at the offending byte) and then ends.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>

#include "tcpstats/bytes.hpp"
#include "tcpstats/error.hpp"
#include "tcpstats/single_pass_iterator.hpp"
#include "tcpstats/xnu/records.hpp"

namespace tcpstats::xnu {

// The records of one PCB. A group starts at its xinpcb_n record; the others
// are present when the kernel wrote them (socketless PCBs have no buffers,
// UDP lists no tcpcb). Views point into the walked buffer. Trivially
// copyable, so walking copies no more than a few cache lines per group.
class connection_group {
 public:
  // Offset of the group's xinpcb_n record in the buffer.
  [[nodiscard]] constexpr std::size_t offset() const noexcept { return inpcb_.offset(); }
  [[nodiscard]] constexpr const xinpcb_n_view& inpcb() const noexcept { return inpcb_; }
  [[nodiscard]] constexpr std::optional<xsocket_n_view> socket() const noexcept {
    return present(kind::xso_socket, socket_);
  }
  [[nodiscard]] constexpr std::optional<xsockbuf_n_view> rcvbuf() const noexcept {
    return present(kind::xso_rcvbuf, rcvbuf_);
  }
  [[nodiscard]] constexpr std::optional<xsockbuf_n_view> sndbuf() const noexcept {
    return present(kind::xso_sndbuf, sndbuf_);
  }
  [[nodiscard]] constexpr std::optional<xsockstat_n_view> stats() const noexcept {
    return present(kind::xso_stats, stats_);
  }
  [[nodiscard]] constexpr std::optional<xtcpcb_n_view> tcpcb() const noexcept {
    return present(kind::xso_tcpcb, tcpcb_);
  }

  // User-space-stack flows (macOS 12+) have no kernel PCB behind them.
  [[nodiscard]] constexpr bool is_user_space_flow() const noexcept { return inpcb_.xi_inpp() == 0; }

 private:
  friend class group_range;

  template <class View>
  [[nodiscard]] constexpr std::optional<View> present(std::uint32_t record_kind, const View& view) const noexcept {
    if ((kinds_ & record_kind) == 0) return std::nullopt;
    return view;
  }

  xinpcb_n_view inpcb_;
  xsocket_n_view socket_;
  xsockbuf_n_view rcvbuf_;
  xsockbuf_n_view sndbuf_;
  xsockstat_n_view stats_;
  xtcpcb_n_view tcpcb_;
  std::uint32_t kinds_ = 0;  // XSO_* bits of the records seen
};

// A single-pass range over the groups of a list. Iteration yields
// result<connection_group>: every group, or one error after which the range
// ends. The range is a cursor: copies share nothing, iterators point into it.
class group_range {
 public:
  using iterator = tcpstats::detail::single_pass_iterator<group_range, result<connection_group>>;

  [[nodiscard]] iterator begin() noexcept {
    if (!started_) advance();
    return iterator{this};
  }
  [[nodiscard]] std::default_sentinel_t end() const noexcept { return {}; }

  // The closing xinpgen, walking whatever iteration has not reached yet (so
  // calling it alone validates the whole buffer); or the first error of the
  // walk. An empty list (xig_count == 0) has no trailer on the wire: the
  // header is returned, so header and trailer generations compare equal.
  [[nodiscard]] result<xinpgen_view> trailer() noexcept {
    if (!started_) advance();
    while (!done_) advance();
    if (failure_) return *failure_;
    return *trailer_;
  }

 private:
  friend class pcblist_n;
  friend iterator;

  [[nodiscard]] const result<connection_group>& current() const noexcept { return current_; }
  [[nodiscard]] bool is_done() const noexcept { return done_; }

  group_range(std::span<const std::byte> buffer, xinpgen_view header) noexcept
      : buffer_(buffer), header_len_(header.xig_len()), cursor_(round_up_8(header.xig_len())) {
    if (header.xig_count() == 0) trailer_ = header;
  }

  enum class step { group, end, error };

  void advance() noexcept {
    started_ = true;
    if (done_) return;
    if (failure_ || trailer_) {  // the error or the end was already reached
      done_ = true;
      return;
    }
    // current_ holds a group until the walk fails: refill it in place (its
    // stale views are masked by kinds_ = 0) rather than copy a new one in.
    connection_group& group = *current_;
    group.kinds_ = 0;
    const step outcome = next_group(group);
    if (outcome == step::error) {
      current_ = *failure_;
    } else if (outcome == step::end) {
      done_ = true;
    }
  }

  // Reads records from cursor_ until one group is complete, the trailer is
  // reached or the input is malformed. Invariant: cursor_ <= buffer size.
  step next_group(connection_group& group) noexcept {
    bool open = false;  // an xinpcb_n has started the group
    for (;;) {
      const std::size_t pos = cursor_;
      const std::size_t remaining = buffer_.size() - pos;
      if (remaining < 8) {
        if (remaining != 0) return fail(errc::truncated_record, pos);
        if (open) return step::group;  // the next call reports the missing trailer
        return fail(errc::missing_trailer, pos);
      }
      const std::byte* at = buffer_.data() + pos;
      const std::uint32_t len = tcpstats::detail::load_le_unchecked<std::uint32_t>(at);
      const std::uint32_t record_kind = tcpstats::detail::load_le_unchecked<std::uint32_t>(at + 4);
      // A new group or the trailer completes the current group, whatever
      // their lengths turn out to be: the next call validates them.
      const bool is_trailer = len == header_len_;  // no record has the header's length
      if (open && (is_trailer || record_kind == kind::xso_inpcb)) return step::group;

      // round_up_8 cannot wrap: len < 2^32. A stride that fits implies the
      // record fits.
      const std::size_t stride = round_up_8(len);
      if (stride > remaining) return fail(errc::truncated_record, pos);
      if (is_trailer) {
        if (stride != remaining) return fail(errc::trailing_garbage, pos + stride);
        trailer_ = xinpgen_view(buffer_.subspan(pos, len), pos);
        return step::end;
      }
      if (len < 8) return fail(len == 0 ? errc::zero_length : errc::record_too_short, pos);
      const auto bytes = buffer_.subspan(pos, len);

      if (record_kind == kind::xso_inpcb) {
        if (len < xinpcb_n_view::min_size) return fail(errc::record_too_short, pos);
        group.inpcb_ = xinpcb_n_view(bytes, pos);
        open = true;
      } else if (!open) {
        return fail(errc::record_outside_group, pos);
      } else {
        bool ok = true;
        switch (record_kind) {
          case kind::xso_socket: ok = attach(group, group.socket_, record_kind, bytes, pos); break;
          case kind::xso_rcvbuf: ok = attach(group, group.rcvbuf_, record_kind, bytes, pos); break;
          case kind::xso_sndbuf: ok = attach(group, group.sndbuf_, record_kind, bytes, pos); break;
          case kind::xso_stats: ok = attach(group, group.stats_, record_kind, bytes, pos); break;
          case kind::xso_tcpcb: ok = attach(group, group.tcpcb_, record_kind, bytes, pos); break;
          default: break;  // kind 0 (socketless placeholders) and unknown kinds: skipped
        }
        if (!ok) return step::error;
      }
      cursor_ = pos + stride;
    }
  }

  // Adds a per-connection record to the group: once per kind, and at least
  // as long as the oldest layout of its struct.
  template <class View>
  bool attach(connection_group& group, View& slot, std::uint32_t record_kind, std::span<const std::byte> bytes,
              std::size_t pos) noexcept {
    if ((group.kinds_ & record_kind) != 0) return fail(errc::duplicate_record, pos), false;
    if (bytes.size() < View::min_size) return fail(errc::record_too_short, pos), false;
    slot = View(bytes, pos);
    group.kinds_ |= record_kind;
    return true;
  }

  step fail(errc code, std::size_t offset) noexcept {
    failure_ = parse_error{code, offset};
    return step::error;
  }

  std::span<const std::byte> buffer_;
  std::uint32_t header_len_;
  std::size_t cursor_;
  bool started_ = false;
  bool done_ = false;
  result<connection_group> current_{connection_group{}};
  std::optional<parse_error> failure_;
  std::optional<xinpgen_view> trailer_;
};

// A parsed list: the header is checked, everything else is read on demand.
class pcblist_n {
 public:
  // Checks the xinpgen header. An empty list (xig_count == 0) must end right
  // after it; the kernel writes no trailer then. The buffer must outlive the
  // returned object and every view taken from it.
  [[nodiscard]] static constexpr result<pcblist_n> parse(std::span<const std::byte> buffer) noexcept {
    constexpr std::size_t header_size = xinpgen_view::min_size;
    if (buffer.size() < header_size) return parse_error{errc::truncated_header, buffer.size()};
    const std::uint32_t len = tcpstats::detail::load_le_unchecked<std::uint32_t>(buffer.data());
    // Every XNU writes exactly sizeof(struct xinpgen); the trailer is found
    // by that length, so any other value makes the list undecodable.
    if (len != header_size) return parse_error{errc::bad_header_length, 0};
    const xinpgen_view header(buffer.first(header_size), 0);
    if (header.xig_count() == 0 && buffer.size() != header_size) {
      return parse_error{errc::trailing_garbage, header_size};
    }
    return pcblist_n(buffer, header);
  }

  [[nodiscard]] constexpr const xinpgen_view& header() const noexcept { return header_; }
  [[nodiscard]] constexpr std::span<const std::byte> buffer() const noexcept { return buffer_; }

  // A fresh single-pass walk over the groups.
  [[nodiscard]] group_range groups() const noexcept { return group_range(buffer_, header_); }

 private:
  constexpr pcblist_n(std::span<const std::byte> buffer, xinpgen_view header) noexcept
      : buffer_(buffer), header_(header) {}

  std::span<const std::byte> buffer_;
  xinpgen_view header_;
};

}  // namespace tcpstats::xnu
