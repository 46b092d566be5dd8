#include "output/output.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/safe_create.hpp"

namespace tcpstats::reader {

output_sink::output_sink(const std::string& path) {
  if (path.empty() || path == "-") {
    fd_ = STDOUT_FILENO;
    return;
  }
  fd_ = open_output_file(path, error_);
  owned_ = fd_ >= 0;
}

bool output_sink::is_terminal() const { return fd_ >= 0 && ::isatty(fd_) == 1; }

std::size_t output_sink::terminal_columns() const {
  winsize size{};
  if (!is_terminal() || ::ioctl(fd_, TIOCGWINSZ, &size) != 0) return 0;
  return size.ws_col;
}

output_sink::~output_sink() {
  if (owned_) ::close(fd_);
}

output_sink::status output_sink::write(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) return status::closed;
      error_ = std::string("write: ") + std::strerror(errno);
      return status::failed;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return status::ok;
}

}  // namespace tcpstats::reader
