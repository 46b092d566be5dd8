#pragma once
// What the tool and its HTTP module (http_module.cpp, built as
// libtcpstats-reader-http.so where cpp-httplib is found) hand each other.
// Both are built from one tree by one compiler: the tool passes its
// version first, and a module of another version refuses to start.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "metrics/http_server.hpp"
#include "tcpstats/version.hpp"

// The module's one exported function.
#define TCPSTATS_HTTP_START tcpstats_reader_http_start
#define TCPSTATS_HTTP_START_NAME "tcpstats_reader_http_start"

namespace tcpstats::reader::metrics {

// The answer to GET /metrics.
struct http_answer {
  int status = 200;
  std::string content_type;
  std::string body;
};

// The running server; deleting it stops serving and joins its threads.
class http_endpoint {
 public:
  virtual ~http_endpoint() = default;
  [[nodiscard]] virtual std::uint16_t port() const = 0;
};

struct http_start_arguments {
  std::string_view version;  // TCPSTATS_VERSION_STRING of the tool
  const std::string& host;
  std::uint16_t port;  // 0: a free one
  const server_limits& limits;
  // Called on a server thread for each GET (or HEAD) /metrics, with the
  // request's Accept header.
  std::function<http_answer(const std::string& accept)> answer;
  std::string& error;  // one line, when the start fails
};

// Binds and starts serving; null (with `error`) when it cannot.
using http_start_function = http_endpoint*(const http_start_arguments&);

}  // namespace tcpstats::reader::metrics
