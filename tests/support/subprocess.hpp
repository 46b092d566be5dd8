#pragma once
// Runs a program with arguments and collects its exit status, standard
// output and standard error: the CLI tests' view of the tool, as a shell
// would see it.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>

#include <cerrno>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tcpstats::test {

struct process_result {
  int exit_status = -1;   // exit code, or -1 when killed by a signal
  int term_signal = 0;
  std::string out;
  std::string err;
  long max_rss_kb = 0;     // the child's peak resident set (getrusage), as /usr/bin/time %M
  bool timed_out = false;  // killed (SIGKILL) after run_options::timeout_ms
};

struct run_options {
  // Killed with SIGKILL after this long (0 = no limit): a test of "never
  // blocks" fails instead of hanging.
  int timeout_ms = 0;
  std::vector<std::string> env;  // NAME=VALUE added to the child's environment
  std::string stdin_path;        // opened as standard input (empty: inherited)
};

// `on_output` (optional) sees standard output as it arrives, with the child's
// pid, and returns false to stop reading it (closing the pipe). The child
// runs in `working_dir` when one is given.
inline process_result run_process(const std::vector<std::string>& argv,
                                  const std::function<bool(pid_t, const std::string&)>& on_output = {},
                                  const std::string& working_dir = {}, const run_options& options = {}) {
  int out_pipe[2], err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) throw std::runtime_error("pipe");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork");
  if (pid == 0) {
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    close(out_pipe[0]);
    close(err_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    signal(SIGPIPE, SIG_DFL);
    if (!working_dir.empty() && chdir(working_dir.c_str()) != 0) _exit(126);
    for (const auto& e : options.env) putenv(const_cast<char*>(e.c_str()));
    if (!options.stdin_path.empty()) {
      const int in = open(options.stdin_path.c_str(), O_RDONLY);
      if (in < 0) _exit(126);
      dup2(in, STDIN_FILENO);
      close(in);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  process_result result;
  bool out_open = true, err_open = true;
  char buffer[65536];
  const auto now_ms = [] {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
  };
  const std::int64_t deadline = now_ms() + options.timeout_ms;
  while (out_open || err_open) {
    pollfd fds[2] = {{out_open ? out_pipe[0] : -1, POLLIN, 0}, {err_open ? err_pipe[0] : -1, POLLIN, 0}};
    int wait_ms = -1;
    if (options.timeout_ms > 0) {
      const std::int64_t left = deadline - now_ms();
      if (left <= 0 && !result.timed_out) {
        result.timed_out = true;
        kill(pid, SIGKILL);
      }
      wait_ms = left <= 0 ? -1 : static_cast<int>(left);
    }
    if (poll(fds, 2, wait_ms) < 0) continue;
    if (out_open && (fds[0].revents & (POLLIN | POLLHUP))) {
      const ssize_t n = read(out_pipe[0], buffer, sizeof buffer);
      if (n <= 0) {
        close(out_pipe[0]);
        out_open = false;
      } else {
        result.out.append(buffer, static_cast<std::size_t>(n));
        if (on_output && !on_output(pid, result.out)) {
          close(out_pipe[0]);
          out_open = false;
        }
      }
    }
    if (err_open && (fds[1].revents & (POLLIN | POLLHUP))) {
      const ssize_t n = read(err_pipe[0], buffer, sizeof buffer);
      if (n <= 0) {
        close(err_pipe[0]);
        err_open = false;
      } else {
        result.err.append(buffer, static_cast<std::size_t>(n));
      }
    }
  }
  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  result.max_rss_kb = usage.ru_maxrss;
  if (WIFEXITED(status)) result.exit_status = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
  return result;
}

// The same with options and no working directory.
inline process_result run_process(const std::vector<std::string>& argv,
                                  const std::function<bool(pid_t, const std::string&)>& on_output,
                                  const run_options& options) {
  return run_process(argv, on_output, {}, options);
}

}  // namespace tcpstats::test
