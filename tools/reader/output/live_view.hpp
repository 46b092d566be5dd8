#pragma once
// The live view: `--format table` with an interval on a terminal, like top.
// Each pass becomes one frame that fits the window: the column titles on the
// first line, as many connections as fit (sorted, by default the busiest
// first), a status line (how many are not shown, the sort, the filter,
// the keys) and the summary line(s) at the bottom. Between passes it reads
// keys until the next pass is due (see press() for the keys), and redraws
// at once on a key or a resize, from the pass it holds.
//
// It holds the table_writer's rows of the last pass and, per row, the
// little the filters look at (filter_subject): the filter prompt filters
// those again without another pass. The prompt's filter comes after the
// connection tracker, so narrowing it does not close connections.

#include <csignal>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/pass.hpp"
#include "core/summary.hpp"
#include "output/table_view.hpp"
#include "output/terminal.hpp"
#include "pipeline/filters.hpp"

namespace tcpstats::reader {

class live_view final : public record_sink {
 public:
  struct settings {
    bool header = true;  // -H turns the titles off
    sort_key sort = sort_key::activity;
    bool reverse = false;
  };
  explicit live_view(const settings& settings);
  ~live_view() override;
  live_view(const live_view&) = delete;
  live_view& operator=(const live_view&) = delete;

  // A pass, as table_writer takes it: prepare(), start(), the records,
  // set_pass_context(), then show().
  void prepare(const run_context& run, const std::optional<system_counters>& previous);
  void start(const pass_info& info) override;
  void add(const connection_record& record) override;
  void add_tracked(const connection_record& record, const record_delta& delta, bool emit) override;
  void set_pass_context(std::optional<std::uint64_t> elapsed_ns, const std::optional<tracker_counts>& counts);

  // Takes over the terminal (see terminal_session). False with `error` set.
  bool open(int in, int out, std::string& error);
  // Draws the pass. False when the terminal is gone.
  bool show();
  // Reads keys until `deadline_ns` (monotonic_ns() time), or for as long as
  // the view is paused. False when the run should end (q, a quit signal,
  // `stop`, the terminal gone).
  bool wait_until(std::uint64_t deadline_ns, const volatile std::sig_atomic_t& stop);
  // A message for the status line (until the next key), printed again on
  // standard error when the view closes.
  void notice(std::string text);
  // Gives the terminal back and prints the notices (also on destruction).
  void close();

  // The parts without a terminal, for the tests.
  struct screen_line {
    enum class role { row, title, status, summary };
    std::string text;  // printable(), at most the screen's width in bytes
    role what = role::row;  // titles are drawn in reverse video across the screen
  };
  // What each row of a screen of `size` shows; never more than size.rows.
  [[nodiscard]] std::vector<screen_line> compose(screen_size size) const;
  // compose() as one frame of escape sequences (cursor addressing, no
  // clearing unless `clear`; inside a synchronized update), written in one go.
  [[nodiscard]] std::string frame(screen_size size, bool clear) const;

  // What a key asks of the run.
  enum class response { none, redraw, collect, quit };
  // Keys: s / S next / previous sort key, r reverse, p or space pause and
  // resume, / or f the filter prompt (Enter applies, Esc cancels, Ctrl-U
  // clears), arrows, Page Up/Down, Home/End scroll, Ctrl-L repaints, q quits.
  response press(const key_press& key);
  [[nodiscard]] bool paused() const { return paused_; }
  [[nodiscard]] sort_key sort() const { return settings_.sort; }

 private:
  [[nodiscard]] std::vector<std::size_t> matching_rows() const;
  [[nodiscard]] std::string status_line(std::size_t matched, std::size_t first, std::size_t shown) const;
  [[nodiscard]] std::vector<std::string> summary_lines(std::size_t width) const;
  [[nodiscard]] std::size_t data_rows(screen_size size) const;
  bool draw(bool clear);

  settings settings_;
  table_writer table_;
  pass_info info_;
  std::vector<filter_subject> subjects_;  // beside the table's rows
  record_filter filter_;                  // the prompt's; keeps all at first
  std::string filter_text_;
  bool paused_ = false;
  std::size_t first_row_ = 0;  // scrolled past
  // Data rows on the last screen composed: how far Page Down goes.
  mutable std::size_t page_rows_ = 1;
  std::optional<std::string> prompt_;  // the filter being typed
  std::string prompt_error_;
  std::vector<std::string> notices_;
  bool notice_shown_ = false;
  std::optional<terminal_session> terminal_;
};

}  // namespace tcpstats::reader
