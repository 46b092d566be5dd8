#pragma once
// Error codes and the result type every parser in tcpstats returns.
// No exceptions: a parser returns result<T>, holding either a value or an
// error that says what went wrong and at which byte of the input.
//
// Contract: nothing in tcpstats throws, prints, allocates to report an error
// or aborts: every fallible call returns result<T>. parse_error::offset is a
// byte offset into the buffer the failing call was given (for the walkers:
// the whole dump); `detail` is the kernel's errno for kernel_error, 0
// otherwise. to_string() returns static text.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace tcpstats {

enum class errc : std::uint8_t {
  truncated_header,      // the buffer ends inside the list header
  bad_header_length,     // the list header declares a length it cannot have
  truncated_record,      // a record (or its padding) runs past the buffer
  zero_length,           // a record declares length 0
  record_too_short,      // length below the minimum for the record's kind
  duplicate_record,      // the same kind twice within one connection group
  record_outside_group,  // a per-connection record before the first group
  missing_trailer,       // the buffer ends without the closing header
  trailing_garbage,      // bytes after the closing header
  invalid_state,         // a TCP state number outside the known table
  invalid_release,       // an OS release string that does not parse
  kernel_error,          // the kernel answered with an error (detail: its errno)
  bad_attribute,         // a netlink attribute's length is impossible
  missing_done,          // a netlink dump ends without NLMSG_DONE
  unexpected_length,     // a fixed-size record declares another length
  unsupported_version,   // a record's format version is not a known one
};

// Human-readable text for an error code; never empty.
[[nodiscard]] constexpr std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::truncated_header: return "buffer ends inside the list header";
    case errc::bad_header_length: return "list header declares an impossible length";
    case errc::truncated_record: return "record runs past the end of the buffer";
    case errc::zero_length: return "record declares length 0";
    case errc::record_too_short: return "record is shorter than its kind requires";
    case errc::duplicate_record: return "record kind repeated within one connection";
    case errc::record_outside_group: return "connection record before the first inpcb record";
    case errc::missing_trailer: return "buffer ends without the closing list header";
    case errc::trailing_garbage: return "bytes after the closing list header";
    case errc::invalid_state: return "TCP state number out of range";
    case errc::invalid_release: return "OS release string does not parse";
    case errc::kernel_error: return "the kernel reported an error";
    case errc::bad_attribute: return "netlink attribute length is out of bounds";
    case errc::missing_done: return "netlink dump ends without NLMSG_DONE";
    case errc::unexpected_length: return "record length is not its struct's size";
    case errc::unsupported_version: return "record format version is not a known one";
  }
  return "unknown error";
}

// What went wrong and where: offset is the byte offset into the parsed input
// at which the offending header, record or field starts (or the buffer size
// when the input ended too early).
struct parse_error {
  errc code;
  std::size_t offset;
  std::int32_t detail = 0;  // kernel_error: the errno the kernel sent

  friend constexpr bool operator==(const parse_error&, const parse_error&) = default;
};

// Either a T or a parse_error, shaped like std::expected<T, parse_error> so
// that C++23 code can replace it with an alias. Read it through has_value()
// or operator bool first; operator* on an error is a precondition violation.
template <class T>
class [[nodiscard]] result {
 public:
  using value_type = T;

  constexpr result(T value) noexcept(std::is_nothrow_move_constructible_v<T>)  // NOLINT: implicit on purpose
      : value_(std::move(value)) {}
  constexpr result(parse_error error) noexcept  // NOLINT: implicit on purpose
      : error_(error) {}

  [[nodiscard]] constexpr bool has_value() const noexcept { return value_.has_value(); }
  constexpr explicit operator bool() const noexcept { return has_value(); }

  [[nodiscard]] constexpr const T& operator*() const& noexcept { return *value_; }
  [[nodiscard]] constexpr T& operator*() & noexcept { return *value_; }
  [[nodiscard]] constexpr T&& operator*() && noexcept { return *std::move(value_); }
  [[nodiscard]] constexpr const T* operator->() const noexcept { return &*value_; }
  [[nodiscard]] constexpr T* operator->() noexcept { return &*value_; }

  // The error; meaningful only when has_value() is false.
  [[nodiscard]] constexpr const parse_error& error() const noexcept { return error_; }

  template <class U>
  [[nodiscard]] constexpr T value_or(U&& fallback) const& {
    return value_ ? *value_ : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::optional<T> value_;
  parse_error error_{};
};

}  // namespace tcpstats
