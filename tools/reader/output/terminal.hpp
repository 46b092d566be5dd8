#pragma once
// The live view's terminal: termios and a handful of ANSI (VT100/xterm)
// sequences, not ncurses. The view redraws whole frames of plain text, so
// it needs only the alternate screen, cursor addressing, erase to the end of
// a line and reverse video, which every terminal emulator in use speaks;
// ncurses is not in the cross sysroots the macOS (Zig) and FreeBSD binaries
// are built with, and terminfo would add nothing to these few sequences.
// TERM=dumb (or no TERM) keeps the plain table.
//
// While a session is entered the terminal is in the program's mode (no
// echo, no line editing; Ctrl-C and Ctrl-Z still send their signals) on the
// alternate screen with the cursor hidden. It is restored on leave(), on
// destruction, on SIGINT, SIGTERM, SIGHUP, on a crash signal (SIGSEGV,
// SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT: restored, then the signal's
// default action) and on SIGTSTP (restored, stopped, entered again on
// SIGCONT). POSIX only: builds for Linux, macOS and FreeBSD alike.

#include <csignal>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tcpstats::reader {

struct screen_size {
  std::size_t rows = 0, columns = 0;
};

// A key, decoded from the bytes a terminal sends.
struct key_press {
  enum class kind {
    character,  // `c`: a printable ASCII character
    enter, escape, backspace, kill_line /* Ctrl-U */, redraw /* Ctrl-L */,
    up, down, page_up, page_down, home, end,
    other  // anything else (ignored)
  };
  kind what = kind::other;
  char c = 0;
};

// The keys in `bytes`, one read's worth: an escape sequence (arrows, Page
// Up...) is taken whole from within it, so a lone ESC at its end is the
// Escape key.
[[nodiscard]] std::vector<key_press> decode_keys(std::string_view bytes);

// What ended a wait.
struct terminal_events {
  std::vector<key_press> keys;
  bool resized = false;  // SIGWINCH, or back from a stop: redraw at size()
  bool quit = false;     // SIGINT, SIGTERM, SIGHUP, `stop`, or the terminal hung up
};

class terminal_session {
 public:
  // True when `in` and `out` are terminals, this process is in the
  // foreground of `in`'s terminal, and TERM names a terminal other than
  // "dumb".
  [[nodiscard]] static bool usable(int in, int out);

  terminal_session() = default;
  ~terminal_session();
  terminal_session(const terminal_session&) = delete;
  terminal_session& operator=(const terminal_session&) = delete;

  // Installs the signal handlers and enters the program's mode: keys are
  // read from `in`, frames written to `out`. One session at a time. False
  // with `error` set when the terminal refuses.
  bool enter(int in, int out, std::string& error);
  // Restores the terminal and the signal handlers (idempotent).
  void leave();

  [[nodiscard]] screen_size size() const;

  // Waits until `deadline_ns` (monotonic_ns() time; empty: no deadline) for
  // keys, a resize or a quit; returns at the first of them, or empty
  // events at the deadline. `stop` is also watched (the tool's own
  // SIGINT/SIGTERM flag).
  terminal_events wait(std::optional<std::uint64_t> deadline_ns, const volatile std::sig_atomic_t& stop);

  // Writes a frame in one write() call sequence. False when the terminal
  // is gone.
  bool draw(std::string_view frame);

 private:
  bool entered_ = false;
};

// Restores the terminal of the session entered, if any, now: for a fatal
// error's message to reach the normal screen. Async-signal-safe.
void restore_terminal() noexcept;

}  // namespace tcpstats::reader
