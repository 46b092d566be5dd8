#pragma once
// --format table: one pass as an ss/netstat-like table for a person at a
// terminal, then a one-line summary. Columns are as wide as their widest
// cell; when the table is wider than the terminal, the least important
// columns go first (state and both endpoints always stay). Absent values
// show as "-". With --summary-only just the summary line.

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "output/batch_writer.hpp"
#include "core/pass.hpp"

namespace tcpstats::reader {

// --sort: what the rows are ordered by. Each key but activity is a column;
// the sorted column stays when narrow columns leave.
enum class sort_key { activity, rtt, retrans, tx, rx, cwnd, port, state, age };

struct sort_key_info {
  sort_key key;
  std::string_view name;      // as --sort takes it
  bool largest_first;         // the order without --reverse
  // For the live view's status line: "busiest first", "idlest first".
  std::string_view order, reversed_order;
};
// Every key, in the order the live view's `s` key cycles through them.
[[nodiscard]] std::span<const sort_key_info> sort_keys();
[[nodiscard]] const sort_key_info& info_of(sort_key key);
[[nodiscard]] std::optional<sort_key> parse_sort_key(std::string_view name);

struct table_options {
  bool header = true;        // -H/--no-header turns it off
  bool summary_only = false;
  bool rates = false;        // --deltas: TX/s and RX/s columns (also shown when a row has a rate)
  std::size_t width = 0;     // the terminal's columns; 0 = no limit
  bool redraw = false;       // clear the screen before each pass (a live run on a terminal)
  // Rows in kernel order unless set. Absent values sort last either way;
  // ties go by activity, then RTT, then the ports.
  std::optional<sort_key> sort;
  bool reverse = false;      // --reverse: the sort key's other direction
  // The live view's columns: an Age column, and when narrow the byte
  // counts leave before the window, the retransmits and the rates.
  bool live = false;
};

class table_writer final : public record_sink {
 public:
  explicit table_writer(const table_options& options) : options_(options) {}

  // Sets up the next pass: its host counters are compared with `previous`
  // over run.elapsed_ns, and its text goes to `target` at finish().
  void prepare(const run_context& run, const std::optional<system_counters>& previous, chunk_target& target);
  // The same without a target, for a table read through lines() (finish() then writes nothing).
  void prepare(const run_context& run, const std::optional<system_counters>& previous);
  void start(const pass_info& info) override;
  void add(const connection_record& record) override;
  void add_tracked(const connection_record& record, const record_delta& delta, bool emit) override;
  void set_pass_context(std::optional<std::uint64_t> elapsed_ns, const std::optional<tracker_counts>& counts);
  // Changes the order of the rows (the live view's keys).
  void set_order(std::optional<sort_key> sort, bool reverse) {
    options_.sort = sort;
    options_.reverse = reverse;
  }
  // Writes the table and the summary line. False if the target refused.
  bool finish();

  // What the live view draws from (after start(), the records and
  // set_pass_context(); no target needed): the rows of the pass, in the
  // order they came; the table of the rows at `subset` (indexes into
  // them), at most `max_rows` from the `first` in the sort order, the
  // titles first when shown, its columns fitted to `width` over the subset
  // (0 = no limit); and the summary line (of every row) without its newline.
  [[nodiscard]] std::size_t row_count() const { return rows_.size(); }
  [[nodiscard]] std::vector<std::string> lines(std::span<const std::size_t> subset, std::size_t first,
                                               std::size_t max_rows, std::size_t width) const;
  [[nodiscard]] std::string summary_line() const;

  enum column : unsigned {
    state, local, peer, rtt, rttvar, cwnd, mss, retrans, sent, received, tx_rate, rx_rate, age, process,
    column_count
  };
  using row = std::array<std::string, column_count>;

 private:
  // A row's values as its sort keys compare them (absent = unknown).
  struct row_keys {
    std::optional<double> tx_rate, rx_rate, activity;
    std::optional<std::uint64_t> rtt_us, retrans, cwnd, age_ms;
    std::uint16_t local_port = 0, remote_port = 0;
    int state = 0;
  };
  void add_row(const connection_record& record, const record_delta* delta);
  // The subset in the sort order, its first `needed` rows at least.
  [[nodiscard]] std::vector<std::size_t> sorted(std::span<const std::size_t> subset, std::size_t needed) const;

  table_options options_;
  run_context run_;
  std::optional<system_counters> previous_;
  chunk_target* target_ = nullptr;
  const pass_info* info_ = nullptr;
  state_tally tally_;
  std::vector<row> rows_;
  std::vector<row_keys> keys_;  // beside rows_
};

// Human units, as the table prints them (exposed for the tests).
[[nodiscard]] std::string format_duration_us(std::uint64_t us);  // 350us, 23.2ms, 1.50s
[[nodiscard]] std::string format_bytes(std::uint64_t bytes);     // 512B, 1.5KiB, 20.0MiB
[[nodiscard]] std::string format_bit_rate(double bytes_per_sec);  // 0bit/s, 12.3kbit/s, 1.20Gbit/s
[[nodiscard]] std::string format_age_ms(std::uint64_t ms);        // 850ms, 42s, 12m03s, 3h04m, 2d03h

}  // namespace tcpstats::reader
