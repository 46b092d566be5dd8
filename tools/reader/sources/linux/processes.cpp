#include "sources/linux/processes.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>

namespace tcpstats::reader {

namespace {

// The inode of a "socket:[12345]" link, or 0.
std::uint64_t socket_inode(const char* link_path) {
  char target[64];
  const ssize_t n = ::readlink(link_path, target, sizeof target - 1);
  if (n <= 8) return 0;
  target[n] = '\0';
  if (std::strncmp(target, "socket:[", 8) != 0) return 0;
  return std::strtoull(target + 8, nullptr, 10);
}

std::string command_of(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

bool is_number(const char* s) {
  if (*s == '\0') return false;
  for (; *s != '\0'; ++s) {
    if (*s < '0' || *s > '9') return false;
  }
  return true;
}

}  // namespace

bool process_attribution::still_owned(std::uint64_t inode, const owner& o) const {
  const std::string link = "/proc/" + std::to_string(o.pid) + "/fd/" + std::to_string(o.fd);
  return socket_inode(link.c_str()) == inode;
}

void process_attribution::rescan() {
  rescanned_this_pass_ = true;
  owners_.clear();
  const std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), ::closedir);
  if (!proc) return;
  while (const dirent* p = ::readdir(proc.get())) {
    if (!is_number(p->d_name)) continue;
    const std::string pid = p->d_name;
    const std::string fd_dir = "/proc/" + pid + "/fd";
    const std::unique_ptr<DIR, int (*)(DIR*)> fds(::opendir(fd_dir.c_str()), ::closedir);
    if (!fds) continue;  // gone, or not ours to see
    std::string command;
    while (const dirent* f = ::readdir(fds.get())) {
      if (!is_number(f->d_name)) continue;
      const std::string link = fd_dir + "/" + f->d_name;
      const std::uint64_t inode = socket_inode(link.c_str());
      if (inode == 0) continue;
      if (command.empty()) command = command_of(pid);
      // Several processes can share a socket; the first found is kept, as ss
      // lists them in /proc order.
      owners_.try_emplace(inode, owner{std::atoi(pid.c_str()), std::atoi(f->d_name), command});
    }
  }
}

void process_attribution::start(const pass_info& info) {
  info_ = info;
  info_.record_sources.push_back(data_source::linux_proc_fd);
  rescanned_this_pass_ = false;
  unattributed_ = 0;
  next_->start(info_);
}

void process_attribution::add(const connection_record& record) {
  if (!record.inode) {  // TIME_WAIT and request sockets belong to no process
    next_->add(record);
    return;
  }
  auto it = owners_.find(*record.inode);
  if ((it == owners_.end() || !still_owned(*record.inode, it->second)) && !rescanned_this_pass_) {
    rescan();
    it = owners_.find(*record.inode);
  }
  if (it == owners_.end()) {
    ++unattributed_;
    next_->add(record);
    return;
  }
  scratch_ = record;
  scratch_.pid = it->second.pid;
  scratch_.fd = it->second.fd;
  scratch_.command = short_name::from_untrusted(it->second.command);
  next_->add(scratch_);
}

}  // namespace tcpstats::reader
