// tcpstats-reader: every TCP connection of this host (or of captured kernel
// dumps) as protobuf BatchMessages, one per pass. See --help.

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <new>
#include <optional>
#include <string>

#include "archive/archive.hpp"
#include "core/printable.hpp"
#include "core/safe_create.hpp"
#include "core/stop_signals.hpp"
#include "output/batch_writer.hpp"
#include "codec/batch_parts_encoder.hpp"
#include "sources/capture.hpp"
#include "pipeline/connection_tracker.hpp"
#include "pipeline/decode.hpp"
#include "sources/live.hpp"
#if defined(__linux__)
#include "sources/linux/cgroups.hpp"
#include "sources/linux/destroy_events.hpp"
#include "sources/linux/processes.hpp"
#endif
#include "sources/meta_file.hpp"
#include "metrics/aggregator.hpp"
#include "metrics/http_server.hpp"
#include "cli/options.hpp"
#include "output/output.hpp"
#include "codec/proto_json.hpp"
#include "output/live_view.hpp"
#include "output/table_view.hpp"
#include "output/terminal.hpp"
#include "codec/wire_decoder.hpp"
#include "codec/wire_encoder.hpp"
#include "tcpstats/sock_diag/materialize.hpp"
#include "tcpstats/xnu/tcpstat.hpp"

namespace reader = tcpstats::reader;

namespace {

// Documented in --help.
enum exit_status : int { exit_ok = 0, exit_malformed = 1, exit_usage = 2, exit_io = 3, exit_live = 4 };

volatile sig_atomic_t stop_requested = 0;
extern "C" void request_stop(int) { stop_requested = 1; }

void install_signal_handlers() {
  // A closed pipe shows as EPIPE from write(), handled as a quiet end; a
  // file-size limit (ulimit -f) as EFBIG, an error like a full disk.
  signal(SIGPIPE, SIG_IGN);
  signal(SIGXFSZ, SIG_IGN);
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a signal cuts the sleep between passes short
  // Every signal that would end the tool mid-batch asks it to stop after
  // the batch instead (core/stop_signals.hpp).
  const sigset_t stop = reader::stop_signal_set();
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sigismember(&stop, sig) == 1) sigaction(sig, &action, nullptr);
  }
}

// Messages name files, archive contents and kernel strings that other users
// chose: printable() keeps them from driving the terminal.
int fail(int status, const std::string& message) {
  reader::restore_terminal();  // the live view's screen would take the message with it
  std::cerr << "tcpstats-reader: " << reader::printable(message) << "\n";
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

// Passes on the records the filters keep (--state, --port, --src, ...).
class filter_sink final : public reader::record_sink {
 public:
  filter_sink(reader::record_sink& next, const reader::record_filter& filter)
      : next_(next), filter_(filter), keeps_all_(filter.keeps_all()) {}
  void start(const reader::pass_info& info) override { next_.start(info); }
  void add(const tcpstats::connection_record& record) override {
    if (keeps(record)) next_.add(record);
  }
  void add_from(const tcpstats::connection_record& record, const reader::record_origin& origin) override {
    if (keeps(record)) next_.add_from(record, origin);
  }

 private:
  [[nodiscard]] bool keeps(const tcpstats::connection_record& record) const {
    return keeps_all_ || filter_.matches(record);
  }

  reader::record_sink& next_;
  const reader::record_filter& filter_;
  bool keeps_all_;  // no filter given: nothing to look at per record
};

// --json-names proto: takes the writer's whole binary frame and writes it as
// JSON with the .proto's names.
class proto_names_target final : public reader::chunk_target {
 public:
  proto_names_target(reader::chunk_target& next, bool pretty, reader::json_addresses addresses)
      : next_(next), pretty_(pretty), addresses_(addresses) {}
  bool write(std::string_view frame) override {
    std::size_t at = 0;  // past the varint length
    while (at < frame.size() && (static_cast<unsigned char>(frame[at]) & 0x80) != 0) ++at;
    json_.clear();
    std::string error;
    if (!reader::wire_to_json(frame.substr(at + 1), reader::schema::BatchMessage_type, reader::json_names::proto,
                              json_, error, addresses_)) {
      std::cerr << "tcpstats-reader: internal error: " << reader::printable(error) << "\n";
      return false;
    }
    return next_.write(pretty_ ? reader::indent_json(json_) : json_ + "\n");
  }

 private:
  reader::chunk_target& next_;
  bool pretty_;
  reader::json_addresses addresses_;
  std::string json_;
};

// --summary-only: every record is counted in the summary, none written.
class counted_only_sink final : public reader::record_sink {
 public:
  explicit counted_only_sink(reader::record_sink& next) : next_(next) {}
  void start(const reader::pass_info& info) override { next_.start(info); }
  void add(const tcpstats::connection_record& record) override { next_.add_tracked(record, {}, false); }
  void add_tracked(const tcpstats::connection_record& record, const reader::record_delta& delta, bool) override {
    next_.add_tracked(record, delta, false);
  }

 private:
  reader::record_sink& next_;
};

// What connection_tracker passes on, for an output that did not ask for
// it (--listen without --deltas): the live records as they are.
class untracked_sink final : public reader::record_sink {
 public:
  explicit untracked_sink(reader::record_sink& next) : next_(next) {}
  void start(const reader::pass_info& info) override { next_.start(info); }
  void add(const tcpstats::connection_record& record) override { next_.add(record); }
  void add_tracked(const tcpstats::connection_record& record, const reader::record_delta& delta, bool) override {
    if (!delta.closed) next_.add(record);
  }

 private:
  reader::record_sink& next_;
};

// --listen: the tracked records go to the metrics and, when batches are
// written too, to the output.
class metrics_tee final : public reader::record_sink {
 public:
  metrics_tee(reader::record_sink& metrics, reader::record_sink* output) : metrics_(metrics), output_(output) {}
  void start(const reader::pass_info& info) override {
    metrics_.start(info);
    if (output_) output_->start(info);
  }
  void add(const tcpstats::connection_record& record) override {
    metrics_.add(record);
    if (output_) output_->add(record);
  }
  void add_tracked(const tcpstats::connection_record& record, const reader::record_delta& delta, bool emit) override {
    metrics_.add_tracked(record, delta, emit);
    if (output_) output_->add_tracked(record, delta, emit);
  }

 private:
  reader::record_sink& metrics_;
  reader::record_sink* output_;
};

// Says what failed in a pass that --listen survives, at most once a minute.
class failure_report {
 public:
  void add(const std::string& message) {
    ++failures_;
    const std::uint64_t now = reader::monotonic_ns();
    if (reported_ && now - last_report_ < 60'000'000'000u) return;
    reported_ = true;
    last_report_ = now;
    std::cerr << "tcpstats-reader: pass failed (" << failures_ << " so far): " << reader::printable(message) << "\n";
  }

 private:
  std::uint64_t failures_ = 0, last_report_ = 0;
  bool reported_ = false;
};

// The table's width: the terminal's, else $COLUMNS, else unlimited (0).
std::size_t table_width(const reader::output_sink& sink) {
  if (const std::size_t columns = sink.terminal_columns(); columns != 0) return columns;
  const char* env = std::getenv("COLUMNS");
  if (env == nullptr) return 0;
  std::size_t columns = 0;
  const auto [end, ec] = std::from_chars(env, env + std::strlen(env), columns);
  return ec == std::errc{} && *end == '\0' ? columns : 0;
}

// Runs the records past the connection tracker (--deltas, --changes-only)
// on their way to the writer.
class tracking_sink final : public reader::record_sink {
 public:
  explicit tracking_sink(reader::connection_tracker& tracker) : tracker_(tracker) {}

  // The next pass: where its records go, and its clock when live (a replay's
  // comes from the pass's own timestamp).
  void prepare(reader::record_sink& next, std::uint64_t sequence, std::optional<std::uint64_t> live_clock_ns) {
    next_ = &next;
    sequence_ = sequence;
    live_clock_ns_ = live_clock_ns;
  }
  // The pass's socket destroy events (Linux): handed to the tracker before
  // the table's records; null when events are off for the pass.
  void set_destroyed(const std::vector<tcpstats::connection_record>* destroyed, bool complete) {
    destroyed_ = destroyed;
    complete_ = complete;
  }
  // Which untracked destroyed connections to keep (the filters).
  void set_untracked_filter(reader::connection_tracker::record_predicate keep) { keep_untracked_ = std::move(keep); }
  void start(const reader::pass_info& info) override {
    tracker_.start_pass(sequence_, live_clock_ns_ ? live_clock_ns_ : pass_clock(info));
    if (info.record_count) tracker_.reserve(*info.record_count);
    next_->start(info);
    if (!destroyed_) return;
    tracker_.expect_destroy_events(complete_);
    for (const auto& record : *destroyed_) tracker_.observe_destroyed(record, keep_untracked_, forward_);
  }
  void add(const tcpstats::connection_record& record) override { tracker_.observe(record, forward_); }
  void add_from(const tcpstats::connection_record& record, const reader::record_origin& origin) override {
    tracker_.observe(record, forward_, &origin);
  }
  // After the last record: the closed ones.
  void finish() { tracker_.finish_pass(forward_); }

  static std::optional<std::uint64_t> pass_clock(const reader::pass_info& info) {
    return info.timestamp_ns != 0 ? std::optional<std::uint64_t>(info.timestamp_ns) : std::nullopt;
  }

 private:
  reader::connection_tracker& tracker_;
  reader::record_sink* next_ = nullptr;
  std::uint64_t sequence_ = 0;
  std::optional<std::uint64_t> live_clock_ns_;
  const std::vector<tcpstats::connection_record>* destroyed_ = nullptr;
  bool complete_ = false;
  reader::connection_tracker::record_predicate keep_untracked_;
  const reader::connection_tracker::record_consumer forward_ =
      [this](const tcpstats::connection_record& record, const reader::record_delta& delta, bool emit) {
        next_->add_tracked(record, delta, emit);
      };
};

// Linux state-mask bits (1 << TCP_* number) for a --state set.
std::uint32_t linux_state_mask(std::uint32_t states) {
  std::uint32_t mask = 0;
  for (unsigned s = 0; s < tcpstats::tcp_state_count; ++s) {
    if ((states & (1u << s)) == 0) continue;
    const auto state = static_cast<tcpstats::tcp_state>(s);
    mask |= 1u << tcpstats::sock_diag::linux_state_of(state);
    if (state == tcpstats::tcp_state::syn_received) mask |= 1u << tcpstats::sock_diag::linux_state::new_syn_recv;
    if (state == tcpstats::tcp_state::closed) mask |= 1u << tcpstats::sock_diag::linux_state::bound_inactive;
  }
  return mask;
}

// What a run says on the side: on standard error, or in the live view's
// status line (and on standard error once the view closes).
using warn_function = std::function<void(const std::string&)>;

// Says once per run that macOS's net.inet.tcp.stats came back unreadable
// (FreeBSD's has no such reading: an empty one is malformed).
void note_unreadable_counters(const reader::raw_pass& raw, reader::platform source, const warn_function& warn) {
  static bool said = false;
  if (said || source != reader::platform::macos || !raw.tcp_stats || tcpstats::xnu::is_readable(*raw.tcp_stats)) {
    return;
  }
  said = true;
  warn("net.inet.tcp.stats reads as zeros (macOS hides it from non-root): system counters are left out");
}

// Reports passes that took more than 80 % of the interval, at most once a minute.
class slow_pass_report {
 public:
  void add(std::uint64_t took_ns, std::uint64_t interval_ns, const warn_function& warn) {
    ++passes_;
    if (took_ns * 5 <= interval_ns * 4) return;
    ++slow_;
    const std::uint64_t now = reader::monotonic_ns();
    if (reported_ && now - last_report_ < 60'000'000'000u) return;
    reported_ = true;
    last_report_ = now;
    warn(std::to_string(slow_) + " of " + std::to_string(passes_) + " passes took more than 80% of the " +
         std::to_string(interval_ns / 1'000'000) + " ms interval (last: " + std::to_string(took_ns / 1'000'000) +
         " ms)");
  }

 private:
  std::uint64_t passes_ = 0, slow_ = 0, last_report_ = 0;
  bool reported_ = false;
};

// The parts of a BatchMessage's wire bytes (already checked against the schema).
struct batch_parts {
  std::optional<std::string_view> metadata, summary;
  std::vector<std::string_view> records;
};

batch_parts split_batch(std::string_view wire) {
  batch_parts parts;
  std::size_t at = 0;
  while (at < wire.size()) {
    std::uint64_t tag = 0, size = 0;
    if (!reader::read_varint(wire, at, tag) || !reader::read_varint(wire, at, size)) break;
    const std::string_view body = wire.substr(at, static_cast<std::size_t>(size));
    at += static_cast<std::size_t>(size);
    if (tag >> 3 == 1) parts.metadata = body;
    if (tag >> 3 == 2) parts.records.push_back(body);
    if (tag >> 3 == 3) parts.summary = body;
  }
  return parts;
}

void append_field(std::string& out, int number, std::string_view body) {
  char buffer[10];
  out += static_cast<char>((number << 3) | 2);
  out.append(buffer, reader::write_varint(buffer, body.size()));
  out += body;
}

// --input: every batch of every archive again, through the filters, in the
// output format. Records the filters keep are passed on byte for byte, so
// binary -> JSON Lines -> binary gives the same bytes.
int run_archives(const reader::options& opts, reader::output_sink& sink) {
  sink_target target(sink);
  std::optional<reader::table_writer> table;
  if (opts.format == reader::output_format::table) {
    table.emplace(reader::table_options{opts.header, opts.summary_only, false, table_width(sink), false, opts.sort,
                                        opts.reverse, false});
  }
  const bool decode_records = table || !opts.filter.keeps_all();
  const reader::pass_info no_pass;  // what an archived batch's table summary is computed without
  reader::decoded_record decoded;
  std::string_view batch;
  std::string frame_storage, json, error;
  for (const std::string& path : opts.input_files) {
    reader::archive_limits limits;
    limits.max_batch_bytes = opts.max_batch_bytes;
    reader::archive_reader archive(limits);
    if (!archive.open(path, error)) return fail(exit_io, error);
    for (std::uint64_t number = 1;; ++number) {
      if (!archive.next(batch, error)) {
        if (error.empty()) break;
        return fail(exit_malformed, error);
      }
      // A batch that passes whole needs no rebuilding.
      const bool whole = !decode_records && !opts.summary_only;
      const batch_parts parts = whole ? batch_parts{} : split_batch(batch);
      frame_storage.clear();
      if (parts.metadata) append_field(frame_storage, 1, *parts.metadata);
      if (table) {
        table->prepare(reader::run_context{}, std::nullopt, target);
        table->start(no_pass);
      }
      for (std::size_t i = 0; i < parts.records.size(); ++i) {
        const std::string_view record = parts.records[i];
        if (decode_records && !reader::decode_record({record.data(), record.size()}, decoded, error)) {
          return fail(exit_malformed, path + ": batch " + std::to_string(number) + ", record " +
                                          std::to_string(i + 1) + ": " + error);
        }
        if (decode_records && !opts.filter.matches(decoded.record)) continue;
        if (table) {
          table->add_tracked(decoded.record, decoded.delta, true);
        } else if (!opts.summary_only) {
          append_field(frame_storage, 2, record);
        }
      }
      if (parts.summary) append_field(frame_storage, 3, *parts.summary);
      const std::string_view frame = whole ? batch : std::string_view(frame_storage);

      bool written = true;
      if (table) {
        written = table->finish();
      } else if (opts.format == reader::output_format::binary) {
        char prefix[10];
        written = target.write({prefix, static_cast<std::size_t>(reader::write_varint(prefix, frame.size()) - prefix)}) &&
                  target.write(frame);
      } else {
        json.clear();
        if (!reader::wire_to_json(frame, reader::schema::BatchMessage_type, opts.names, json, error, opts.addresses)) {
          return fail(exit_malformed, path + ": batch " + std::to_string(number) + ": " + error);
        }
        written = target.write(opts.pretty ? reader::indent_json(json) : json + "\n");
      }
      if (!written) {
        if (target.status() == reader::output_sink::status::closed) return exit_ok;
        return fail(exit_io, sink.error());
      }
      if (stop_requested) return exit_ok;
    }
  }
  return exit_ok;
}

// The input that -o names too, if any: it would be emptied before it is
// read (the same file by device and inode, under any name).
std::optional<std::string> output_is_input(const reader::options& opts) {
  if (opts.output.empty() || opts.output == "-") return std::nullopt;
  for (const std::string& input : opts.input_files) {
    if (reader::same_file(opts.output, input == "-" ? "/dev/stdin" : input)) return input;
  }
  for (const std::string& dump : opts.replay_files) {
    for (const auto& file : reader::pass_file_limits) {
      if (reader::same_file(opts.output, dump + file.suffix)) return dump + file.suffix;
    }
  }
  return std::nullopt;
}

int run(int argc, char** argv);

}  // namespace

// No allocation failure (a pass too large for the memory left, a limit
// raised too far) ends the tool with abort(): one line and exit 3.
int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::bad_alloc&) {
    return fail(exit_io, "out of memory");
  } catch (const std::exception& e) {
    return fail(exit_io, std::string("internal error: ") + e.what());
  }
}

namespace {

int run(int argc, char** argv) {
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

  if (const auto input = output_is_input(opts)) {
    return fail(exit_usage, "-o " + opts.output + ": is also an input (" + *input +
                                "): it would be emptied before it is read");
  }
  if (!opts.input_files.empty()) {
    reader::output_sink sink(opts.output);
    if (!sink.is_open()) return fail(exit_io, sink.error());
    install_signal_handlers();
    return run_archives(opts, sink);
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

  // --listen: the endpoint serves what the aggregator publishes after each
  // pass. Batches are written too only when -o names where. It listens
  // before --netns moves the tool: in the namespace it was started in.
  reader::metrics::snapshot_store published;
#if defined(__linux__)
  std::optional<reader::cgroup_paths> cgroups;  // --cgroups
#else
  if (opts.cgroups) return fail(exit_usage, "--cgroups is implemented for Linux only");
#endif
  std::optional<reader::metrics::aggregator> metrics;
  std::unique_ptr<reader::metrics::http_server> server;
  const bool write_batches = !opts.listen || !opts.output.empty();
  if (opts.listen) {
    server = reader::metrics::http_server::start(opts.listen->host, opts.listen->port, published, {}, error);
    if (!server) return fail(reader::metrics::http_server::available ? exit_io : exit_usage, error);
    const bool v6 = opts.listen->host.find(':') != std::string::npos;
    std::cerr << "tcpstats-reader: serving http://" << (v6 ? "[" : "") << opts.listen->host << (v6 ? "]" : "") << ":"
              << server->port() << "/metrics\n";
    reader::metrics::aggregator_options settings;
    settings.max_label_sets = opts.max_ports;
    settings.command_label = opts.processes;
#if defined(__linux__)
    if (opts.cgroups) {
      cgroups.emplace();
      if (!cgroups->available()) {
        std::cerr << "tcpstats-reader: --cgroups: no cgroup2 hierarchy is mounted here: the cgroup label stays empty\n";
      }
      settings.cgroup_path = [&cgroups](std::uint64_t id) { return cgroups->path_of(id); };
    }
#endif
    // An admitted port keeps its series for at least a minute.
    settings.min_residency_passes =
        std::max<std::uint64_t>(1, 60'000'000'000u / static_cast<std::uint64_t>(opts.interval.count()));
    metrics.emplace(settings);
  }

  if (!opts.netns.empty() && !reader::enter_network_namespace(opts.netns, error)) return fail(exit_live, error);
  install_signal_handlers();
  reader::output_sink sink(opts.output);
  if (!sink.is_open()) return fail(exit_io, sink.error());
  std::optional<reader::capture_writer> capture;
  if (!opts.capture_dir.empty() && !(capture = reader::capture_writer::open(opts.capture_dir, error))) {
    return fail(exit_io, error);
  }

  // --processes sits in front of the filter and the writer.
#if defined(__linux__)
  std::optional<reader::process_attribution> owners;
  bool said_unattributed = false;
  // --pid needs the owners that only /proc tells on Linux.
  const bool processes = opts.processes || (!replay && !opts.filter.pids.empty());
  const auto front_of = [&owners, processes](reader::record_sink& next) -> reader::record_sink& {
    if (!processes) return next;
    if (!owners) owners.emplace(next);
    owners->set_next(next);
    return *owners;
  };
#else
  if (opts.processes) return fail(exit_usage, "--processes is implemented for Linux only");
  const auto front_of = [](reader::record_sink& next) -> reader::record_sink& { return next; };
#endif
  reader::live_options live;
  if (opts.filter.states) live.linux_state_mask = linux_state_mask(*opts.filter.states);
  live.ipv4 = opts.filter.ipv4;
  live.ipv6 = opts.filter.ipv6;
  const bool table_output = opts.format == reader::output_format::table;
  // The live view: a live run without an end, both ends on the terminal
  // (keys in, frames out) and not written to a file; everything else keeps
  // the table that appends (or redraws in place) pass after pass.
  const bool to_standard_output = opts.output.empty() || opts.output == "-";
  const bool interactive = table_output && !opts.no_interactive && !opts.summary_only && !replay &&
                           opts.count == 0 && to_standard_output &&
                           reader::terminal_session::usable(STDIN_FILENO, STDOUT_FILENO);
  // --json-names proto: the writer makes a binary frame, converted as it leaves.
  const bool proto_names = opts.names == reader::json_names::proto;
  reader::batch_writer writer(table_output ? reader::output_format::jsonl
                              : proto_names ? reader::output_format::binary
                                            : opts.format,
                              opts.pretty && !proto_names, opts.addresses);
  std::optional<reader::table_writer> table;
  std::optional<reader::live_view> view;
  if (interactive) {
    view.emplace(reader::live_view::settings{opts.header, opts.sort.value_or(reader::sort_key::activity), opts.reverse});
    if (!view->open(STDIN_FILENO, STDOUT_FILENO, error)) return fail(exit_io, error);
  } else if (table_output) {
    // A live run on a terminal redraws in place; elsewhere passes append.
    const bool redraw = sink.is_terminal() && !replay && opts.count != 1;
    table.emplace(reader::table_options{opts.header, opts.summary_only, opts.deltas, table_width(sink), redraw,
                                        opts.sort, opts.reverse, false});
  }
  const warn_function warn = [&view](const std::string& said) {
    const std::string text = reader::printable(said);
    if (view) {
      view->notice(text);
    } else {
      std::cerr << "tcpstats-reader: " << text << "\n";
    }
  };
  reader::record_sink& output = view    ? static_cast<reader::record_sink&>(*view)
                                : table ? static_cast<reader::record_sink&>(*table)
                                        : writer;
  sink_target sink_writer(sink);
  proto_names_target converter(sink_writer, opts.pretty, opts.addresses);
  reader::chunk_target& target = proto_names ? static_cast<reader::chunk_target&>(converter) : sink_writer;
  reader::run_context run;
  run.interval_ms = static_cast<std::uint32_t>(opts.interval.count() / 1'000'000);
  const auto interval_ns = static_cast<std::uint64_t>(opts.interval.count());
  std::optional<reader::system_counters> previous_counters;
  std::optional<std::uint64_t> previous_clock;  // when the previous pass was read
  std::optional<reader::connection_tracker> tracker;
  // --listen follows connections too: closed ones keep their bytes in the
  // counters; the live view sorts by rates.
  if (opts.deltas || metrics || view) tracker.emplace(opts.changes_only);
  std::optional<tracking_sink> tracking;
  if (tracker) tracking.emplace(*tracker);
  // A destroyed connection no pass saw has no state to filter on (the
  // kernel reports CLOSE): every other filter applies.
  reader::record_filter untracked_filter = opts.filter;
  untracked_filter.states.reset();
  if (tracking) {
    tracking->set_untracked_filter(
        [&untracked_filter](const tcpstats::connection_record& r) { return untracked_filter.matches(r); });
  }
#if defined(__linux__)
  // Socket destroy events: joined before the first pass, in the namespace
  // collected, drained by a thread of their own.
  std::optional<reader::destroy_event_reader> events;
  if (tracker && opts.events && !replay && opts.count != 1) {
    reader::destroy_events_options event_options;
    event_options.ipv4 = opts.filter.ipv4;
    event_options.ipv6 = opts.filter.ipv6;
    event_options.receive_buffer = opts.events_buffer;
    events.emplace();
    if (!events->start(event_options, error)) {
      std::cerr << "tcpstats-reader: " << error << ": closed connections come from polling only\n";
      events.reset();
    }
  }
#endif
  std::vector<tcpstats::connection_record> destroyed;
  // The tracker, when on, sits between the filters and the output.
  const auto tracked = [&tracking](reader::record_sink& next, std::uint64_t sequence,
                                   std::optional<std::uint64_t> live_clock) -> reader::record_sink& {
    if (!tracking) return next;
    tracking->prepare(next, sequence, live_clock);
    return *tracking;
  };
  slow_pass_report slow;
  failure_report failures;
  reader::pass_info decoded;
  const std::uint64_t first_slot = reader::monotonic_ns();
  // The next slot on the fixed grid first_slot + k * interval: a slow pass
  // skips slots rather than shifting every later pass.
  const auto next_slot = [&] {
    const std::uint64_t now = reader::monotonic_ns();
    return first_slot + ((now - first_slot) / interval_ns + 1) * interval_ns;
  };
  const auto sleep_to_next_slot = [&] { return reader::sleep_until(next_slot(), stop_requested); };
  std::uint64_t index = 0;
  // --listen outlives a pass that fails: counted, said, and the endpoint
  // keeps the last completed pass. False when the run is over.
  const auto survive_failure = [&](const std::string& message) {
    failures.add(message);
    published.publish(metrics->fail_pass());
    return !stop_requested && (opts.count == 0 || index + 1 < opts.count) && sleep_to_next_slot();
  };

  for (; opts.count == 0 || index < opts.count; ++index) {
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
        return fail(exit_malformed, where + ": " +
                                        (raw->table.intact() ? "not a dump this tool knows (give --source)"
                                                             : reader::shrank_message));
      }
    } else {
      raw = reader::read_live_pass(live_source, live, error);
      if (!raw && !metrics) return fail(exit_live, error);
      if (!raw) {
        if (survive_failure(error)) continue;
        break;
      }
      where = reader::live_table_name(live_source);
#if defined(__linux__)
      // After the dump: what was freed while it ran is in this pass too.
      if (events) raw->meta.events_dropped = events->take(raw->destroy_events.emplace());
      if (events && metrics) metrics->add_destroy_events_dropped(raw->meta.events_dropped.value_or(0));
#endif
    }
    note_unreadable_counters(*raw, source, warn);

    // Capture first: a dump that fails to decode is worth keeping.
    if (capture && !capture->write(source, *raw, error)) {
      return fail(exit_io, error);
    }
    // The events of the pass, when tracking (live, or a capture that kept them).
    const bool with_events = tracking && raw->destroy_events;
    if (with_events && !reader::decode_destroy_events(*raw->destroy_events, destroyed, error)) {
      return fail(exit_malformed, (replay ? where + ".events" : std::string("destroy events")) + ": " + error);
    }
    if (tracking) tracking->set_destroyed(with_events ? &destroyed : nullptr, raw->meta.events_dropped.value_or(0) == 0);
    const auto event_counts = [&]() -> std::optional<reader::event_counts> {
      if (!with_events || !opts.deltas) return std::nullopt;  // (--listen alone writes no closed records)
      return reader::event_counts{tracker->closed_by_events(), tracker->closed_by_polling(),
                                  raw->meta.events_dropped.value_or(0)};
    };
    run.batch_sequence = index + 1;
    // Live passes are timed on the monotonic clock, replayed ones by their
    // meta files' timestamps (known once decoding starts).
    const std::optional<std::uint64_t> live_clock = replay ? std::nullopt : std::optional<std::uint64_t>(started);
    const auto note_clock = [&] {
      const auto clock = live_clock ? live_clock : tracking_sink::pass_clock(decoded);
      run.elapsed_ns.reset();
      if (clock && previous_clock && *clock > *previous_clock) run.elapsed_ns = *clock - *previous_clock;
      return clock;
    };
    // Deltas and closed records reach the output only when --deltas asked
    // for them (--listen follows connections for the metrics' sake).
    const bool output_tracked = opts.deltas || view.has_value();  // the view shows rates
    // A binary frame carries its length first: it is built whole, in the
    // writer's buffer (kept from pass to pass, on huge pages), so each dump
    // is decoded and tracked once. Measuring first and streaming was slower
    // even for one pass (bench/README.md).
    if (!write_batches) {
      // Nothing to prepare.
    } else if (view) {
      view->prepare(run, previous_counters);
    } else if (table) {
      table->prepare(run, previous_counters, target);
    } else {
      // Binary records take less than the kernel's bytes for the same sockets.
      if (opts.format == reader::output_format::binary) writer.expect_bytes(raw->table.size());
      writer.prepare(run, previous_counters, target);
    }
    // The decoder validates the whole dump before the writer sees any of it:
    // a malformed dump writes nothing.
    counted_only_sink counted_output(output);
    reader::record_sink& summarised = opts.summary_only && !table ? counted_output : output;
    untracked_sink untracked_output(summarised);
    reader::record_sink& batches = tracker && !output_tracked ? untracked_output : summarised;
    std::optional<metrics_tee> tee;
    if (metrics) tee.emplace(*metrics, write_batches ? &batches : nullptr);
    reader::record_sink& written =
        tracked(tee ? static_cast<reader::record_sink&>(*tee) : batches, index + 1, live_clock);
    filter_sink filtered_writer(written, opts.filter);
    if (!reader::decode_raw_pass(*raw, source, decoded, front_of(filtered_writer), error)) {
      if (metrics && survive_failure(where + ": " + error)) continue;
      if (metrics) break;
      return fail(exit_malformed, where + ": " + error);
    }
    if (tracking) tracking->finish();
    if (metrics) published.publish(metrics->finish_pass(reader::monotonic_ns() - started));
    previous_clock = note_clock();
    const auto counts = output_tracked ? tracker->counts() : std::nullopt;
    if (view) {
      view->set_pass_context(run.elapsed_ns, counts);
    } else if (table) {
      table->set_pass_context(run.elapsed_ns, counts);
    } else {
      writer.set_pass_context(run.elapsed_ns, counts);
      writer.set_event_counts(event_counts());
    }
#if defined(__linux__)
    if (owners && owners->unattributed() != 0 && !said_unattributed) {
      said_unattributed = true;
      warn(std::to_string(owners->unattributed()) +
           " sockets could not be attributed to a process (their owner's /proc/PID/fd is not readable here): "
           "pid, fd and command are left out");
    }
#endif
    if (!write_batches) {
      // The endpoint alone: nothing to write.
    } else if (view) {
      if (!view->show()) return fail(exit_io, "the terminal went away");
    } else if (!(table ? table->finish() : writer.finish())) {
      if (sink_writer.status() == reader::output_sink::status::closed) return exit_ok;  // e.g. `| head` is done
      return fail(exit_io, sink.error());
    }
    previous_counters = decoded.counters;

    if (stop_requested) break;
    if (replay) continue;
    slow.add(reader::monotonic_ns() - started, interval_ns, warn);
    if (opts.count != 0 && index + 1 >= opts.count) break;
    if (view ? !view->wait_until(next_slot(), stop_requested) : !sleep_to_next_slot()) break;
  }
  return exit_ok;
}

}  // namespace
