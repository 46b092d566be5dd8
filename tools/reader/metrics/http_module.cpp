// The --listen HTTP server, built as a module of its own
// (libtcpstats-reader-http.so) that the tool loads only when --listen asks
// for it: cpp-httplib comes with OpenSSL, brotli and zlib, whose loading
// cost every run 2 ms (bench/README.md), --once runs too. See
// http_server.hpp for what it serves and how it bounds its clients.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/stop_signals.hpp"
#include "metrics/http_module.hpp"

namespace tcpstats::reader::metrics {

namespace {

#ifdef MSG_NOSIGNAL
constexpr int send_flags = MSG_NOSIGNAL;
#else
constexpr int send_flags = 0;  // SIGPIPE is ignored by the tool
#endif

// Set while the accept thread closes a connection it has no room for.
thread_local bool shedding = false;

using clock = std::chrono::steady_clock;

// A connection's bytes for httplib's request parser, with one deadline for
// the whole exchange and a cap on what is read. httplib 0.11's own socket
// stream times out each read alone, so a client sending a byte now and then
// would hold a worker for ever.
class deadline_stream final : public httplib::Stream {
 public:
  deadline_stream(int sock, clock::time_point read_deadline, clock::time_point deadline, std::size_t max_bytes)
      : sock_(sock), read_deadline_(std::min(read_deadline, deadline)), deadline_(deadline), budget_(max_bytes) {}

  bool is_readable() const override { return at_ < size_ || wait(POLLIN, read_deadline_); }
  bool is_writable() const override { return wait(POLLOUT, deadline_); }

  ssize_t read(char* ptr, std::size_t size) override {
    if (at_ == size_) {
      if (budget_ == 0 || !wait(POLLIN, read_deadline_)) return -1;
      const ssize_t n = ::recv(sock_, buffer_, std::min(sizeof buffer_, budget_), 0);
      if (n <= 0) return -1;
      budget_ -= static_cast<std::size_t>(n);
      at_ = 0;
      size_ = static_cast<std::size_t>(n);
    }
    const std::size_t n = std::min(size, size_ - at_);
    std::memcpy(ptr, buffer_ + at_, n);
    at_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, std::size_t size) override {
    if (!wait(POLLOUT, deadline_)) return -1;
    return ::send(sock_, ptr, size, send_flags);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { address(::getpeername, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { address(::getsockname, ip, port); }
  socket_t socket() const override { return sock_; }

 private:
  // Waits for `events` until `deadline`; false when it passed first.
  bool wait(short events, clock::time_point deadline) const {
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
      if (left <= 0) return false;
      pollfd fd{sock_, events, 0};
      const int ready = ::poll(&fd, 1, static_cast<int>(std::min<long long>(left, 60'000)));
      if (ready > 0) return (fd.revents & (events | POLLHUP | POLLERR)) != 0;
      if (ready < 0 && errno != EINTR) return false;
    }
  }

  void address(int (*query)(int, sockaddr*, socklen_t*), std::string& ip, int& port) const {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    ip.clear();
    port = 0;
    if (query(sock_, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return;
    char text[INET6_ADDRSTRLEN] = {};
    if (storage.ss_family == AF_INET) {
      const auto* a = reinterpret_cast<const sockaddr_in*>(&storage);
      ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
      port = ntohs(a->sin_port);
    } else if (storage.ss_family == AF_INET6) {
      const auto* a = reinterpret_cast<const sockaddr_in6*>(&storage);
      ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
      port = ntohs(a->sin6_port);
    }
    ip = text;
  }

  int sock_;
  clock::time_point read_deadline_, deadline_;
  std::size_t budget_;
  char buffer_[4096];
  std::size_t at_ = 0, size_ = 0;
};

// httplib's Server, one request per connection over a deadline_stream.
class bounded_server final : public httplib::Server {
 public:
  explicit bounded_server(const server_limits& limits) : limits_(limits) {}

 private:
  // (A private virtual of httplib::Server: it runs on a worker for each
  // accepted connection.)
  bool process_and_close_socket(socket_t sock) override {
    bool served = false;
    if (shedding) {
      static constexpr char busy[] =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      (void)::send(sock, busy, sizeof busy - 1, send_flags | MSG_DONTWAIT);
    } else {
      const auto now = clock::now();
      deadline_stream stream(sock, now + limits_.read_deadline, now + limits_.deadline, limits_.max_request_bytes);
      bool closed = false;
      served = process_request(stream, true, closed, nullptr);
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return served;
  }

  server_limits limits_;
};

// A fixed number of workers and a bounded queue: a connection that finds
// the queue full is answered 503 by the accept thread at once.
class worker_pool final : public httplib::TaskQueue {
 public:
  worker_pool(std::size_t workers, std::size_t queue) : limit_(queue) {
    for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }
  ~worker_pool() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    {
      const std::lock_guard lock(mutex_);
      if (jobs_.size() < limit_) {
        jobs_.push_back(std::move(fn));
        ready_.notify_one();
        return;
      }
    }
    shedding = true;
    fn();
    shedding = false;
  }

  void shutdown() override {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // stopping, and nothing left to close
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::size_t limit_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// The running server: stops serving and joins its threads when deleted.
class running_server final : public http_endpoint {
 public:
  explicit running_server(const server_limits& limits) : server(limits) {}
  ~running_server() override {
    server.stop();
    if (thread.joinable()) thread.join();
  }
  [[nodiscard]] std::uint16_t port() const override { return bound; }

  bounded_server server;
  std::thread thread;
  std::uint16_t bound = 0;
};

}  // namespace

}  // namespace tcpstats::reader::metrics

extern "C" [[gnu::visibility("default")]] tcpstats::reader::metrics::http_endpoint* TCPSTATS_HTTP_START(
    const tcpstats::reader::metrics::http_start_arguments& args) {
  using namespace tcpstats::reader::metrics;
  if (args.version != TCPSTATS_VERSION_STRING) {
    args.error = "--listen: the HTTP module is from tcpstats " TCPSTATS_VERSION_STRING ", the tool from " +
                 std::string(args.version);
    return nullptr;
  }
  const server_limits& limits = args.limits;
  auto self = std::make_unique<running_server>(limits);
  httplib::Server& server = self->server;
  server.new_task_queue = [limits] { return new worker_pool(limits.workers, limits.queue); };
  // httplib's default also sets SO_REUSEPORT, which would let a second
  // instance share the port instead of failing.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server.set_payload_max_length(limits.max_request_bytes);
  server.set_pre_routing_handler([](const httplib::Request& request, httplib::Response& response) {
    if (request.path != "/metrics") {
      response.status = 404;
      response.set_content("only /metrics is served here\n", "text/plain");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (request.method != "GET" && request.method != "HEAD") {
      response.status = 405;
      response.set_header("Allow", "GET, HEAD");
      response.set_content("/metrics answers GET\n", "text/plain");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.Get("/metrics", [answer = args.answer](const httplib::Request& request, httplib::Response& response) {
    http_answer a = answer(request.get_header_value("Accept"));
    response.status = a.status;
    response.set_content(std::move(a.body), a.content_type);
  });

  int bound = args.port;
  if (args.port == 0) {
    bound = server.bind_to_any_port(args.host);
  } else if (!server.bind_to_port(args.host, args.port)) {
    bound = -1;
  }
  if (bound <= 0) {
    args.error = "--listen: cannot listen on " + args.host + ":" + std::to_string(args.port) +
                 " (in use, or not an address of this host)";
    return nullptr;
  }
  self->bound = static_cast<std::uint16_t>(bound);
  // SIGINT, SIGTERM, SIGHUP... go to the collection loop, whose sleep they
  // cut short: the server's threads (this one and the workers it starts)
  // block them.
  const sigset_t blocked = tcpstats::reader::stop_signal_set();
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &blocked, &previous);
  self->thread = std::thread([&server] { server.listen_after_bind(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  // httplib's stop() does nothing before listen_after_bind() has marked the
  // server running, and the join in the destructor would then wait
  // forever: a SIGTERM right after the start hung the tool. Wait for it
  // (it is the thread's first step; bounded all the same).
  for (int waited_ms = 0; !server.is_running() && waited_ms < 5000; ++waited_ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return self.release();
}
