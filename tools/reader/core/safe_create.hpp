#pragma once
// Files the tool creates in directories it is given (--capture DIR and
// -o PATH), made so that no other user can redirect them through a link,
// hand over a file of theirs to be written, block the tool with a FIFO, or
// see half a file (docs/security.md).
//
// Every file starts as a temporary file ".NAME.<16 random hex>.tmp"
// created with O_CREAT|O_EXCL|O_NOFOLLOW relative to the directory's
// descriptor: nothing planted at any name is followed or reused, and a
// directory renamed away meanwhile does not move the writes. Mode 0644 less
// the umask, owned by whoever runs the tool.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tcpstats::reader {

// A directory the tool writes into, held open.
class directory {
 public:
  // Opens DIR, creating it (0755) when missing. Refused: a symbolic link
  // that neither root nor this user owns (another user's link may point
  // anywhere), and a directory that others may write to (o+w, a sticky one
  // like /tmp included): they could remove, replace or pre-create what is
  // written there.
  [[nodiscard]] static std::optional<directory> open(const std::string& path, std::string& error);
  directory(directory&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) { other.fd_ = -1; }
  directory& operator=(directory&& other) noexcept {
    std::swap(fd_, other.fd_);
    std::swap(path_, other.path_);
    return *this;
  }
  directory(const directory&) = delete;
  ~directory();

  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  // The names in it, "." and ".." left out.
  [[nodiscard]] std::vector<std::string> names() const;

 private:
  directory(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

// Files that appear together or not at all (one --capture pass: a dump
// and its side files). add() writes each to a temporary file and flushes
// it to disk; commit() gives them their names, which must not exist yet
// (nothing is replaced), the first one added last: whoever sees it sees
// the others. On any failure, and when destroyed before commit(), every
// temporary file and every name already given is removed again.
class file_set {
 public:
  explicit file_set(const directory& dir) : dir_(dir) {}
  ~file_set();
  file_set(const file_set&) = delete;
  file_set& operator=(const file_set&) = delete;

  [[nodiscard]] bool add(const std::string& name, std::string_view bytes, std::string& error);
  [[nodiscard]] bool commit(std::string& error);

 private:
  struct entry {
    std::string name, temporary;
    bool named = false;
  };
  void remove_all();
  const directory& dir_;
  std::vector<entry> entries_;
};

// -o PATH, opened for writing batches as they come (output_sink):
//   missing, or a regular file: a new file takes its place (temporary file,
//     then rename over it): a file another user left there, or a hard link
//     to some other file, is replaced, never written through (in a
//     directory this user may not write to, a file of this user's with no
//     other name is truncated in place instead);
//   a symbolic link owned by root or this user (/dev/stdout): followed, and
//     a regular file it leads to truncated; another user's link is refused;
//   anything else (a terminal, /dev/null, a FIFO with a reader): written
//     as it is; a FIFO without a reader is refused rather than waited for.
// Returns the descriptor, or -1 with `error` set (one line naming PATH).
[[nodiscard]] int open_output_file(const std::string& path, std::string& error);

// True when both paths exist and are the same file (device and inode), so
// -o cannot truncate an input it is about to read.
[[nodiscard]] bool same_file(const std::string& a, const std::string& b);

}  // namespace tcpstats::reader
