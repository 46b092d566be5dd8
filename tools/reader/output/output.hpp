#pragma once
// Where batches go: standard output or a file, one whole batch per write
// call sequence, flushed (unbuffered) after each.

#include <string>
#include <string_view>

namespace tcpstats::reader {

class output_sink {
 public:
  enum class status { ok, closed, failed };

  // Opens PATH as open_output_file() does (core/safe_create.hpp), or
  // standard output when empty or "-".
  // On failure is_open() is false and error() says why.
  explicit output_sink(const std::string& path);
  ~output_sink();
  output_sink(const output_sink&) = delete;
  output_sink& operator=(const output_sink&) = delete;

  [[nodiscard]] bool is_open() const { return fd_ >= 0; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] bool is_terminal() const;
  // The terminal's width in columns; 0 when not a terminal (or unknown).
  [[nodiscard]] std::size_t terminal_columns() const;

  // Writes all of `bytes`, retrying short writes and EINTR, so a signal
  // never leaves half a batch. `closed` when the reader went away (EPIPE).
  status write(std::string_view bytes);

 private:
  int fd_ = -1;
  bool owned_ = false;
  std::string error_;
};

}  // namespace tcpstats::reader
