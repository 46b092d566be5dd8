#include "output/terminal.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/stop_signals.hpp"
#include "sources/live.hpp"

namespace tcpstats::reader {

namespace {

// Shared with the signal handlers, hence file-wide: one session at a time.
int term_in = -1, term_out = -1;
termios saved_mode{}, program_mode{};
volatile std::sig_atomic_t in_program_mode = 0;
volatile std::sig_atomic_t resize_pending = 0, quit_pending = 0;
// A signal handler writes a byte here so that a poll() which had not yet
// started when the signal came still wakes up.
int wake_pipe[2] = {-1, -1};

// Alternate screen (saving the cursor), cursor hidden, no auto-wrap (a line
// never spills into the next), cleared; and back, in reverse.
constexpr char enter_sequence[] = "\x1b[?1049h\x1b[?25l\x1b[?7l\x1b[H\x1b[2J";
constexpr char leave_sequence[] = "\x1b[m\x1b[?7h\x1b[?25h\x1b[?1049l";

// Quit signals: the tool's stop signals (core/stop_signals.hpp: SIGINT,
// SIGTERM, SIGHUP, SIGQUIT...), which end the view as `q` does.
constexpr int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
constexpr int job_signals[] = {SIGWINCH, SIGTSTP, SIGCONT};
constexpr std::size_t handled_count = NSIG;
// What each handled signal did before the session, restored on leave().
struct saved_action {
  int signal = 0;
  bool installed = false;
  struct sigaction before {};
};
saved_action saved_actions[handled_count];

const struct sigaction* before_of(int signal) noexcept {
  for (const saved_action& s : saved_actions) {
    if (s.installed && s.signal == signal) return &s.before;
  }
  return nullptr;
}

void write_all(int fd, const char* bytes, std::size_t size) noexcept {
  while (size > 0) {
    const ssize_t n = ::write(fd, bytes, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
}

bool in_foreground() noexcept { return ::tcgetpgrp(term_in) == ::getpgrp(); }

// Async-signal-safe, as all of the next three.
void leave_program_mode() noexcept {
  if (!in_program_mode) return;
  in_program_mode = 0;
  write_all(term_out, leave_sequence, sizeof leave_sequence - 1);
  ::tcsetattr(term_in, TCSADRAIN, &saved_mode);
}

void enter_program_mode() noexcept {
  ::tcsetattr(term_in, TCSADRAIN, &program_mode);
  if (in_program_mode) return;
  write_all(term_out, enter_sequence, sizeof enter_sequence - 1);
  in_program_mode = 1;
}

void wake() noexcept {
  const int saved_errno = errno;
  const char byte = 0;
  [[maybe_unused]] const ssize_t n = ::write(wake_pipe[1], &byte, 1);  // full pipe: already awake
  errno = saved_errno;
}

extern "C" void on_quit_signal(int signal) {
  quit_pending = 1;
  wake();
  // The tool's own handler (its stop flag), if it had one.
  const struct sigaction* before = before_of(signal);
  if (before != nullptr && (before->sa_flags & SA_SIGINFO) == 0 && before->sa_handler != SIG_DFL &&
      before->sa_handler != SIG_IGN) {
    before->sa_handler(signal);
  }
}

extern "C" void on_crash_signal(int signal) {
  leave_program_mode();
  // The default action (a core, the signal as exit status) once this returns.
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

extern "C" void on_job_signal(int signal) {
  const int saved_errno = errno;
  if (signal == SIGTSTP) {
    // Ctrl-Z: the shell's terminal back, then stop for real.
    leave_program_mode();
    struct sigaction stop_action {}, ours {};
    stop_action.sa_handler = SIG_DFL;
    sigemptyset(&stop_action.sa_mask);
    ::sigaction(SIGTSTP, &stop_action, &ours);
    sigset_t just_stop;
    sigemptyset(&just_stop);
    sigaddset(&just_stop, SIGTSTP);
    ::raise(SIGTSTP);  // pending: blocked while this handler runs
    ::sigprocmask(SIG_UNBLOCK, &just_stop, nullptr);  // stops here until SIGCONT
    // Continued, or never stopped (an orphaned process group ignores
    // SIGTSTP): the view's terminal again.
    ::sigprocmask(SIG_BLOCK, &just_stop, nullptr);
    ::sigaction(SIGTSTP, &ours, nullptr);
  }
  if (signal == SIGTSTP || signal == SIGCONT) {
    // Only in the foreground: a job continued in the background stays off
    // the screen until it is brought back (`fg` sends SIGCONT again).
    if (in_foreground()) enter_program_mode();
  }
  resize_pending = 1;  // a resize, or a screen to paint again after a stop
  wake();
  errno = saved_errno;
}

bool session_active = false;

}  // namespace

std::vector<key_press> decode_keys(std::string_view bytes) {
  using kind = key_press::kind;
  std::vector<key_press> keys;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    if (byte == 0x1b && i + 1 < bytes.size() && (bytes[i + 1] == '[' || bytes[i + 1] == 'O')) {
      // CSI or SS3: parameter bytes, intermediate bytes, one final byte.
      std::size_t end = i + 2;
      while (end < bytes.size() && bytes[end] >= 0x30 && bytes[end] <= 0x3f) ++end;
      const std::string_view parameters = bytes.substr(i + 2, end - i - 2);
      while (end < bytes.size() && bytes[end] >= 0x20 && bytes[end] <= 0x2f) ++end;
      if (end == bytes.size()) break;  // cut short: dropped
      if (bytes[end] < 0x40 || bytes[end] > 0x7e) {
        // Not a sequence after all: what follows is read as keys.
        keys.push_back({kind::other, 0});
        i = end - 1;
        continue;
      }
      kind what = kind::other;
      switch (bytes[end]) {
        case 'A': what = kind::up; break;
        case 'B': what = kind::down; break;
        case 'H': what = kind::home; break;
        case 'F': what = kind::end; break;
        case '~':
          if (parameters == "5") what = kind::page_up;
          if (parameters == "6") what = kind::page_down;
          if (parameters == "1" || parameters == "7") what = kind::home;
          if (parameters == "4" || parameters == "8") what = kind::end;
          break;
        default: break;
      }
      keys.push_back({what, 0});
      i = end;
      continue;
    }
    switch (byte) {
      case 0x1b: keys.push_back({kind::escape, 0}); break;
      case '\r':
      case '\n': keys.push_back({kind::enter, 0}); break;
      case 0x7f:
      case 0x08: keys.push_back({kind::backspace, 0}); break;
      case 0x15: keys.push_back({kind::kill_line, 0}); break;
      case 0x0c: keys.push_back({kind::redraw, 0}); break;
      default:
        if (byte >= 0x20 && byte < 0x7f) {
          keys.push_back({kind::character, static_cast<char>(byte)});
        } else {
          keys.push_back({kind::other, 0});
        }
    }
  }
  return keys;
}

bool terminal_session::usable(int in, int out) {
  const char* term = std::getenv("TERM");
  if (term == nullptr || *term == '\0' || std::string_view(term) == "dumb") return false;
  return ::isatty(in) == 1 && ::isatty(out) == 1 && ::tcgetpgrp(in) == ::getpgrp();
}

terminal_session::~terminal_session() { leave(); }

bool terminal_session::enter(int in, int out, std::string& error) {
  if (session_active) {
    error = "terminal: a session is already active";
    return false;
  }
  if (::tcgetattr(in, &saved_mode) != 0) {
    error = std::string("terminal: tcgetattr: ") + std::strerror(errno);
    return false;
  }
  if (::pipe(wake_pipe) != 0) {
    error = std::string("terminal: pipe: ") + std::strerror(errno);
    return false;
  }
  for (const int fd : wake_pipe) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  term_in = in;
  term_out = out;
  program_mode = saved_mode;
  // Keys arrive one by one, unechoed; ISIG stays, so Ctrl-C, Ctrl-Z and
  // Ctrl-\ still send their signals (handled below). No XON/XOFF: Ctrl-S
  // must not freeze the screen.
  program_mode.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | IEXTEN);
  program_mode.c_iflag &= ~static_cast<tcflag_t>(IXON | ICRNL | INLCR);
  program_mode.c_cc[VMIN] = 1;
  program_mode.c_cc[VTIME] = 0;
  resize_pending = 0;
  quit_pending = 0;

  std::size_t slot = 0;
  const auto install = [&slot](int signal, void (*handler)(int)) {
    saved_action& saved = saved_actions[slot++];
    saved.signal = signal;
    saved.installed = false;
    if (::sigaction(signal, nullptr, &saved.before) != 0) return;
    // An ignored signal (nohup, a shell without job control) stays
    // ignored; resizes and continuing are always the view's business.
    if (saved.before.sa_handler == SIG_IGN && signal != SIGWINCH && signal != SIGCONT) return;
    struct sigaction action {};
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    // Not SA_RESTART: the poll between passes returns at once.
    action.sa_flags = 0;
    saved.installed = ::sigaction(signal, &action, nullptr) == 0;
  };
  const sigset_t quit_signals = stop_signal_set();
  for (int s = 1; s < NSIG; ++s) {
    if (sigismember(&quit_signals, s) == 1) install(s, on_quit_signal);
  }
  for (const int s : crash_signals) install(s, on_crash_signal);
  for (const int s : job_signals) install(s, on_job_signal);
  session_active = true;
  entered_ = true;
  enter_program_mode();
  return true;
}

void terminal_session::leave() {
  if (!entered_) return;
  entered_ = false;
  leave_program_mode();
  for (saved_action& saved : saved_actions) {
    if (saved.installed) ::sigaction(saved.signal, &saved.before, nullptr);
    saved.installed = false;
  }
  for (int& fd : wake_pipe) {
    ::close(fd);
    fd = -1;
  }
  session_active = false;
}

screen_size terminal_session::size() const {
  winsize size{};
  if (::ioctl(term_out, TIOCGWINSZ, &size) != 0 || size.ws_row == 0 || size.ws_col == 0) return {24, 80};
  return {size.ws_row, size.ws_col};
}

terminal_events terminal_session::wait(std::optional<std::uint64_t> deadline_ns,
                                       const volatile std::sig_atomic_t& stop) {
  terminal_events events;
  char bytes[256];
  for (;;) {
    if (stop || quit_pending) {
      events.quit = true;
      return events;
    }
    if (resize_pending) {
      resize_pending = 0;  // before acting on it: a later signal sets it again
      events.resized = true;
      return events;
    }
    int timeout_ms = -1;
    if (deadline_ns) {
      const std::uint64_t now = monotonic_ns();
      if (now >= *deadline_ns) return events;
      const std::uint64_t rest_ms = (*deadline_ns - now + 999'999) / 1'000'000;
      timeout_ms = rest_ms > INT_MAX ? INT_MAX : static_cast<int>(rest_ms);
    }
    // Keys only while the view is on the screen: a background job reading
    // its terminal would be stopped.
    const bool keys = in_program_mode && in_foreground();
    pollfd fds[2] = {{wake_pipe[0], POLLIN, 0}, {keys ? term_in : -1, POLLIN, 0}};
    if (::poll(fds, 2, timeout_ms) < 0) continue;  // EINTR: the flags say why
    if ((fds[0].revents & POLLIN) != 0) {
      while (::read(wake_pipe[0], bytes, sizeof bytes) > 0) {
      }
    }
    if ((fds[1].revents & POLLIN) != 0) {
      const ssize_t n = ::read(term_in, bytes, sizeof bytes);
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
        events.quit = true;  // the terminal is gone
        return events;
      }
      if (n > 0) {
        events.keys = decode_keys({bytes, static_cast<std::size_t>(n)});
        return events;
      }
    } else if ((fds[1].revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) {
      events.quit = true;
      return events;
    }
  }
}

bool terminal_session::draw(std::string_view frame) {
  if (!entered_) return true;
  // A Ctrl-Z must not land in the middle of an escape sequence: its
  // handler writes one of its own.
  sigset_t job, before;
  sigemptyset(&job);
  sigaddset(&job, SIGTSTP);
  sigaddset(&job, SIGCONT);
  ::sigprocmask(SIG_BLOCK, &job, &before);
  bool ok = true;
  if (!in_program_mode && in_foreground()) enter_program_mode();
  if (in_program_mode) {
    while (!frame.empty()) {
      const ssize_t n = ::write(term_out, frame.data(), frame.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        ok = false;
        break;
      }
      frame.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  ::sigprocmask(SIG_SETMASK, &before, nullptr);
  return ok;
}

void restore_terminal() noexcept {
  if (session_active) leave_program_mode();
}

}  // namespace tcpstats::reader
