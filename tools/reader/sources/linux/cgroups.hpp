#pragma once
// --cgroups on Linux: the path of a socket's cgroup (INET_DIAG_CGROUP_ID),
// found as `ss --cgroup` does: the id is the cgroup directory's file handle
// in the cgroup2 hierarchy, so walking that hierarchy once maps every id to
// its path. Compiled only on Linux.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tcpstats::reader {

class cgroup_paths {
 public:
  // Finds the cgroup2 mount (/proc/self/mountinfo); none (cgroup v1 only,
  // or no /sys/fs/cgroup in a container) leaves every path unknown.
  cgroup_paths();

  // The path of cgroup `id` below the hierarchy's root ("/" for the root,
  // "/system.slice/nginx.service"), or "" when unknown. An unknown id
  // rescans the hierarchy, at most once a second: cgroups come and go.
  [[nodiscard]] std::string_view path_of(std::uint64_t id);

  [[nodiscard]] bool available() const { return !root_.empty(); }

 private:
  void rescan();

  std::string root_;  // the cgroup2 mount point
  std::unordered_map<std::uint64_t, std::string> paths_;
  std::uint64_t last_scan_ns_ = 0;
  bool scanned_ = false;
};

}  // namespace tcpstats::reader
