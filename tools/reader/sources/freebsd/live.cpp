#include "sources/freebsd/live.hpp"

#include <fcntl.h>
#include <sys/param.h>  // before sys/user.h, as FreeBSD's own tools include them
#include <sys/types.h>
#include <sys/user.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

#include "core/tool_version.hpp"
#include "sources/bsd_sysctl.hpp"
#include "sources/clock.hpp"
#include "tcpstats/freebsd/kern_file.hpp"
#include "tcpstats/freebsd/pcblist.hpp"

namespace tcpstats::reader {

namespace {

using bsd::read_string;
using bsd::read_sysctl;

constexpr const char* device_path = "/dev/tcpstats";
// 320-byte records: room for over three million sockets. A device that
// returns more is not the module this reads.
constexpr std::size_t max_device_bytes = std::size_t{1} << 30;

// /dev/tcpstats, read to its end; empty when the device does not exist or
// cannot be opened by this user (then pcblist is read instead). A read
// error, or more than max_device_bytes, fails the pass (`error` set).
std::optional<std::vector<std::byte>> read_device(std::string& error) {
  const int fd = ::open(device_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::vector<std::byte> out;
  std::byte chunk[65536];
  // Each turn adds a chunk or ends; EINTR turns add nothing, and are
  // bounded by the same count so a signal storm cannot spin forever.
  for (std::size_t turns = 0; turns <= 2 * (max_device_bytes / sizeof chunk); ++turns) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = std::string(device_path) + ": " + std::strerror(errno);
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) {
      ::close(fd);
      return out;
    }
    if (static_cast<std::size_t>(n) > max_device_bytes - out.size()) break;
    out.insert(out.end(), chunk, chunk + n);
  }
  ::close(fd);
  error = std::string(device_path) + ": more than " + std::to_string(max_device_bytes) + " bytes";
  return std::nullopt;
}

// Header and trailer generations of a pcblist buffer, when it walks. The
// generations sit at the same place in every release: the newest layout
// reads them.
std::optional<bsd::list_generations> generations_of(const std::vector<std::byte>& table) {
  const auto list = freebsd::pcblist::parse(table);
  if (!list) return std::nullopt;
  auto records = list->records();
  const auto trailer = records.trailer();
  if (!trailer) return std::nullopt;
  return bsd::list_generations{list->header().xig_gen(), trailer->xig_gen()};
}

// "PID COMMAND" lines for every process holding a socket in kern.file.
std::string socket_holders(const std::vector<std::byte>& kern_file) {
  const auto files = freebsd::xfile_list::parse(kern_file);
  if (!files) return {};  // the decoder reports a malformed kern.file
  std::set<pid_t> pids;
  for (std::size_t i = 0; i < files->size(); ++i) {
    if ((*files)[i].is_socket()) pids.insert((*files)[i].xf_pid());
  }
  std::string out;
  for (const pid_t pid : pids) {
    int mib[4] = {CTL_KERN, KERN_PROC, KERN_PROC_PID, static_cast<int>(pid)};
    struct kinfo_proc info {};
    std::size_t size = sizeof info;
    // The process may have exited since kern.file was read: skip it.
    if (sysctl(mib, 4, &info, &size, nullptr, 0) != 0 || size < sizeof info) continue;
    const std::size_t length = strnlen(info.ki_comm, sizeof info.ki_comm);
    std::string name(info.ki_comm, length);
    for (char& c : name) {
      if (c == '\n') c = '?';  // one line per process
    }
    out += std::to_string(pid) + ' ' + name + '\n';
  }
  return out;
}

}  // namespace

std::optional<raw_pass> read_freebsd_pass(std::string& error) {
  raw_pass out;
  out.meta.source = platform::freebsd;
  out.meta.timestamp_ns = clock_ns(CLOCK_REALTIME);
  const std::uint64_t started = clock_ns(CLOCK_MONOTONIC);

  if (auto device = read_device(error)) {
    out.meta.table = "dev_tcpstats";
    out.table = byte_blob(std::move(*device));
  } else {
    if (!error.empty()) return std::nullopt;  // the device exists but failed mid-read
    out.meta.table = "pcblist";
    std::vector<std::byte> table;
    const auto changed = bsd::read_pcb_list("net.inet.tcp.pcblist", table, error, generations_of);
    if (!changed) return std::nullopt;
    out.generation_changed = *changed;
    out.table = byte_blob(std::move(table));
  }
  // The rest is optional: what cannot be read is left out of the pass.
  std::vector<std::byte> bytes;
  if (read_sysctl("kern.file", bytes, error)) {
    out.commands = socket_holders(bytes);
    out.kern_file = std::move(bytes);
  }
  bytes = {};
  if (read_sysctl("net.inet.tcp.stats", bytes, error)) out.tcp_stats = std::move(bytes);
  bytes = {};
  if (read_sysctl("net.inet.tcp.states", bytes, error)) out.tcp_states = std::move(bytes);
  error.clear();
  out.meta.collection_duration_ns = clock_ns(CLOCK_MONOTONIC) - started;

  out.meta.hostname = read_string("kern.hostname");
  out.meta.os_release = read_string("kern.osrelease");
  out.meta.os_version = out.meta.os_release;
  out.meta.tool_version = std::string(tool_version);
  return out;
}

}  // namespace tcpstats::reader
