#pragma once
// A small terminal emulator for the live view's tests: what a VT100/xterm
// screen shows after the bytes a program wrote. It knows the sequences the
// view may send (cursor addressing, erase in line and display, SGR, the
// alternate screen, cursor visibility, auto-wrap, synchronized output: the
// tests look at whole frames only) and, for plain output,
// CR, LF, BS and TAB; anything else is recorded as a problem, as are a row
// addressed beyond the window, a write past the right margin with
// auto-wrap off, a scroll on the alternate screen, and bytes that are not
// ASCII. Tests fail on problems: the view must fit the window exactly.

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tcpstats::test {

class vt_screen {
 public:
  vt_screen(std::size_t rows, std::size_t columns) { resize(rows, columns); }

  // A new window size: both screens blank (a real terminal's reflow is its
  // own business; the program is expected to paint everything again).
  void resize(std::size_t rows, std::size_t columns) {
    rows_ = rows;
    columns_ = columns;
    main_.assign(rows, std::string(columns, ' '));
    alternate_.assign(rows, std::string(columns, ' '));
    row_ = column_ = 0;
    pending_wrap_ = false;
  }

  void feed(std::string_view bytes) {
    for (const char c : bytes) step(static_cast<unsigned char>(c));
  }

  [[nodiscard]] std::size_t rows() const { return rows_; }
  [[nodiscard]] std::size_t columns() const { return columns_; }
  // The visible screen's rows, trailing blanks removed.
  [[nodiscard]] std::vector<std::string> lines() const {
    std::vector<std::string> out;
    for (const std::string& row : screen()) out.push_back(row.substr(0, row.find_last_not_of(' ') + 1));
    return out;
  }
  [[nodiscard]] std::string text() const {
    std::string out;
    for (const std::string& line : lines()) out += line + "\n";
    return out;
  }
  [[nodiscard]] bool on_alternate_screen() const { return on_alternate_; }
  [[nodiscard]] bool cursor_visible() const { return cursor_visible_; }
  [[nodiscard]] bool autowrap() const { return autowrap_; }
  // Inside a synchronized update (DEC mode 2026): a frame is being drawn,
  // the screen is not yet what the program means it to be.
  [[nodiscard]] bool updating() const { return updating_; }
  [[nodiscard]] std::size_t frames() const { return frames_; }
  [[nodiscard]] const std::vector<std::string>& problems() const { return problems_; }

 private:
  [[nodiscard]] const std::vector<std::string>& screen() const { return on_alternate_ ? alternate_ : main_; }
  std::vector<std::string>& screen() { return on_alternate_ ? alternate_ : main_; }

  void problem(std::string what) {
    if (problems_.size() < 20) problems_.push_back(std::move(what));
  }

  void line_feed() {
    if (row_ + 1 < rows_) {
      ++row_;
      return;
    }
    if (on_alternate_) problem("scrolled the alternate screen");
    auto& s = screen();
    s.erase(s.begin());
    s.emplace_back(columns_, ' ');
  }

  void put(char c) {
    if (pending_wrap_) {
      if (autowrap_) {
        column_ = 0;
        line_feed();
      } else {
        problem("wrote past the right margin on row " + std::to_string(row_ + 1));
      }
      pending_wrap_ = false;
    }
    screen()[row_][column_] = c;
    if (column_ + 1 < columns_) {
      ++column_;
    } else {
      pending_wrap_ = true;
    }
  }

  void erase(std::size_t row, std::size_t from, std::size_t to) {
    auto& line = screen()[row];
    for (std::size_t c = from; c < to && c < columns_; ++c) line[c] = ' ';
  }

  [[nodiscard]] std::size_t parameter(std::size_t i, std::size_t fallback) const {
    return i < parameters_.size() && parameters_[i] != 0 ? parameters_[i] : fallback;
  }

  void control_sequence(char final) {
    const std::string sequence = "ESC [" + std::string(private_ ? "?" : "") + raw_ + final;
    if (private_) {
      if (final != 'h' && final != 'l') return problem("unknown sequence " + sequence);
      const bool set = final == 'h';
      for (const std::size_t p : parameters_) {
        if (p == 1049) {
          if (set == on_alternate_) continue;
          if (set) {
            saved_row_ = row_;
            saved_column_ = column_;
            alternate_.assign(rows_, std::string(columns_, ' '));
          } else {
            row_ = saved_row_;
            column_ = saved_column_;
          }
          on_alternate_ = set;
          pending_wrap_ = false;
        } else if (p == 25) {
          cursor_visible_ = set;
        } else if (p == 7) {
          autowrap_ = set;
        } else if (p == 2026) {
          // Synchronized output: a frame starts, or is complete.
          if (!set && updating_) ++frames_;
          updating_ = set;
        } else {
          problem("unknown mode " + sequence);
        }
      }
      return;
    }
    switch (final) {
      case 'H':
      case 'f': {
        const std::size_t row = parameter(0, 1), column = parameter(1, 1);
        if (row > rows_ || column > columns_) problem("addressed " + sequence + " beyond the window");
        row_ = std::min(row, rows_) - 1;
        column_ = std::min(column, columns_) - 1;
        pending_wrap_ = false;
        break;
      }
      case 'K': {
        const std::size_t mode = parameters_.empty() ? 0 : parameters_[0];
        if (mode == 0) erase(row_, column_, columns_);
        if (mode == 1) erase(row_, 0, column_ + 1);
        if (mode == 2) erase(row_, 0, columns_);
        break;
      }
      case 'J': {
        const std::size_t mode = parameters_.empty() ? 0 : parameters_[0];
        if (mode == 0) {
          erase(row_, column_, columns_);
          for (std::size_t r = row_ + 1; r < rows_; ++r) erase(r, 0, columns_);
        } else if (mode == 1) {
          for (std::size_t r = 0; r < row_; ++r) erase(r, 0, columns_);
          erase(row_, 0, column_ + 1);
        } else {
          for (std::size_t r = 0; r < rows_; ++r) erase(r, 0, columns_);
        }
        break;
      }
      case 'm': break;  // colours and attributes: not shown here
      default: problem("unknown sequence " + sequence);
    }
  }

  void step(unsigned char c) {
    switch (state_) {
      case state::ground:
        if (c == 0x1b) {
          state_ = state::escape;
        } else if (c == '\r') {
          column_ = 0;
          pending_wrap_ = false;
        } else if (c == '\n') {
          line_feed();
          pending_wrap_ = false;
        } else if (c == '\b') {
          if (column_ > 0) --column_;
          pending_wrap_ = false;
        } else if (c == '\t') {
          column_ = std::min(columns_ - 1, (column_ / 8 + 1) * 8);
        } else if (c == '\a') {
        } else if (c >= 0x20 && c < 0x7f) {
          put(static_cast<char>(c));
        } else {
          problem("byte " + std::to_string(c));
        }
        return;
      case state::escape:
        if (c == '[') {
          state_ = state::csi;
          parameters_.clear();
          raw_.clear();
          private_ = false;
          current_ = 0;
          has_current_ = false;
        } else {
          problem("unknown sequence ESC " + std::string(1, static_cast<char>(c)));
          state_ = state::ground;
        }
        return;
      case state::csi:
        if (c == '?' && raw_.empty() && !private_) {
          private_ = true;
        } else if (c >= '0' && c <= '9') {
          raw_ += static_cast<char>(c);
          current_ = current_ * 10 + (c - '0');
          has_current_ = true;
        } else if (c == ';') {
          raw_ += ';';
          parameters_.push_back(has_current_ ? current_ : 0);
          current_ = 0;
          has_current_ = false;
        } else if (c >= 0x40 && c <= 0x7e) {
          if (has_current_ || !parameters_.empty()) parameters_.push_back(has_current_ ? current_ : 0);
          control_sequence(static_cast<char>(c));
          state_ = state::ground;
        } else {
          problem("byte " + std::to_string(c) + " in a control sequence");
          state_ = state::ground;
        }
        return;
    }
  }

  enum class state { ground, escape, csi };
  state state_ = state::ground;
  std::vector<std::size_t> parameters_;
  std::string raw_;
  bool private_ = false, has_current_ = false;
  std::size_t current_ = 0;

  std::size_t rows_ = 0, columns_ = 0;
  std::vector<std::string> main_, alternate_;
  std::size_t row_ = 0, column_ = 0, saved_row_ = 0, saved_column_ = 0;
  bool pending_wrap_ = false, on_alternate_ = false, cursor_visible_ = true, autowrap_ = true, updating_ = false;
  std::size_t frames_ = 0;
  std::vector<std::string> problems_;
};

}  // namespace tcpstats::test
