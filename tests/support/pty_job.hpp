#pragma once
// Runs a program on a pseudo-terminal of a fixed size, as a shell runs a
// job: a session leader owns the terminal (as a login shell would) and
// starts the program in a process group of its own, in the foreground.
// A job whose parent is in its session but not its group is not orphaned,
// so SIGTSTP really stops it (an orphaned group ignores SIGTSTP). The
// leader reports each change of the job's state (stopped, continued,
// exited) and keeps the terminal open after the job ends until release(),
// so that the terminal's settings can be read as the job left them.
//
// What the job writes goes through a vt_screen; the tests wait for
// conditions on it with a time bound, never for a fixed time.

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "vt_screen.hpp"

namespace tcpstats::test {

// The settings a program may change, compared field by field.
inline bool same_settings(const termios& a, const termios& b) {
  return a.c_iflag == b.c_iflag && a.c_oflag == b.c_oflag && a.c_cflag == b.c_cflag && a.c_lflag == b.c_lflag &&
         std::memcmp(a.c_cc, b.c_cc, sizeof a.c_cc) == 0;
}

class pty_job {
 public:
  pty_job(const std::vector<std::string>& argv, unsigned short rows, unsigned short columns,
          const std::vector<std::string>& environment = {"TERM=xterm"})
      : screen(rows, columns) {
    winsize size{};
    size.ws_row = rows;
    size.ws_col = columns;
    int slave = -1;
    if (openpty(&master_, &slave, nullptr, nullptr, &size) != 0) throw std::runtime_error("openpty");
    if (tcgetattr(master_, &initial) != 0) throw std::runtime_error("tcgetattr");
    int report[2], hold[2];
    if (pipe(report) != 0 || pipe(hold) != 0) throw std::runtime_error("pipe");
    leader_ = fork();
    if (leader_ < 0) throw std::runtime_error("fork");
    if (leader_ == 0) {
      close(master_);
      close(report[0]);
      close(hold[1]);
      run_leader(slave, report[1], hold[0], argv, environment);
    }
    close(slave);
    close(report[1]);
    close(hold[0]);
    report_ = report[0];
    hold_ = hold[1];
    fcntl(master_, F_SETFL, fcntl(master_, F_GETFL) | O_NONBLOCK);
    // The leader's first report is the job's pid.
    int pid = 0;
    if (!read_whole(report_, &pid, sizeof pid)) throw std::runtime_error("no job started");
    job = pid;
  }

  ~pty_job() {
    if (!ended_) kill(job, SIGKILL);
    if (!ended_) kill(job, SIGCONT);
    release();
    int status = 0;
    waitpid(leader_, &status, 0);
    close(report_);
    close(master_);
  }
  pty_job(const pty_job&) = delete;
  pty_job& operator=(const pty_job&) = delete;

  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = write(master_, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        throw std::runtime_error("write to the terminal");
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // The window's new size: the kernel sends SIGWINCH to the foreground job.
  void resize(unsigned short rows, unsigned short columns) {
    winsize size{};
    size.ws_row = rows;
    size.ws_col = columns;
    pump(std::chrono::milliseconds(0));  // what was drawn before belongs to the old size
    screen.resize(rows, columns);
    if (ioctl(master_, TIOCSWINSZ, &size) != 0) throw std::runtime_error("TIOCSWINSZ");
  }

  // The terminal's settings now (the master reads the slave's).
  [[nodiscard]] termios settings() const {
    termios now{};
    tcgetattr(master_, &now);
    return now;
  }

  // Reads output until `done()` holds; false if it does not within `limit`.
  bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= end) return false;
      pump(std::chrono::duration_cast<std::chrono::milliseconds>(end - now));
    }
    return true;
  }

  // The job's next change of state (a waitpid() status: stopped, continued,
  // exited, killed), reading its output meanwhile; empty after `limit`.
  std::optional<int> next_state(std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    if (!wait_for([this] { return !states_.empty(); }, limit)) return std::nullopt;
    const int status = states_.front();
    states_.pop_front();
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      ended_ = true;
      pump(std::chrono::milliseconds(0));  // its last bytes are in the terminal already
    }
    return status;
  }

  // Lets the leader end (and the terminal close).
  void release() {
    if (hold_ >= 0) close(hold_);
    hold_ = -1;
  }

  vt_screen screen;
  termios initial{};  // the terminal's settings before the job started
  std::string output;  // every byte the job wrote
  pid_t job = -1;

 private:
  static bool read_whole(int fd, void* to, std::size_t size) {
    auto* bytes = static_cast<char*>(to);
    while (size > 0) {
      const ssize_t n = read(fd, bytes, size);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  }

  // Reads what is there, waiting up to `limit` for the first of it.
  void pump(std::chrono::milliseconds limit) {
    pollfd fds[2] = {{master_, POLLIN, 0}, {report_, POLLIN, 0}};
    if (poll(fds, 2, static_cast<int>(limit.count())) <= 0) return;
    if ((fds[1].revents & POLLIN) != 0) {
      int status = 0;
      if (read_whole(report_, &status, sizeof status)) states_.push_back(status);
    }
    char buffer[65536];
    for (;;) {
      const ssize_t n = read(master_, buffer, sizeof buffer);
      if (n <= 0) break;  // EAGAIN: all read; EIO: the terminal is closed
      output.append(buffer, static_cast<std::size_t>(n));
      screen.feed({buffer, static_cast<std::size_t>(n)});
    }
  }

  [[noreturn]] static void run_leader(int slave, int report, int hold, const std::vector<std::string>& argv,
                                      const std::vector<std::string>& environment) {
    setsid();
    ioctl(slave, TIOCSCTTY, 0);
    dup2(slave, STDIN_FILENO);
    dup2(slave, STDOUT_FILENO);
    dup2(slave, STDERR_FILENO);
    if (slave > STDERR_FILENO) close(slave);
    signal(SIGTTOU, SIG_IGN);  // a shell hands the terminal to its jobs
    const pid_t job = fork();
    if (job < 0) _exit(126);
    if (job == 0) {
      setpgid(0, 0);
      tcsetpgrp(STDIN_FILENO, getpgrp());
      signal(SIGTTOU, SIG_DFL);
      for (int s = 1; s < NSIG; ++s) signal(s, SIG_DFL);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      const rlimit no_core{0, 0};
      setrlimit(RLIMIT_CORE, &no_core);  // the crash test's signal leaves no core file
      close(report);
      close(hold);
      for (const std::string& e : environment) putenv(const_cast<char*>(e.c_str()));
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    setpgid(job, job);
    tcsetpgrp(STDIN_FILENO, job);
    int pid = job;
    if (write(report, &pid, sizeof pid) != sizeof pid) _exit(125);
    for (;;) {
      int status = 0;
      if (waitpid(job, &status, WUNTRACED | WCONTINUED) != job) {
        if (errno == EINTR) continue;
        break;
      }
      if (write(report, &status, sizeof status) != sizeof status) break;
      if (WIFEXITED(status) || WIFSIGNALED(status)) break;
    }
    char byte;
    while (read(hold, &byte, 1) > 0) {
    }
    _exit(0);
  }

  int master_ = -1, report_ = -1, hold_ = -1;
  pid_t leader_ = -1;
  bool ended_ = false;
  std::deque<int> states_;
};

}  // namespace tcpstats::test
