#include "metrics/http_server.hpp"

#if TCPSTATS_HAVE_HTTP_MODULE

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "metrics/exposition.hpp"
#include "metrics/http_module.hpp"

namespace tcpstats::reader::metrics {

namespace {

constexpr char module_name[] = "libtcpstats-reader-http.so";

// Where the module may be: beside the executable (the build tree), in its
// install directory found from the executable (a relocated or staged
// install), and in the install directory this build was configured for.
std::vector<std::string> module_candidates() {
  std::vector<std::string> out;
#if defined(__linux__)
  std::string exe(4096, '\0');
  const ssize_t n = ::readlink("/proc/self/exe", exe.data(), exe.size());
  if (n > 0 && static_cast<std::size_t>(n) < exe.size()) {
    exe.resize(static_cast<std::size_t>(n));
    const std::string dir = exe.substr(0, exe.rfind('/'));
    out.push_back(dir + "/" + module_name);
    out.push_back(dir + "/" + TCPSTATS_HTTP_MODULE_FROM_BINDIR + "/" + module_name);
  }
#endif
  out.push_back(std::string(TCPSTATS_HTTP_MODULE_DIR) + "/" + module_name);
  return out;
}

// Code the tool runs, possibly as root: only from a file that root or the
// user running it owns and nobody else may write, in a directory of which
// the same holds (else another user could swap the file between this
// check and the load).
bool owned_and_closed(const std::string& path, bool regular) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  if (regular ? !S_ISREG(st.st_mode) : !S_ISDIR(st.st_mode)) return false;
  if (st.st_uid != 0 && st.st_uid != ::geteuid()) return false;
  return (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

bool trusted(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return owned_and_closed(path, true) &&
         (slash == std::string::npos || owned_and_closed(path.substr(0, slash == 0 ? 1 : slash), false));
}

// The module's entry point, loaded once (and never unloaded: the server's
// code must outlive it); null with `error` when there is none.
http_start_function* load_module(std::string& error) {
  static http_start_function* start = nullptr;
  static std::string failure;
  static bool tried = false;
  if (!tried) {
    tried = true;
    std::string looked;
    for (const std::string& path : module_candidates()) {
      struct stat st {};
      const bool exists = ::stat(path.c_str(), &st) == 0;
      if (!exists || !trusted(path)) {
        looked += (looked.empty() ? "" : ", ") + path + (exists ? " (not trusted)" : "");
        continue;
      }
      void* module = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (module == nullptr) {
        const char* why = ::dlerror();
        failure = "--listen: cannot load " + path + ": " + (why ? why : "unknown error");
        break;
      }
      start = reinterpret_cast<http_start_function*>(::dlsym(module, TCPSTATS_HTTP_START_NAME));
      if (start == nullptr) failure = "--listen: " + path + " is not this tool's HTTP module";
      break;
    }
    if (start == nullptr && failure.empty()) {
      failure = "--listen: no HTTP module " + std::string(module_name) + " owned by root or you and writable by " +
                "no one else, nor its directory (looked for " + looked + ")";
    }
  }
  if (start == nullptr) error = failure;
  return start;
}

}  // namespace

const bool http_server::available = true;

struct http_server::impl {
  std::unique_ptr<http_endpoint> endpoint;
};

http_server::http_server(std::unique_ptr<impl> self, std::uint16_t port) : self_(std::move(self)), port_(port) {}
http_server::~http_server() = default;

std::unique_ptr<http_server> http_server::start(const std::string& host, std::uint16_t port,
                                                const snapshot_store& store, const server_limits& limits,
                                                std::string& error) {
  http_start_function* start = load_module(error);
  if (start == nullptr) return nullptr;
  // Runs on the server's threads: only copies the snapshot's pointer.
  const auto answer = [&store](const std::string& accept) {
    http_answer a;
    const auto metrics = store.current();
    if (!metrics) {
      a.status = 503;
      a.content_type = "text/plain";
      a.body = "no pass has completed yet\n";
      return a;
    }
    const exposition_format format = negotiate(accept);
    a.content_type = std::string(content_type(format));
    a.body = render(*metrics, format);
    return a;
  };
  std::unique_ptr<http_endpoint> endpoint(start({TCPSTATS_VERSION_STRING, host, port, limits, answer, error}));
  if (!endpoint) return nullptr;
  const std::uint16_t bound = endpoint->port();
  auto self = std::make_unique<impl>();
  self->endpoint = std::move(endpoint);
  return std::unique_ptr<http_server>(new http_server(std::move(self), bound));
}

}  // namespace tcpstats::reader::metrics

#else  // no HTTP module in this build

namespace tcpstats::reader::metrics {

struct http_server::impl {};

const bool http_server::available = false;

http_server::http_server(std::unique_ptr<impl> self, std::uint16_t port) : self_(std::move(self)), port_(port) {}
http_server::~http_server() = default;

std::unique_ptr<http_server> http_server::start(const std::string&, std::uint16_t, const snapshot_store&,
                                                const server_limits&, std::string& error) {
  error = "--listen: this build has no HTTP server (cpp-httplib was not found when it was built)";
  return nullptr;
}

}  // namespace tcpstats::reader::metrics

#endif
