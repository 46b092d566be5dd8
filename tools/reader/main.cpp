// tcpstats-reader: every TCP connection of this host (or of captured kernel
// dumps) as protobuf BatchMessages, one per pass. See --help.

#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>

#include "batch_encoder.hpp"
#include "capture.hpp"
#include "decode.hpp"
#include "live.hpp"
#include "meta_file.hpp"
#include "options.hpp"
#include "output.hpp"
#include "tcpstats/xnu/tcpstat.hpp"

namespace reader = tcpstats::reader;

namespace {

// Documented in --help.
enum exit_status : int { exit_ok = 0, exit_malformed = 1, exit_usage = 2, exit_io = 3, exit_live = 4 };

volatile sig_atomic_t stop_requested = 0;
extern "C" void request_stop(int) { stop_requested = 1; }

void install_signal_handlers() {
  // A closed pipe shows as EPIPE from write(), handled as a quiet end.
  signal(SIGPIPE, SIG_IGN);
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a signal cuts the sleep between passes short
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int fail(int status, const std::string& message) {
  std::cerr << "tcpstats-reader: " << message << "\n";
  return status;
}

// Adapts the output to the batch writer, remembering why a write stopped.
class sink_target final : public reader::chunk_target {
 public:
  explicit sink_target(reader::output_sink& sink) : sink_(sink) {}
  bool write(std::string_view bytes) override {
    status_ = sink_.write(bytes);
    return status_ == reader::output_sink::status::ok;
  }
  [[nodiscard]] reader::output_sink::status status() const { return status_; }

 private:
  reader::output_sink& sink_;
  reader::output_sink::status status_ = reader::output_sink::status::ok;
};

// Says once per run that net.inet.tcp.stats came back unreadable.
void note_unreadable_counters(const reader::raw_pass& raw) {
  static bool said = false;
  if (said || !raw.tcp_stats || tcpstats::xnu::is_readable(*raw.tcp_stats)) return;
  said = true;
  std::cerr << "tcpstats-reader: net.inet.tcp.stats reads as zeros (macOS hides it from non-root): "
               "system counters are left out\n";
}

// Reports passes that took more than 80 % of the interval, at most once a minute.
class slow_pass_report {
 public:
  void add(std::uint64_t took_ns, std::uint64_t interval_ns) {
    ++passes_;
    if (took_ns * 5 <= interval_ns * 4) return;
    ++slow_;
    const std::uint64_t now = reader::monotonic_ns();
    if (reported_ && now - last_report_ < 60'000'000'000u) return;
    reported_ = true;
    last_report_ = now;
    std::cerr << "tcpstats-reader: " << slow_ << " of " << passes_ << " passes took more than 80% of the "
              << interval_ns / 1'000'000 << " ms interval (last: " << took_ns / 1'000'000 << " ms)\n";
  }

 private:
  std::uint64_t passes_ = 0, slow_ = 0, last_report_ = 0;
  bool reported_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  const auto parsed = reader::parse_options(argc, argv, error);
  if (!parsed) return fail(exit_usage, error + " (see --help)");
  const reader::options& opts = *parsed;
  if (opts.help) {
    std::cout << reader::help_text();
    return exit_ok;
  }
  if (opts.version) {
    std::cout << reader::tool_version << "\n";
    return exit_ok;
  }

  const bool replay = !opts.replay_files.empty();
  const reader::platform live_source = opts.source.value_or(reader::running_platform());
  if (!replay) {
    if (live_source != reader::running_platform()) {
      return fail(exit_usage, "live collection reads this host's kernel: --source " +
                                  std::string(reader::platform_name(live_source)) +
                                  " needs --replay FILE on this platform");
    }
    if (!reader::live_supported(live_source)) {
      return fail(exit_live, "live collection on " + std::string(reader::platform_name(live_source)) +
                                 " is not supported by this build; decode dumps with --replay FILE");
    }
  }

  if (!opts.netns.empty() && !reader::enter_network_namespace(opts.netns, error)) return fail(exit_live, error);
  install_signal_handlers();
  reader::output_sink sink(opts.output);
  if (!sink.is_open()) return fail(exit_io, sink.error());
  if (!opts.capture_dir.empty() && ::mkdir(opts.capture_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return fail(exit_io, opts.capture_dir + ": " + std::strerror(errno));
  }

  reader::live_options live;
  reader::batch_writer writer(opts.format, opts.pretty);
  sink_target target(sink);
  reader::run_context run;
  run.interval_ms = static_cast<std::uint32_t>(opts.interval.count() / 1'000'000);
  const auto interval_ns = static_cast<std::uint64_t>(opts.interval.count());
  std::optional<reader::system_counters> previous_counters;
  slow_pass_report slow;
  reader::pass_info decoded;
  const std::uint64_t first_slot = reader::monotonic_ns();

  for (std::uint64_t index = 0; opts.count == 0 || index < opts.count; ++index) {
    if (replay && index >= opts.replay_files.size()) break;
    const std::uint64_t started = reader::monotonic_ns();

    std::optional<reader::raw_pass> raw;
    reader::platform source = live_source;
    std::string where;  // the file or sysctl an error concerns
    if (replay) {
      where = opts.replay_files[index];
      bool malformed = false;
      raw = reader::read_raw_pass(where, error, malformed);
      if (!raw) return fail(malformed ? exit_malformed : exit_io, error);
      if (opts.source) {
        source = *opts.source;
      } else if (raw->meta.source) {
        source = *raw->meta.source;
      } else if (const auto sniffed = reader::sniff_platform(raw->table.bytes())) {
        source = *sniffed;
      } else {
        return fail(exit_malformed, where + ": not a dump this tool knows (give --source)");
      }
    } else {
      raw = reader::read_live_pass(live_source, live, error);
      if (!raw) return fail(exit_live, error);
      where = reader::live_table_name(live_source);
    }
    note_unreadable_counters(*raw);

    // Capture first: a dump that fails to decode is worth keeping.
    if (!opts.capture_dir.empty() &&
        !reader::write_raw_pass(opts.capture_dir, index + 1, source, *raw, error)) {
      return fail(exit_io, error);
    }
    run.batch_sequence = index + 1;
    // Binary frames carry their length first: a measuring pass lets the
    // frame stream out instead of being built whole in memory.
    std::optional<reader::binary_plan> plan;
    if (opts.format == reader::output_format::binary && !opts.pretty) {
      reader::binary_planner planner;
      if (!reader::decode_raw_pass(*raw, source, decoded, planner, error)) {
        return fail(exit_malformed, where + ": " + error);
      }
      plan = planner.plan();
    }
    writer.prepare(run, previous_counters, target, plan ? &*plan : nullptr);
    // The decoder validates the whole dump before the writer sees any of it:
    // a malformed dump writes nothing.
    if (!reader::decode_raw_pass(*raw, source, decoded, writer, error)) {
      return fail(exit_malformed, where + ": " + error);
    }
    if (!writer.finish()) {
      if (target.status() == reader::output_sink::status::closed) return exit_ok;  // e.g. `| head` is done
      return fail(exit_io, sink.error());
    }
    previous_counters = decoded.counters;

    if (stop_requested) break;
    if (replay) continue;
    slow.add(reader::monotonic_ns() - started, interval_ns);
    if (opts.count != 0 && index + 1 >= opts.count) break;
    // The next slot on the fixed grid first_slot + k * interval: a slow pass
    // skips slots rather than shifting every later pass.
    const std::uint64_t now = reader::monotonic_ns();
    const std::uint64_t next = first_slot + ((now - first_slot) / interval_ns + 1) * interval_ns;
    if (!reader::sleep_until(next, stop_requested)) break;
  }
  return exit_ok;
}
