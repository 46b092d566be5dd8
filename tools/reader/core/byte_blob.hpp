#pragma once
// Read-only bytes, owned and shared: a pass's dump, live (a vector) or from
// a file (core/bounded_read.hpp: copied when small, mapped when large).
//
// A mapped file that another process truncates would kill the tool with
// SIGBUS at the next access past the new end. A mapping made here is
// guarded instead: the SIGBUS handler puts zero pages where the file's
// pages were, the access goes on reading zeros, and intact() turns false,
// so the pass fails with one line instead of a signal (decode_raw_pass
// checks it).

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace tcpstats::reader {

class byte_blob {
 public:
  byte_blob() = default;
  explicit byte_blob(std::vector<std::byte> bytes);
  // `view`, kept valid by `owner` (shared: the blob may be copied).
  byte_blob(std::shared_ptr<const void> owner, std::span<const std::byte> view)
      : owner_(std::move(owner)), view_(view) {}

  // Maps `length` bytes of the regular file open as `fd` (the caller keeps
  // and closes it). Empty when it cannot be mapped or guarded; the caller
  // reads the file instead.
  [[nodiscard]] static std::optional<byte_blob> map(int fd, std::size_t length);

  [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return view_; }
  [[nodiscard]] std::size_t size() const noexcept { return view_.size(); }
  // False once a read of a mapped file found it truncated (and read zeros).
  [[nodiscard]] bool intact() const noexcept;

 private:
  struct mapping;
  std::shared_ptr<const void> owner_;  // the vector or the mapping
  const mapping* mapping_ = nullptr;
  std::span<const std::byte> view_;
};

}  // namespace tcpstats::reader
