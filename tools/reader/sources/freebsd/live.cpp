#include "sources/freebsd/live.hpp"

#include <fcntl.h>
#include <sys/param.h>  // before sys/user.h, as FreeBSD's own tools include them
#include <sys/sysctl.h>
#include <sys/types.h>
#include <sys/user.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

#include "core/tool_version.hpp"
#include "tcpstats/freebsd/kern_file.hpp"
#include "tcpstats/freebsd/pcblist.hpp"

namespace tcpstats::reader {

namespace {

constexpr int enomem_retries = 8;
constexpr int generation_retries = 5;  // as sockstat
constexpr const char* device_path = "/dev/tcpstats";

std::uint64_t clock_ns(clockid_t clock) {
  struct timespec ts {};
  clock_gettime(clock, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::string sysctl_error(const char* name) { return std::string("sysctl ") + name + ": " + std::strerror(errno); }

// The value of a variable-size sysctl. The table can grow between the size
// probe and the read (ENOMEM): probe again, with headroom. Never writes:
// writing net.inet.tcp.stats would zero the counters.
bool read_sysctl(const char* name, std::vector<std::byte>& out, std::string& error) {
  for (int attempt = 0; attempt < enomem_retries; ++attempt) {
    std::size_t size = 0;
    if (sysctlbyname(name, nullptr, &size, nullptr, 0) != 0) {
      error = sysctl_error(name);
      return false;
    }
    size += size / 8 + 4096;
    out.resize(size);
    if (sysctlbyname(name, out.data(), &size, nullptr, 0) == 0) {
      out.resize(size);
      return true;
    }
    if (errno != ENOMEM) {
      error = sysctl_error(name);
      return false;
    }
  }
  error = std::string("sysctl ") + name + ": still growing after " + std::to_string(enomem_retries) + " reads";
  return false;
}

std::optional<std::string> read_string(const char* name) {
  std::vector<std::byte> raw;
  std::string ignored;
  if (!read_sysctl(name, raw, ignored)) return std::nullopt;
  std::string text(reinterpret_cast<const char*>(raw.data()), raw.size());
  if (const auto nul = text.find('\0'); nul != std::string::npos) text.resize(nul);
  return text;
}

// /dev/tcpstats, read to its end; empty when the device does not exist or
// cannot be opened (then pcblist is read instead).
std::optional<std::vector<std::byte>> read_device(std::string& error) {
  const int fd = ::open(device_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::vector<std::byte> out;
  std::byte chunk[65536];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = std::string(device_path) + ": " + std::strerror(errno);
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    out.insert(out.end(), chunk, chunk + n);
  }
  ::close(fd);
  return out;
}

// Header and trailer generations of a pcblist buffer, when it walks.
struct generations {
  std::uint64_t header;
  std::uint64_t trailer;
};
std::optional<generations> list_generations(const std::vector<std::byte>& table) {
  const auto list = freebsd::pcblist::parse(table);
  if (!list) return std::nullopt;
  auto records = list->records();
  const auto trailer = records.trailer();
  if (!trailer) return std::nullopt;
  return generations{list->header().xig_gen(), trailer->xig_gen()};
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
    constexpr const char* table_name = "net.inet.tcp.pcblist";
    std::vector<std::byte> table;
    for (int attempt = 1;; ++attempt) {
      if (!read_sysctl(table_name, table, error)) return std::nullopt;
      const auto gens = list_generations(table);
      // A malformed buffer is reported by the decoder, with its offset.
      if (!gens || gens->header == gens->trailer) {
        out.generation_changed = false;
        break;
      }
      if (attempt == generation_retries) {
        out.generation_changed = true;
        break;
      }
    }
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
