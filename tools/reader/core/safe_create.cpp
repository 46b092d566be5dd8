#include "core/safe_create.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#if !defined(__FreeBSD__)
#include <sys/random.h>  // getentropy (FreeBSD: unistd.h)
#endif

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace tcpstats::reader {

namespace {

std::string describe(const std::string& path, const std::string& why) { return path + ": " + why; }

// A link is followed only when root or this user made it: the rule of
// Linux's fs.protected_symlinks, kept on every platform and setting.
bool trusted_link(const struct stat& link) { return link.st_uid == 0 || link.st_uid == ::geteuid(); }

std::string untrusted_link(const std::string& path, const struct stat& link) {
  return describe(path, "a symbolic link owned by uid " + std::to_string(link.st_uid) +
                            ", another user: not followed (name its target if you trust it)");
}

// ".NAME.<16 hex digits>.tmp", 64 bits from the kernel's random source.
bool temporary_name(const std::string& name, std::string& out) {
  unsigned char random[8];
  if (::getentropy(random, sizeof random) != 0) return false;
  static constexpr char hex[] = "0123456789abcdef";
  out = "." + name + ".";
  for (const unsigned char b : random) {
    out += hex[b >> 4];
    out += hex[b & 0xF];
  }
  out += ".tmp";
  return true;
}

// Creates a temporary file for `name` in `dir_fd`; -1 with errno set.
int create_temporary(int dir_fd, const std::string& name, std::string& temporary) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    if (!temporary_name(name, temporary)) return -1;
    const int fd = ::openat(dir_fd, temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
                            0644);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  return -1;
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Gives `temporary` the name `name` unless that exists: link then unlink
// (atomic, and refuses an existing name on every platform), or, on a file
// system without hard links, a rename after checking the name is free.
bool name_without_replacing(int dir_fd, const std::string& temporary, const std::string& name) {
  if (::linkat(dir_fd, temporary.c_str(), dir_fd, name.c_str(), 0) == 0) {
    ::unlinkat(dir_fd, temporary.c_str(), 0);
    return true;
  }
  if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOTSUP && errno != EMLINK && errno != ENOSYS) return false;
  struct stat existing {};
  if (::fstatat(dir_fd, name.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0) {
    errno = EEXIST;
    return false;
  }
  return ::renameat(dir_fd, temporary.c_str(), dir_fd, name.c_str()) == 0;
}

}  // namespace

std::optional<directory> directory::open(const std::string& path, std::string& error) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    error = describe(path, std::strerror(errno));
    return std::nullopt;
  }
  struct stat link {};
  if (::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode) && !trusted_link(link)) {
    error = untrusted_link(path, link);
    return std::nullopt;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    error = describe(path, std::strerror(errno));
    return std::nullopt;
  }
  directory dir(fd, path);
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    error = describe(path, std::strerror(errno));
    return std::nullopt;
  }
  if ((info.st_mode & S_IWOTH) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    error = describe(path, std::string("writable by every user (mode ") + mode +
                               "): another user could replace or remove what is written there; use a directory "
                               "only you (and your group) can write");
    return std::nullopt;
  }
  return dir;
}

directory::~directory() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<std::string> directory::names() const {
  std::vector<std::string> out;
  const int copy = ::dup(fd_);  // closedir closes the descriptor it was given
  if (copy < 0) return out;
  DIR* listing = ::fdopendir(copy);
  if (listing == nullptr) {
    ::close(copy);
    return out;
  }
  ::rewinddir(listing);
  while (const dirent* entry = ::readdir(listing)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") out.emplace_back(name);
  }
  ::closedir(listing);
  return out;
}

file_set::~file_set() { remove_all(); }

void file_set::remove_all() {
  for (const entry& e : entries_) {
    ::unlinkat(dir_.fd(), (e.named ? e.name : e.temporary).c_str(), 0);
  }
  entries_.clear();
}

bool file_set::add(const std::string& name, std::string_view bytes, std::string& error) {
  entry e{name, {}, false};
  const int fd = create_temporary(dir_.fd(), name, e.temporary);
  if (fd < 0) {
    error = describe(dir_.path() + "/" + name, std::string("cannot create a temporary file: ") + std::strerror(errno));
    remove_all();
    return false;
  }
  entries_.push_back(e);
  const bool written = write_all(fd, bytes) && ::fsync(fd) == 0;
  const int saved = errno;
  const bool closed = ::close(fd) == 0;
  if (!written || !closed) {
    error = describe(dir_.path() + "/" + name, std::strerror(written ? errno : saved));
    remove_all();
    return false;
  }
  return true;
}

bool file_set::commit(std::string& error) {
  // The first file added (the dump) is named last.
  for (std::size_t k = entries_.size(); k-- > 0;) {
    entry& e = entries_[k];
    if (!name_without_replacing(dir_.fd(), e.temporary, e.name)) {
      error = describe(dir_.path() + "/" + e.name,
                       errno == EEXIST ? "exists already (is another run writing into this directory?)"
                                       : std::strerror(errno));
      remove_all();
      return false;
    }
    e.named = true;
  }
  ::fsync(dir_.fd());  // the names as durable as the contents
  entries_.clear();
  return true;
}

int open_output_file(const std::string& path, std::string& error) {
  struct stat link {};
  const bool exists = ::lstat(path.c_str(), &link) == 0;
  if (!exists && errno != ENOENT) {
    error = describe(path, std::strerror(errno));
    return -1;
  }
  if (!exists || S_ISREG(link.st_mode)) {
    // A new file in its place: a temporary file in the same directory,
    // renamed over PATH at once, so batches still stream into PATH.
    const std::size_t slash = path.rfind('/');
    const std::string parent = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    const int dir_fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) {
      error = describe(parent, std::strerror(errno));
      return -1;
    }
    std::string temporary;
    const int fd = create_temporary(dir_fd, name, temporary);
    if (fd < 0 && exists && (errno == EACCES || errno == EPERM || errno == EROFS) && link.st_uid == ::geteuid() &&
        link.st_nlink == 1) {
      // A directory we may not write to, around a file of ours and of no
      // other name (a log file in /var/log): truncated in place, as it is.
      ::close(dir_fd);
      const int own = ::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
      if (own < 0) {
        error = describe(path, std::strerror(errno));
        return -1;
      }
      struct stat info {};
      if (::fstat(own, &info) != 0 || info.st_ino != link.st_ino || info.st_dev != link.st_dev) {
        error = describe(path, "replaced while being opened");
      } else if (::ftruncate(own, 0) != 0) {
        error = describe(path, std::strerror(errno));
      } else {
        return own;
      }
      ::close(own);
      return -1;
    }
    if (fd < 0 || ::renameat(dir_fd, temporary.c_str(), dir_fd, name.c_str()) != 0) {
      error = describe(path, std::strerror(errno));
      if (fd >= 0) {
        ::unlinkat(dir_fd, temporary.c_str(), 0);
        ::close(fd);
      }
      ::close(dir_fd);
      return -1;
    }
    ::close(dir_fd);
    return fd;
  }
  int flags = O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC;
  if (S_ISLNK(link.st_mode)) {
    if (!trusted_link(link)) {
      error = untrusted_link(path, link);
      return -1;
    }
    flags |= O_CREAT;  // a link of root's or ours may lead to a file yet to be made
  } else {
    flags |= O_NOFOLLOW;  // what was checked is what is opened
  }
  const int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) {
    error = describe(path, errno == ENXIO ? "a FIFO with no reader (start the reader first)" : std::strerror(errno));
    return -1;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || (S_ISREG(info.st_mode) && ::ftruncate(fd, 0) != 0) ||
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
    error = describe(path, std::strerror(errno));
    ::close(fd);
    return -1;
  }
  return fd;
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat x {}, y {};
  return ::stat(a.c_str(), &x) == 0 && ::stat(b.c_str(), &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

}  // namespace tcpstats::reader
