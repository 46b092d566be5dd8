#pragma once
// The --listen endpoint: GET /metrics over HTTP/1.1 through cpp-httplib,
// in threads of its own, answering from the last published snapshot.
//
// Safe by default: it listens only where it is told (0.0.0.0 exposes every
// connection's ports and commands to the network), serves only GET (and
// HEAD) /metrics (404 elsewhere, 405 for other methods), answers one
// request per connection, and bounds what a client can take: a few
// workers, a short queue (connections beyond it get 503 at once),
// deadlines for reading the whole request and for the whole exchange (not
// per read, so a client that trickles bytes is cut off too) and a cap on
// the request's bytes. Collection never waits for a scrape: a scrape only copies the
// snapshot's pointer.
//
// The server itself is http_module.cpp, built where cpp-httplib is found
// (Debian's libcpp-httplib-dev) as libtcpstats-reader-http.so, which
// start() loads: httplib's libraries cost every run that does not serve
// 2 ms to load. The macOS binaries that tools/build-macos.sh
// cross-compiles have no httplib, and start() says so.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "metrics/snapshot.hpp"

namespace tcpstats::reader::metrics {

struct server_limits {
  std::size_t workers = 8;  // requests served at once
  std::size_t queue = 32;   // accepted connections waiting for a worker
  // From the moment a worker takes a connection: until the request has been
  // read (a scraper sends it at once), and until the answer is out.
  std::chrono::milliseconds read_deadline{1000};
  std::chrono::milliseconds deadline{5000};
  std::size_t max_request_bytes = 16 * 1024;
};

class http_server {
 public:
  // Whether this build has an HTTP server at all.
  static const bool available;

  // Binds HOST:PORT (port 0: a free port; port() tells which) and serves
  // `store`, which must outlive the server. Empty with `error` set (one
  // line) when it cannot.
  [[nodiscard]] static std::unique_ptr<http_server> start(const std::string& host, std::uint16_t port,
                                                          const snapshot_store& store, const server_limits& limits,
                                                          std::string& error);
  ~http_server();  // stops serving and joins its threads
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  struct impl;
  explicit http_server(std::unique_ptr<impl> self, std::uint16_t port);
  std::unique_ptr<impl> self_;
  std::uint16_t port_ = 0;
};

}  // namespace tcpstats::reader::metrics
