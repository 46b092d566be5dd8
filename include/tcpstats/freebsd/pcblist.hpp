#pragma once
// A zero-copy walker over a FreeBSD net.inet.tcp.pcblist buffer (what
// `sysctl -b net.inet.tcp.pcblist` writes): a 64-byte xinpgen header, one
// 744-byte struct xtcpcb per connection (syncache entries first), then a
// 64-byte xinpgen trailer, each starting with its u64 length. Every step
// checks, in order, that the length fits, that it is at least 8, and that
// the record fits what remains; then that it is exactly a header's or an
// xtcpcb's size. Loops are bounded by the buffer, never by the trailer.
// No allocation, no exceptions.
//
//   auto list = tcpstats::freebsd::pcblist::parse(bytes, release);
//   if (!list) return list.error();
//   auto records = list->records();
//   for (const auto& record : records) {
//     if (!record) return record.error();   // yielded once, then iteration ends
//     use(*record);
//   }
//   auto trailer = records.trailer();       // xig_gen differs: retry the read

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>

#include "tcpstats/bytes.hpp"
#include "tcpstats/error.hpp"
#include "tcpstats/freebsd/release.hpp"
#include "tcpstats/freebsd/xtcpcb.hpp"
#include "tcpstats/single_pass_iterator.hpp"

namespace tcpstats::freebsd {

// A single-pass range over the records of a list. Iteration yields
// result<xtcpcb_view>: every record the kernel copied while it was still
// live, or one error after which the range ends. Records whose inp_gencnt
// is above the header's xig_gen were freed during the copy and are skipped
// (counted in skipped()). The range is a cursor: iterators point into it.
class record_range {
 public:
  using iterator = tcpstats::detail::single_pass_iterator<record_range, result<xtcpcb_view>>;

  [[nodiscard]] iterator begin() noexcept {
    if (!started_) advance();
    return iterator{this};
  }
  [[nodiscard]] std::default_sentinel_t end() const noexcept { return {}; }

  // The closing xinpgen, walking whatever iteration has not reached yet (so
  // calling it alone validates the whole buffer); or the first error.
  [[nodiscard]] result<xinpgen_view> trailer() noexcept {
    if (!started_) advance();
    while (!done_) advance();
    if (failure_) return *failure_;
    return *trailer_;
  }

  // Records skipped so far because they were newer than the header.
  [[nodiscard]] std::size_t skipped() const noexcept { return skipped_; }

 private:
  friend class pcblist;
  friend iterator;

  record_range(std::span<const std::byte> buffer, std::uint64_t header_gen,
               const layouts::xtcpcb_layout& layout) noexcept
      : buffer_(buffer), header_gen_(header_gen), layout_(&layout) {}

  [[nodiscard]] const result<xtcpcb_view>& current() const noexcept { return current_; }
  [[nodiscard]] bool is_done() const noexcept { return done_; }

  void advance() noexcept {
    started_ = true;
    if (done_) return;
    if (failure_ || trailer_) {  // the error or the end was already reached
      done_ = true;
      return;
    }
    if (const auto record = next_record()) {
      current_ = *record;
    } else if (failure_) {
      current_ = *failure_;
    } else {
      done_ = true;
    }
  }

  // The next live record; empty at the trailer or on an error (failure_
  // set). Invariant: cursor_ <= buffer size.
  std::optional<xtcpcb_view> next_record() noexcept {
    const std::size_t size = buffer_.size();
    for (;;) {
      // cursor_ <= size always holds; stated here so that the optimiser can
      // prove every read below in bounds (g++ -O3 warns otherwise when the
      // buffer's size is a known constant).
      const std::size_t pos = cursor_ <= size ? cursor_ : size;
      const std::size_t remaining = size - pos;
      if (remaining == 0) return fail(errc::missing_trailer, pos);
      if (remaining < 8) return fail(errc::truncated_record, pos);
      const std::uint64_t len = tcpstats::detail::load_le_unchecked<std::uint64_t>(buffer_.data() + pos);
      if (len < 8) return fail(len == 0 ? errc::zero_length : errc::record_too_short, pos);
      if (len > remaining) return fail(errc::truncated_record, pos);
      if (len == xinpgen_view::size) {
        if (len != remaining) return fail(errc::trailing_garbage, pos + xinpgen_view::size);
        trailer_ = xinpgen_view(buffer_.subspan(pos, xinpgen_view::size), pos);
        cursor_ = size;
        return std::nullopt;
      }
      if (len != xtcpcb_view::size) return fail(errc::unexpected_length, pos);
      if (!fits(size, pos, xtcpcb_view::size)) return fail(errc::truncated_record, pos);  // implied by len <= remaining
      cursor_ = pos + xtcpcb_view::size;
      const xtcpcb_view record(buffer_.subspan(pos, xtcpcb_view::size), pos, *layout_);
      if (record.inp_gencnt() > header_gen_) {
        ++skipped_;
        continue;
      }
      return record;
    }
  }

  std::nullopt_t fail(errc code, std::size_t offset) noexcept {
    failure_ = parse_error{code, offset};
    return std::nullopt;
  }

  std::span<const std::byte> buffer_;
  std::uint64_t header_gen_;
  const layouts::xtcpcb_layout* layout_;
  std::size_t cursor_ = xinpgen_view::size;
  std::size_t skipped_ = 0;
  bool started_ = false;
  bool done_ = false;
  result<xtcpcb_view> current_{xtcpcb_view{}};
  std::optional<parse_error> failure_;
  std::optional<xinpgen_view> trailer_;
};

// A parsed list: the header is checked, everything else is read on demand.
class pcblist {
 public:
  // Checks the xinpgen header. `release` selects the xtcpcb layout (see
  // release.hpp). The buffer must outlive the returned object and every
  // view taken from it.
  [[nodiscard]] static constexpr result<pcblist> parse(std::span<const std::byte> buffer,
                                                       freebsd_release release = newest_known_release) noexcept {
    if (buffer.size() < xinpgen_view::size) return parse_error{errc::truncated_header, buffer.size()};
    // Every FreeBSD writes sizeof(struct xinpgen); the trailer is found by
    // that length, so any other value makes the list undecodable.
    if (tcpstats::detail::load_le_unchecked<std::uint64_t>(buffer.data()) != xinpgen_view::size) {
      return parse_error{errc::bad_header_length, 0};
    }
    return pcblist(buffer, xinpgen_view(buffer.first(xinpgen_view::size), 0), detail::xtcpcb_layout_for(release));
  }

  [[nodiscard]] constexpr const xinpgen_view& header() const noexcept { return header_; }
  [[nodiscard]] constexpr std::span<const std::byte> buffer() const noexcept { return buffer_; }

  // A fresh single-pass walk over the records.
  [[nodiscard]] record_range records() const noexcept {
    return record_range(buffer_, header_.xig_gen(), *layout_);
  }

 private:
  constexpr pcblist(std::span<const std::byte> buffer, xinpgen_view header,
                    const layouts::xtcpcb_layout& layout) noexcept
      : buffer_(buffer), header_(header), layout_(&layout) {}

  std::span<const std::byte> buffer_;
  xinpgen_view header_;
  const layouts::xtcpcb_layout* layout_;
};

}  // namespace tcpstats::freebsd
