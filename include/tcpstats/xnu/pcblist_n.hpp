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

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>

#include "tcpstats/bytes.hpp"
#include "tcpstats/error.hpp"
#include "tcpstats/xnu/records.hpp"

namespace tcpstats::xnu {

// The records of one PCB. A group starts at its xinpcb_n record; the others
// are present when the kernel wrote them (socketless PCBs have no buffers,
// UDP lists no tcpcb). Views point into the walked buffer.
class connection_group {
 public:
  // Offset of the group's xinpcb_n record in the buffer.
  [[nodiscard]] constexpr std::size_t offset() const noexcept { return inpcb_.offset(); }
  [[nodiscard]] constexpr const xinpcb_n_view& inpcb() const noexcept { return inpcb_; }
  [[nodiscard]] constexpr const std::optional<xsocket_n_view>& socket() const noexcept { return socket_; }
  [[nodiscard]] constexpr const std::optional<xsockbuf_n_view>& rcvbuf() const noexcept { return rcvbuf_; }
  [[nodiscard]] constexpr const std::optional<xsockbuf_n_view>& sndbuf() const noexcept { return sndbuf_; }
  [[nodiscard]] constexpr const std::optional<xsockstat_n_view>& stats() const noexcept { return stats_; }
  [[nodiscard]] constexpr const std::optional<xtcpcb_n_view>& tcpcb() const noexcept { return tcpcb_; }

  // User-space-stack flows (macOS 12+) have no kernel PCB behind them.
  [[nodiscard]] constexpr bool is_user_space_flow() const noexcept { return inpcb_.xi_inpp() == 0; }

 private:
  friend class group_range;
  constexpr explicit connection_group(xinpcb_n_view inpcb) noexcept : inpcb_(inpcb) {}

  xinpcb_n_view inpcb_;
  std::optional<xsocket_n_view> socket_;
  std::optional<xsockbuf_n_view> rcvbuf_;
  std::optional<xsockbuf_n_view> sndbuf_;
  std::optional<xsockstat_n_view> stats_;
  std::optional<xtcpcb_n_view> tcpcb_;
};

// A single-pass range over the groups of a list. Iteration yields
// result<connection_group>: every group, or one error after which the range
// ends. The range is a cursor: copies share nothing, iterators point into it.
class group_range {
 public:
  class iterator {
   public:
    using value_type = result<connection_group>;
    using difference_type = std::ptrdiff_t;

    iterator() = default;
    [[nodiscard]] const value_type& operator*() const noexcept { return range_->current_; }
    [[nodiscard]] const value_type* operator->() const noexcept { return &range_->current_; }
    iterator& operator++() noexcept {
      range_->advance();
      return *this;
    }
    void operator++(int) noexcept { range_->advance(); }
    [[nodiscard]] bool operator==(std::default_sentinel_t) const noexcept { return range_->done_; }

   private:
    friend class group_range;
    explicit iterator(group_range* range) noexcept : range_(range) {}
    group_range* range_ = nullptr;
  };

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
    std::optional<connection_group> group;
    const step outcome = next_group(group);
    if (outcome == step::group) {
      current_ = *group;
    } else if (outcome == step::error) {
      current_ = *failure_;
    } else {
      done_ = true;
    }
  }

  // Reads records from cursor_ until one group is complete, the trailer is
  // reached or the input is malformed.
  step next_group(std::optional<connection_group>& group) noexcept {
    unsigned seen_kinds = 0;
    for (;;) {
      const std::size_t pos = cursor_;
      const std::size_t size = buffer_.size();
      if (pos == size) {
        if (group) return step::group;  // the next call reports the missing trailer
        return fail(errc::missing_trailer, pos);
      }
      if (!fits(size, pos, 8)) return fail(errc::truncated_record, pos);
      const std::byte* at = buffer_.data() + pos;
      const std::uint32_t len = tcpstats::detail::load_le_unchecked<std::uint32_t>(at);
      const std::uint32_t record_kind = tcpstats::detail::load_le_unchecked<std::uint32_t>(at + 4);
      // A new group or the trailer completes the current group, whatever
      // their lengths turn out to be: the next call validates them.
      const bool is_trailer = len == header_len_;  // no record has the header's length
      if (group && (is_trailer || record_kind == kind::xso_inpcb)) return step::group;
      if (len == 0) return fail(errc::zero_length, pos);

      if (is_trailer) {
        if (!fits(size, pos, len)) return fail(errc::truncated_record, pos);
        if (pos + len != size) return fail(errc::trailing_garbage, pos + len);
        trailer_ = xinpgen_view(buffer_.subspan(pos, len), pos);
        return step::end;
      }
      if (len < 8) return fail(errc::record_too_short, pos);
      if (!fits(size, pos, len)) return fail(errc::truncated_record, pos);
      const std::size_t stride = round_up_8(len);
      if (!fits(size, pos, stride)) return fail(errc::truncated_record, pos);
      const auto bytes = buffer_.subspan(pos, len);

      if (record_kind == kind::xso_inpcb) {
        if (len < xinpcb_n_view::min_size) return fail(errc::record_too_short, pos);
        group.emplace(connection_group(xinpcb_n_view(bytes, pos)));
        cursor_ = pos + stride;
        continue;
      }
      if (!group) return fail(errc::record_outside_group, pos);

      const bool known = record_kind == kind::xso_socket || record_kind == kind::xso_rcvbuf ||
                         record_kind == kind::xso_sndbuf || record_kind == kind::xso_stats ||
                         record_kind == kind::xso_tcpcb;
      if (known) {
        if ((seen_kinds & record_kind) != 0) return fail(errc::duplicate_record, pos);
        seen_kinds |= record_kind;
      }
      switch (record_kind) {
        case kind::xso_socket:
          if (len < xsocket_n_view::min_size) return fail(errc::record_too_short, pos);
          group->socket_.emplace(bytes, pos);
          break;
        case kind::xso_rcvbuf:
          if (len < xsockbuf_n_view::min_size) return fail(errc::record_too_short, pos);
          group->rcvbuf_.emplace(bytes, pos);
          break;
        case kind::xso_sndbuf:
          if (len < xsockbuf_n_view::min_size) return fail(errc::record_too_short, pos);
          group->sndbuf_.emplace(bytes, pos);
          break;
        case kind::xso_stats:
          if (len < xsockstat_n_view::min_size) return fail(errc::record_too_short, pos);
          group->stats_.emplace(bytes, pos);
          break;
        case kind::xso_tcpcb:
          if (len < xtcpcb_n_view::min_size) return fail(errc::record_too_short, pos);
          group->tcpcb_.emplace(bytes, pos);
          break;
        default:  // kind 0 (socketless placeholders) and unknown kinds: skipped
          break;
      }
      cursor_ = pos + stride;
    }
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
  result<connection_group> current_{parse_error{errc::missing_trailer, 0}};
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
