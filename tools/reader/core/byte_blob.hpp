#pragma once
// Read-only bytes that are either owned (a live read) or a file mapped into
// memory (a replayed dump: no copy, no fresh pages to fault in).

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

  // Maps FILE, or reads it when it cannot be mapped (a pipe). On failure
  // returns empty and sets `error` to one line naming the file.
  [[nodiscard]] static std::optional<byte_blob> load(const std::string& path, std::string& error);

  [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return view_; }
  [[nodiscard]] std::size_t size() const noexcept { return view_.size(); }

 private:
  struct mapping;
  std::shared_ptr<const void> owner_;  // the vector or the mapping
  std::span<const std::byte> view_;
};

}  // namespace tcpstats::reader
