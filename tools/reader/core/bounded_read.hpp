#pragma once
// Reading a file that another user may control (a dump, the side files
// beside it): whole, with a size limit, never blocking on what is not a
// regular file and never killed by a file that shrinks while it is read.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/byte_blob.hpp"

namespace tcpstats::reader {

struct read_rules {
  std::uint64_t max_bytes;   // larger is refused (the message names the limit)
  const char* what;          // "dump", "meta file"...: what the message calls it
  bool allow_pipe = false;   // a FIFO or pipe is read too (up to max_bytes)
  bool follow_links = true;  // false: a symbolic link is refused (O_NOFOLLOW)
};

enum class read_status { ok, missing, failed };

// Reads PATH whole into `out`. `missing` when it does not exist; `failed`
// with `error` set (one line naming the file) when it is a directory, a
// device, a socket, a FIFO (unless allowed), a link (unless followed), larger
// than the limit, changes size while read, or does not fit in memory.
// Opening never blocks: O_NONBLOCK, cleared once the file is known to be a
// pipe (whose read then waits for its writer, as a pipe's should).
[[nodiscard]] read_status read_bounded(const std::string& path, const read_rules& rules, std::vector<std::byte>& out,
                                       std::string& error);

// The same for a dump: a regular file of at least `map_from` bytes is
// mapped rather than copied (guarded against truncation: byte_blob), since
// copying a large dump costs more than decoding it (bench/README.md, "mmap
// or read").
inline constexpr std::uint64_t map_from = 1 << 20;
[[nodiscard]] read_status load_bounded(const std::string& path, const read_rules& rules, byte_blob& out,
                                       std::string& error);

// "64 KiB", "2 GiB", "1500 bytes": limits as messages and --help say them.
[[nodiscard]] std::string format_limit(std::uint64_t bytes);

}  // namespace tcpstats::reader
