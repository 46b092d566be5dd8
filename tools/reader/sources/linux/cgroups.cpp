#include "sources/linux/cgroups.hpp"

#include <dirent.h>
#include <fcntl.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "sources/live.hpp"
#include "core/utf8_text.hpp"

namespace tcpstats::reader {

namespace {

// mountinfo writes space, tab, newline and backslash in paths as \ooo.
std::string unescape_mount_path(std::string_view text) {
  const auto octal = [text](std::size_t k) { return k < text.size() && text[k] >= '0' && text[k] <= '7'; };
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
      out += static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 + (text[i + 3] - '0'));
      i += 3;
    } else {
      out += text[i];
    }
  }
  return out;
}

// A path as a label value may hold it: Prometheus takes UTF-8 only, and a
// user with a delegated cgroup names its children; other bytes become '?'.
std::string as_utf8(std::string_view path) {
  std::string storage;
  return std::string(valid_utf8(path, storage));
}

// The cgroup2 mount point, /sys/fs/cgroup first; "" when there is none.
std::string cgroup2_mount() {
  std::ifstream in("/proc/self/mountinfo");
  std::string line, found;
  while (std::getline(in, line)) {
    // "id parent major:minor root mount-point options [optional...] - fstype source super-options"
    const std::size_t separator = line.find(" - ");
    if (separator == std::string::npos || line.compare(separator + 3, 8, "cgroup2 ") != 0) continue;
    std::istringstream fields(line.substr(0, separator));
    std::string id, parent, device, root, mount_point;
    if (!(fields >> id >> parent >> device >> root >> mount_point)) continue;
    const std::string path = unescape_mount_path(mount_point);
    if (found.empty() || path == "/sys/fs/cgroup") found = path;
  }
  return found;
}

// The cgroup id of a cgroup2 directory: its 8-byte file handle (the kernfs
// node id), as the kernel reports it in INET_DIAG_CGROUP_ID.
bool cgroup_id_of(const std::string& path, std::uint64_t& id) {
  // file_handle ends in a flexible array: room for 8 bytes after it.
  alignas(file_handle) unsigned char storage[sizeof(file_handle) + sizeof id] = {};
  auto* handle = reinterpret_cast<file_handle*>(storage);
  handle->handle_bytes = sizeof id;
  int mount_id = 0;
  if (name_to_handle_at(AT_FDCWD, path.c_str(), handle, &mount_id, 0) != 0) return false;
  if (handle->handle_bytes != sizeof id) return false;
  std::memcpy(&id, storage + sizeof(file_handle), sizeof id);
  return true;
}

}  // namespace

cgroup_paths::cgroup_paths() : root_(cgroup2_mount()) {}

std::string_view cgroup_paths::path_of(std::uint64_t id) {
  if (root_.empty()) return {};
  auto found = paths_.find(id);
  if (found == paths_.end()) {
    const std::uint64_t now = monotonic_ns();
    if (!scanned_ || now - last_scan_ns_ >= 1'000'000'000u) {
      rescan();
      last_scan_ns_ = now;
      scanned_ = true;
      found = paths_.find(id);
    }
  }
  return found != paths_.end() ? std::string_view(found->second) : std::string_view{};
}

void cgroup_paths::rescan() {
  // A bound on the walk: hosts have thousands of cgroups, not millions.
  constexpr std::size_t most = 100'000;
  paths_.clear();
  std::vector<std::string> pending{""};  // below root_, "" for the root itself
  while (!pending.empty() && paths_.size() < most) {
    const std::string relative = std::move(pending.back());
    pending.pop_back();
    const std::string full = root_ + relative;
    std::uint64_t id = 0;
    if (cgroup_id_of(full, id)) paths_.emplace(id, relative.empty() ? "/" : as_utf8(relative));
    DIR* dir = opendir(full.c_str());
    if (dir == nullptr) continue;
    while (const dirent* entry = readdir(dir)) {
      if (entry->d_type != DT_DIR || std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0) {
        continue;
      }
      pending.push_back(relative + "/" + entry->d_name);
    }
    closedir(dir);
  }
}

}  // namespace tcpstats::reader
