#pragma once
// FreeBSD kern.file: the open files of every process the reader may see, an
// array of 128-byte struct xfile, each starting with its own size (u64
// xf_size). Sockets (xf_type == DTYPE_SOCKET) name their socket's kernel
// address in xf_data: the same value as xso_so in net.inet.tcp.pcblist,
// which is how sockstat attributes connections to processes.

#include <cstddef>
#include <cstdint>
#include <span>

#include "tcpstats/bytes.hpp"
#include "tcpstats/error.hpp"
#include "tcpstats/freebsd/layouts.hpp"
#include "tcpstats/layout_view.hpp"

namespace tcpstats::freebsd {

inline constexpr std::int16_t dtype_socket = 2;

// One struct xfile, the same in every release (the newest table reads
// it). Valid while the parsed buffer is.
class xfile_view : public tcpstats::detail::layout_view<layouts::xfile_layout, layouts::xfile> {
  using L = layouts::xfile_layout;

 public:
  static constexpr std::size_t size = 128;

  constexpr xfile_view() noexcept = default;
  // Precondition: bytes.size() == size.
  constexpr xfile_view(std::span<const std::byte> bytes, std::size_t offset) noexcept
      : layout_view(bytes, offset, layouts::xfile.back()) {}

  [[nodiscard]] constexpr std::uint64_t xf_size() const noexcept { return get<std::uint64_t, &L::xf_size>(); }
  [[nodiscard]] constexpr std::int32_t xf_pid() const noexcept { return get<std::int32_t, &L::xf_pid>(); }
  [[nodiscard]] constexpr std::uint32_t xf_uid() const noexcept { return get<std::uint32_t, &L::xf_uid>(); }
  [[nodiscard]] constexpr std::int32_t xf_fd() const noexcept { return get<std::int32_t, &L::xf_fd>(); }
  [[nodiscard]] constexpr std::uint64_t xf_file() const noexcept { return get<std::uint64_t, &L::xf_file>(); }
  [[nodiscard]] constexpr std::int16_t xf_type() const noexcept { return get<std::int16_t, &L::xf_type>(); }
  [[nodiscard]] constexpr std::uint64_t xf_data() const noexcept { return get<std::uint64_t, &L::xf_data>(); }
  [[nodiscard]] constexpr bool is_socket() const noexcept { return xf_type() == dtype_socket; }
};

// The views read the newest table: the others must agree with it.
static_assert([] {
  const auto same = [](field a, field b) { return a.offset == b.offset && a.size == b.size; };
  const auto& newest = layouts::xfile.back();
  for (const auto& t : layouts::xfile) {
    if (t.size != xfile_view::size || !same(t.xf_size, newest.xf_size) || !same(t.xf_pid, newest.xf_pid) ||
        !same(t.xf_uid, newest.xf_uid) || !same(t.xf_fd, newest.xf_fd) || !same(t.xf_file, newest.xf_file) ||
        !same(t.xf_type, newest.xf_type) || !same(t.xf_data, newest.xf_data)) {
      return false;
    }
  }
  return newest.xf_size.size == 8 && newest.xf_pid.size == 4 && newest.xf_uid.size == 4 && newest.xf_fd.size == 4 &&
         newest.xf_file.size == 8 && newest.xf_type.size == 2 && newest.xf_data.size == 8;
}());

// A validated kern.file buffer: every entry's xf_size is 128 and the buffer
// holds whole entries. Random access, so a join can index it.
class xfile_list {
 public:
  // unexpected_length at an entry whose xf_size is not 128; truncated_record
  // where the buffer ends inside an entry. An empty buffer is an empty list.
  [[nodiscard]] static constexpr result<xfile_list> parse(std::span<const std::byte> buffer) noexcept {
    std::size_t pos = 0;
    while (pos < buffer.size()) {
      const std::size_t remaining = buffer.size() - pos;
      if (remaining < 8) return parse_error{errc::truncated_record, pos};
      const auto xf_size = tcpstats::detail::load_le_unchecked<std::uint64_t>(buffer.data() + pos);
      if (xf_size != xfile_view::size) return parse_error{errc::unexpected_length, pos};
      if (remaining < xfile_view::size) return parse_error{errc::truncated_record, pos};
      pos += xfile_view::size;
    }
    return xfile_list(buffer);
  }

  [[nodiscard]] constexpr std::size_t size() const noexcept { return buffer_.size() / xfile_view::size; }
  // Precondition: index < size().
  [[nodiscard]] constexpr xfile_view operator[](std::size_t index) const noexcept {
    const std::size_t at = index * xfile_view::size;
    return xfile_view(buffer_.subspan(at, xfile_view::size), at);
  }

 private:
  constexpr explicit xfile_list(std::span<const std::byte> buffer) noexcept : buffer_(buffer) {}
  std::span<const std::byte> buffer_;
};

}  // namespace tcpstats::freebsd
