#pragma once
// The kern.file join: which process holds each socket, as sockstat finds
// it. Built once per pass from a validated kern.file buffer; lookups by the
// socket's kernel address (xso_so in pcblist, tsr_so_addr in /dev/tcpstats).
// Unlike the walkers this allocates (one entry per socket file).

#include <algorithm>
#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

#include "tcpstats/freebsd/kern_file.hpp"

namespace tcpstats::freebsd {

struct socket_owner {
  std::int32_t pid;
  std::int32_t fd;
  std::uint32_t uid;  // the process's effective uid (xf_uid)

  friend constexpr bool operator==(const socket_owner&, const socket_owner&) = default;
};

class socket_owners {
 public:
  socket_owners() = default;
  explicit socket_owners(const xfile_list& files) {
    for (std::size_t i = 0; i < files.size(); ++i) {
      const xfile_view f = files[i];
      if (!f.is_socket() || f.xf_data() == 0) continue;
      entries_.push_back({f.xf_data(), {f.xf_pid(), f.xf_fd(), f.xf_uid()}});
    }
    std::sort(entries_.begin(), entries_.end(), [](const entry& a, const entry& b) { return key(a) < key(b); });
  }

  // The owner of the socket at kernel address `so`. A socket open in several
  // processes or descriptors (fork, dup) yields the lowest pid, then the
  // lowest fd in it, so the answer does not depend on kern.file's order.
  [[nodiscard]] std::optional<socket_owner> find(std::uint64_t so) const noexcept {
    if (so == 0) return std::nullopt;
    const auto it = std::lower_bound(entries_.begin(), entries_.end(), so,
                                     [](const entry& e, std::uint64_t value) { return e.so < value; });
    if (it == entries_.end() || it->so != so) return std::nullopt;
    return it->owner;
  }
  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

 private:
  struct entry {
    std::uint64_t so;
    socket_owner owner;
  };
  static std::tuple<std::uint64_t, std::int32_t, std::int32_t> key(const entry& e) noexcept {
    return {e.so, e.owner.pid, e.owner.fd};
  }
  std::vector<entry> entries_;
};

}  // namespace tcpstats::freebsd
