#include "core/bounded_read.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

namespace tcpstats::reader {

std::string format_limit(std::uint64_t bytes) {
  static constexpr const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  std::size_t unit = 0;
  while (unit + 1 < std::size(units) && bytes >= 1024 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  return std::to_string(bytes) + " " + units[unit];
}

namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

class fd_closer {
 public:
  explicit fd_closer(int& fd) : fd_(fd) {}
  ~fd_closer() {
    if (fd_ >= 0) ::close(fd_);
  }
  fd_closer(const fd_closer&) = delete;
  fd_closer& operator=(const fd_closer&) = delete;

 private:
  int& fd_;
};

}  // namespace

namespace {

// Opens PATH by the rules and checks what it is and how large.
read_status open_checked(const std::string& path, const read_rules& rules, int& fd, struct stat& info,
                         std::string& error) {
  const auto fail = [&](const std::string& why) {
    error = path + ": " + why;
    return read_status::failed;
  };
  int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  if (!rules.follow_links) flags |= O_NOFOLLOW;
  fd = ::open(path.c_str(), flags);
  if (fd < 0) {
    if (errno == ENOENT) return read_status::missing;
    // O_NOFOLLOW on a link: ELOOP (Linux, macOS) or EMLINK (FreeBSD).
    if (!rules.follow_links && (errno == ELOOP || errno == EMLINK)) {
      return fail(std::string("a symbolic link, not followed for a ") + rules.what);
    }
    return fail(std::strerror(errno));
  }
  if (::fstat(fd, &info) != 0) return fail(std::strerror(errno));
  const bool regular = S_ISREG(info.st_mode);
  if (!regular && !(S_ISFIFO(info.st_mode) && rules.allow_pipe)) {
    return fail(std::string(kind_of(info.st_mode)) + ", not a regular file: refused as a " + rules.what);
  }
  if (regular && static_cast<std::uint64_t>(info.st_size) > rules.max_bytes) {
    return fail("more than " + format_limit(rules.max_bytes) + " (" + std::to_string(info.st_size) +
                " bytes): larger than a " + rules.what + " may be");
  }
  // A pipe waits for its writer; a regular file never blocks anyway.
  if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) return fail(std::strerror(errno));
  return read_status::ok;
}

read_status read_all(const std::string& path, const read_rules& rules, int fd, const struct stat& info,
                     std::vector<std::byte>& out, std::string& error) {
  const auto fail = [&](const std::string& why) {
    error = path + ": " + why;
    return read_status::failed;
  };
  const bool regular = S_ISREG(info.st_mode);
  const auto expected = regular ? static_cast<std::uint64_t>(info.st_size) : 0;
  const auto too_large = [&] {
    return fail("more than " + format_limit(rules.max_bytes) + " and growing: larger than a " + rules.what +
                " may be");
  };
  std::size_t size = 0;
  try {
    // A regular file: its size and one byte more, to see it grow. A pipe:
    // geometric growth up to the limit.
    out.resize(regular ? static_cast<std::size_t>(expected) + 1 : std::size_t{64} << 10);
    for (;;) {
      if (size == out.size()) {
        if (size > rules.max_bytes) return too_large();
        out.resize(static_cast<std::size_t>(std::min<std::uint64_t>(2 * std::uint64_t{size}, rules.max_bytes + 1)));
      }
      const ssize_t n = ::read(fd, out.data() + size, out.size() - size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail(std::strerror(errno));
      if (n == 0) break;
      size += static_cast<std::size_t>(n);
    }
  } catch (const std::bad_alloc&) {
    out.clear();
    out.shrink_to_fit();
    return fail("does not fit in memory (" + std::to_string(regular ? expected : size) + " bytes)");
  }
  if (size > rules.max_bytes) return too_large();
  if (regular && size < expected) {
    return fail("shrank from " + std::to_string(expected) + " to " + std::to_string(size) +
                " bytes while being read (another process truncated it?)");
  }
  out.resize(size);
  return read_status::ok;
}

}  // namespace

read_status read_bounded(const std::string& path, const read_rules& rules, std::vector<std::byte>& out,
                         std::string& error) {
  out.clear();
  int fd = -1;
  struct stat info {};
  const read_status opened = open_checked(path, rules, fd, info, error);
  const fd_closer closer(fd);
  if (opened != read_status::ok) return opened;
  return read_all(path, rules, fd, info, out, error);
}

read_status load_bounded(const std::string& path, const read_rules& rules, byte_blob& out, std::string& error) {
  int fd = -1;
  struct stat info {};
  const read_status opened = open_checked(path, rules, fd, info, error);
  const fd_closer closer(fd);
  if (opened != read_status::ok) return opened;
  if (S_ISREG(info.st_mode) && static_cast<std::uint64_t>(info.st_size) >= map_from) {
    if (auto mapped = byte_blob::map(fd, static_cast<std::size_t>(info.st_size))) {
      out = std::move(*mapped);
      return read_status::ok;
    }
  }
  std::vector<std::byte> bytes;
  const read_status status = read_all(path, rules, fd, info, bytes, error);
  if (status == read_status::ok) out = byte_blob(std::move(bytes));
  return status;
}

}  // namespace tcpstats::reader
