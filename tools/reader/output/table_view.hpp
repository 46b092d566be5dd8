#pragma once
// --format table: one pass as an ss/netstat-like table for a person at a
// terminal, then a one-line summary. Columns are as wide as their widest
// cell; when the table is wider than the terminal, the least important
// columns go first (state and both endpoints always stay). Absent values
// show as "-". With --summary-only just the summary line.

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "output/batch_writer.hpp"
#include "core/pass.hpp"

namespace tcpstats::reader {

struct table_options {
  bool header = true;        // -H/--no-header turns it off
  bool summary_only = false;
  bool rates = false;        // --deltas: TX/s and RX/s columns (also shown when a row has a rate)
  std::size_t width = 0;     // the terminal's columns; 0 = no limit
  bool redraw = false;       // clear the screen before each pass (a live run on a terminal)
};

class table_writer final : public record_sink {
 public:
  explicit table_writer(const table_options& options) : options_(options) {}

  // Sets up the next pass: its host counters are compared with `previous`
  // over run.elapsed_ns, and its text goes to `target` at finish().
  void prepare(const run_context& run, const std::optional<system_counters>& previous, chunk_target& target);
  void start(const pass_info& info) override;
  void add(const connection_record& record) override;
  void add_tracked(const connection_record& record, const record_delta& delta, bool emit) override;
  void set_pass_context(std::optional<std::uint64_t> elapsed_ns, const std::optional<tracker_counts>& counts);
  // Writes the table and the summary line. False if the target refused.
  bool finish();

  enum column : unsigned {
    state, local, peer, rtt, rttvar, cwnd, mss, retrans, sent, received, tx_rate, rx_rate, process, column_count
  };
  using row = std::array<std::string, column_count>;

 private:
  void add_row(const connection_record& record, const record_delta* delta);
  [[nodiscard]] std::string summary_line() const;

  table_options options_;
  run_context run_;
  std::optional<system_counters> previous_;
  chunk_target* target_ = nullptr;
  const pass_info* info_ = nullptr;
  state_tally tally_;
  std::vector<row> rows_;
};

// Human units, as the table prints them (exposed for the tests).
[[nodiscard]] std::string format_duration_us(std::uint64_t us);  // 350us, 23.2ms, 1.50s
[[nodiscard]] std::string format_bytes(std::uint64_t bytes);     // 512B, 1.5KiB, 20.0MiB
[[nodiscard]] std::string format_bit_rate(double bytes_per_sec);  // 0bit/s, 12.3kbit/s, 1.20Gbit/s

}  // namespace tcpstats::reader
