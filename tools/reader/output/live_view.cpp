#include "output/live_view.hpp"

#include <algorithm>
#include <iostream>
#include <utility>

#include "core/printable.hpp"

namespace tcpstats::reader {

namespace {

constexpr std::size_t max_prompt_length = 256;
constexpr std::string_view prompt_label = "filter> ";
constexpr std::string_view keys_help = "q:quit s:sort r:reverse p:pause /:filter";

// `text` in lines of at most `width`, broken at spaces (a longer word is cut).
std::vector<std::string> wrap(std::string_view text, std::size_t width) {
  std::vector<std::string> lines;
  std::string line;
  while (!text.empty()) {
    const auto space = text.find(' ');
    std::string_view word = text.substr(0, space);
    text.remove_prefix(space == std::string_view::npos ? text.size() : space + 1);
    if (word.empty()) continue;
    if (!line.empty() && line.size() + 1 + word.size() <= width) {
      line += ' ';
      line += word;
      continue;
    }
    if (!line.empty()) lines.push_back(std::move(line));
    line.clear();
    for (; word.size() > width; word.remove_prefix(width)) lines.emplace_back(word.substr(0, width));
    line = word;
  }
  if (!line.empty() || lines.empty()) lines.push_back(std::move(line));
  return lines;
}

std::string plural(std::size_t n, std::string_view one) {
  return std::to_string(n) + " " + std::string(one) + (n == 1 ? "" : "s");
}

}  // namespace

live_view::live_view(const settings& settings)
    : settings_(settings),
      table_(table_options{settings.header, false, true, 0, false, settings.sort, settings.reverse, true}) {
  table_.prepare(run_context{}, std::nullopt);
}

live_view::~live_view() { close(); }

void live_view::prepare(const run_context& run, const std::optional<system_counters>& previous) {
  table_.prepare(run, previous);
}

void live_view::start(const pass_info& info) {
  info_ = info;  // a copy: the caller's is refilled by the next pass while keys still redraw this one
  subjects_.clear();
  table_.start(info_);
}

void live_view::add(const connection_record& record) {
  subjects_.push_back(filter_subject::of(record));
  table_.add(record);
}

void live_view::add_tracked(const connection_record& record, const record_delta& delta, bool emit) {
  if (emit) subjects_.push_back(filter_subject::of(record));  // the table makes a row of it
  table_.add_tracked(record, delta, emit);
}

void live_view::set_pass_context(std::optional<std::uint64_t> elapsed_ns,
                                 const std::optional<tracker_counts>& counts) {
  table_.set_pass_context(elapsed_ns, counts);
}

bool live_view::open(int in, int out, std::string& error) {
  terminal_.emplace();
  if (terminal_->enter(in, out, error)) return true;
  terminal_.reset();
  return false;
}

void live_view::close() {
  if (!terminal_) return;
  terminal_.reset();
  for (const std::string& text : notices_) std::cerr << "tcpstats-reader: " << text << "\n";
  notices_.clear();
}

void live_view::notice(std::string text) {
  notices_.push_back(printable(text));
  notice_shown_ = true;
}

std::vector<std::size_t> live_view::matching_rows() const {
  std::vector<std::size_t> rows;
  rows.reserve(subjects_.size());
  for (std::size_t i = 0; i < subjects_.size() && i < table_.row_count(); ++i) {
    if (filter_.matches(subjects_[i])) rows.push_back(i);
  }
  return rows;
}

std::vector<std::string> live_view::summary_lines(std::size_t width) const {
  return wrap(printable(table_.summary_line()), std::max<std::size_t>(width, 1));
}

std::size_t live_view::data_rows(screen_size size) const {
  const std::size_t summary = summary_lines(size.columns).size();
  const std::size_t fixed = (settings_.header ? 1 : 0) + 1 + summary;
  return size.rows > fixed ? size.rows - fixed : 0;
}

std::string live_view::status_line(std::size_t matched, std::size_t first, std::size_t shown) const {
  if (prompt_) {
    std::string line = std::string(prompt_label) + *prompt_;
    line += prompt_error_.empty() ? "   (e.g. --dport 443 --src 10.0.0.0/8 established; Enter applies, Esc cancels)"
                                  : "   " + prompt_error_;
    return line;
  }
  std::string line;
  const std::size_t hidden = matched - shown;
  if (hidden == 0) {
    line = plural(matched, "connection") + ", all shown";
  } else {
    line = std::to_string(hidden) + " of " + plural(matched, "connection") + " not shown";
    if (first > 0 && shown > 0) {
      line += " (rows " + std::to_string(first + 1) + "-" + std::to_string(first + shown) + ")";
    }
  }
  const sort_key_info& sort = info_of(settings_.sort);
  line += " | sort: ";
  line += sort.name;
  line += ", ";
  line += settings_.reverse ? sort.reversed_order : sort.order;
  if (!filter_text_.empty()) {
    line += " | filter: " + filter_text_ + " (" + std::to_string(matched) + " of " +
            std::to_string(table_.row_count()) + " match)";
  }
  if (paused_) line += " | PAUSED";
  line += " | ";
  line += notice_shown_ && !notices_.empty() ? notices_.back() : std::string(keys_help);
  return line;
}

std::vector<live_view::screen_line> live_view::compose(screen_size size) const {
  std::vector<screen_line> screen;
  if (size.rows == 0 || size.columns == 0) return screen;
  const std::size_t width = size.columns;
  std::vector<std::string> summary = summary_lines(width);
  const std::vector<std::size_t> rows = matching_rows();
  const std::size_t room = data_rows(size);
  page_rows_ = std::max<std::size_t>(room, 1);
  // Scrolled no further than to show a full last page.
  const std::size_t first = std::min(first_row_, rows.size() > room ? rows.size() - room : 0);
  std::vector<std::string> table = table_.lines(rows, first, room, width);
  const std::size_t shown = table.size() - (settings_.header && !table.empty() ? 1 : 0);
  // At most `width` bytes (so columns), not cutting a UTF-8 character.
  const auto clip = [width](std::string text) {
    text = printable(text);
    if (text.size() <= width) return text;
    std::size_t end = width;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0u) == 0x80u) --end;
    text.resize(end);
    return text;
  };
  // A window too small for the layout keeps, in this order: the summary's
  // last lines, the titles, the status line.
  const bool title = settings_.header && size.rows >= 2;
  const bool status = size.rows >= (title ? 3u : 2u);
  const std::size_t summary_room = size.rows - (title ? 1 : 0) - (status ? 1 : 0);
  if (summary.size() > summary_room) {
    summary.erase(summary.begin(), summary.end() - static_cast<std::ptrdiff_t>(summary_room));
  }

  using role = screen_line::role;
  if (title) screen.push_back({clip(table.empty() ? std::string() : table.front()), role::title});
  for (std::size_t i = settings_.header ? 1 : 0; i < table.size(); ++i) screen.push_back({clip(table[i]), role::row});
  while (screen.size() + (status ? 1 : 0) + summary.size() < size.rows) screen.push_back({});
  if (status) screen.push_back({clip(status_line(rows.size(), first, shown)), role::status});
  for (std::string& line : summary) screen.push_back({clip(std::move(line)), role::summary});
  return screen;
}

std::string live_view::frame(screen_size size, bool clear) const {
  const std::vector<screen_line> screen = compose(size);
  // Synchronized output (DEC mode 2026): terminals that know it show the
  // frame whole; the others ignore the mode. The cursor hides while drawing.
  std::string out = "\x1b[?2026h\x1b[?25l";
  if (clear) out += "\x1b[2J";
  for (std::size_t row = 0; row < screen.size(); ++row) {
    const screen_line& line = screen[row];
    out += "\x1b[" + std::to_string(row + 1) + ";1H";
    if (line.what == screen_line::role::title) {
      // Reverse video across the width (auto-wrap is off: no scrolling).
      out += "\x1b[7m" + line.text + std::string(size.columns - line.text.size(), ' ') + "\x1b[m";
      continue;
    }
    out += line.text;
    // Erase the rest; a full line must not (the cursor sits on its last column).
    if (line.text.size() < size.columns) out += "\x1b[K";
  }
  if (prompt_) {
    // The cursor after the typed text, on the status line.
    for (std::size_t row = 0; row < screen.size(); ++row) {
      if (screen[row].what != screen_line::role::status) continue;
      const std::size_t column = std::min(prompt_label.size() + prompt_->size() + 1, size.columns);
      out += "\x1b[" + std::to_string(row + 1) + ";" + std::to_string(column) + "H\x1b[?25h";
    }
  }
  return out + "\x1b[?2026l";
}

live_view::response live_view::press(const key_press& key) {
  using kind = key_press::kind;
  notice_shown_ = false;
  if (prompt_) {
    switch (key.what) {
      case kind::character:
        if (prompt_->size() < max_prompt_length) *prompt_ += key.c;
        break;
      case kind::backspace:
        if (!prompt_->empty()) prompt_->pop_back();
        break;
      case kind::kill_line: prompt_->clear(); break;
      case kind::escape: prompt_.reset(); break;
      case kind::enter: {
        std::string error;
        if (auto filter = parse_filter_words(*prompt_, error)) {
          filter_ = std::move(*filter);
          filter_text_ = filter_.keeps_all() ? std::string() : *prompt_;
          first_row_ = 0;
          prompt_.reset();
        } else {
          prompt_error_ = error;
          return response::redraw;
        }
        break;
      }
      default: return response::none;
    }
    prompt_error_.clear();
    return response::redraw;
  }
  const auto sorts = sort_keys();
  const auto sort_index = static_cast<std::size_t>(settings_.sort);
  switch (key.what) {
    case kind::character:
      switch (key.c) {
        case 'q':
        case 'Q': return response::quit;
        case 's':
        case 'S':
          settings_.sort = sorts[(sort_index + (key.c == 's' ? 1 : sorts.size() - 1)) % sorts.size()].key;
          table_.set_order(settings_.sort, settings_.reverse);
          first_row_ = 0;
          return response::redraw;
        case 'r':
        case 'R':
          settings_.reverse = !settings_.reverse;
          table_.set_order(settings_.sort, settings_.reverse);
          first_row_ = 0;
          return response::redraw;
        case 'p':
        case 'P':
        case ' ':
          paused_ = !paused_;
          return paused_ ? response::redraw : response::collect;
        case '/':
        case 'f':
        case 'F':
          prompt_ = filter_text_;
          prompt_error_.clear();
          return response::redraw;
        default: return response::redraw;  // the key help again, in place of a notice
      }
    case kind::redraw: return response::redraw;
    case kind::up:
    case kind::down:
    case kind::page_up:
    case kind::page_down:
    case kind::home:
    case kind::end: break;
    default: return response::none;
  }
  // Scrolling: no further than to show a full last page.
  const std::size_t rows = matching_rows().size();
  const std::size_t last_first = rows > page_rows_ ? rows - page_rows_ : 0;
  first_row_ = std::min(first_row_, last_first);
  switch (key.what) {
    case kind::up: first_row_ -= std::min<std::size_t>(first_row_, 1); break;
    case kind::down: first_row_ = std::min(first_row_ + 1, last_first); break;
    case kind::page_up: first_row_ -= std::min(first_row_, page_rows_); break;
    case kind::page_down: first_row_ = std::min(first_row_ + page_rows_, last_first); break;
    case kind::home: first_row_ = 0; break;
    default: first_row_ = last_first; break;
  }
  return response::redraw;
}

bool live_view::draw(bool clear) {
  if (!terminal_) return true;
  return terminal_->draw(frame(terminal_->size(), clear));
}

bool live_view::show() { return draw(false); }

bool live_view::wait_until(std::uint64_t deadline_ns, const volatile std::sig_atomic_t& stop) {
  if (!terminal_) return false;
  for (;;) {
    const terminal_events events = terminal_->wait(paused_ ? std::nullopt : std::optional(deadline_ns), stop);
    if (events.quit) return false;
    if (!events.resized && events.keys.empty()) return true;  // the next pass is due
    bool redraw = events.resized, clear = events.resized, collect = false;
    for (const key_press& key : events.keys) {
      switch (press(key)) {
        case response::quit: return false;
        case response::collect: collect = true; [[fallthrough]];
        case response::redraw:
          redraw = true;
          clear = clear || key.what == key_press::kind::redraw;
          break;
        case response::none: break;
      }
    }
    if (redraw && !draw(clear)) return false;
    if (collect) return true;  // resumed: a pass at once
  }
}

}  // namespace tcpstats::reader
