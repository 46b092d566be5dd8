#include "pipeline/decode.hpp"

#include <charconv>
#include <cstring>
#include <unordered_map>

#include "pipeline/proc_net_snmp.hpp"
#include "tcpstats/bytes.hpp"
#include "tcpstats/freebsd/dev_tcpstats.hpp"
#include "tcpstats/freebsd/materialize.hpp"
#include "tcpstats/freebsd/pcblist.hpp"
#include "tcpstats/freebsd/socket_owners.hpp"
#include "tcpstats/freebsd/tcpstat.hpp"
#include "tcpstats/sock_diag/destroy.hpp"
#include "tcpstats/sock_diag/dump.hpp"
#include "tcpstats/sock_diag/materialize.hpp"
#include "tcpstats/xnu/materialize.hpp"
#include "tcpstats/xnu/tcpstat.hpp"

namespace tcpstats::reader {

std::optional<platform> sniff_platform(std::span<const std::byte> bytes) {
  if (load_le<std::uint32_t>(bytes, 0) == 24u) return platform::macos;
  if (freebsd::looks_like_dev_tcpstats(bytes)) return platform::freebsd;
  if (load_le<std::uint64_t>(bytes, 0) == 64u) return platform::freebsd;
  // struct nlmsghdr: u32 length, u16 type (20 = SOCK_DIAG_BY_FAMILY, 3 = DONE, 2 = ERROR).
  const auto length = load_le<std::uint32_t>(bytes, 0);
  const auto type = load_le<std::uint16_t>(bytes, 4);
  if (length && *length >= 16 && type && (*type == 20 || *type == 3 || *type == 2)) return platform::linux_;
  return std::nullopt;
}

namespace {

// The counters the summary reports, from a decoded struct tcpstat (macOS
// and FreeBSD name them alike); `width_bits` is the kernel's counter width.
template <class Tcpstat>
system_counters counters_of(const Tcpstat& stats, unsigned width_bits) {
  system_counters c;
  c.width_bits = width_bits;
  c.conn_attempts = stats.connattempt;
  c.accepts = stats.accepts;
  c.connects = stats.connects;
  c.drops = stats.drops;
  c.snd_total_packets = stats.sndtotal;
  c.snd_bytes = stats.sndbyte;
  c.snd_rexmit_packets = stats.sndrexmitpack;
  c.snd_rexmit_bytes = stats.sndrexmitbyte;
  c.rcv_total_packets = stats.rcvtotal;
  c.rcv_bytes = stats.rcvbyte;
  c.rcv_dup_packets = stats.rcvduppack;
  c.rcv_badsum = stats.rcvbadsum;
  return c;
}

std::string at_byte(const parse_error& e) {
  std::string text = "byte " + std::to_string(e.offset) + ": " + std::string(to_string(e.code));
  if (e.code == errc::kernel_error) text += std::string(" (") + std::strerror(e.detail) + ")";
  return text;
}

bool decode_macos(const raw_pass& raw, pass_info& out, record_sink& sink, std::string& error) {
  xnu::decode_options options;
  if (raw.meta.os_release) {
    const auto release = xnu::parse_darwin_release(*raw.meta.os_release);
    if (!release) {
      error = "os_release \"" + *raw.meta.os_release + "\" is not a Darwin release (e.g. 24.4.0)";
      return false;
    }
    options.release = *release;
  }
  options.tcp_now_ms = raw.meta.tcp_now_ms;

  const auto list = xnu::pcblist_n::parse(raw.table.bytes());
  if (!list) {
    error = at_byte(list.error());
    return false;
  }
  out.platform = platform::macos;
  // Validate everything first (a walk that reads only lengths and kinds),
  // so that nothing is emitted from a dump that turns out malformed.
  auto validation = list->groups();
  const auto trailer = validation.trailer();
  if (!trailer) {
    error = at_byte(trailer.error());
    return false;
  }
  out.pcblist_generation = trailer->xig_gen();
  out.pcblist_generation_changed = trailer->xig_gen() != list->header().xig_gen();
  out.counters.reset();
  if (raw.generation_changed) out.pcblist_generation_changed = *raw.generation_changed;
  out.data_sources = {data_source::macos_pcblist_n};
  out.record_sources = {data_source::macos_pcblist_n};

  if (raw.tcp_stats && xnu::is_readable(*raw.tcp_stats)) {
    const auto stats = xnu::decode_tcpstat(*raw.tcp_stats);
    if (!stats) {
      error = "net.inet.tcp.stats: " + std::to_string(raw.tcp_stats->size()) + " bytes, fewer than " +
              std::to_string(xnu::tcpstat_min_size);
      return false;
    }
    out.counters = counters_of(*stats, 32);
    out.data_sources.push_back(data_source::macos_tcp_stats);
  }

  sink.start(out);
  connection_record record;
  for (const auto& group : list->groups()) {
    xnu::materialize(*group, options, record);  // validated above: every group is a value
    sink.add(record);
  }
  return true;
}

// A Linux record is its message's and nothing else's: what the tracker
// keeps of it is a copy of the message (validated when it was dumped).
void rebuild_linux(std::span<const std::byte> payload, connection_record& out) {
  const auto msg = sock_diag::inet_diag_msg_view::parse(payload, 0);
  if (!msg || !sock_diag::materialize(*msg, out)) out = empty_record;
}

bool decode_linux(const raw_pass& raw, pass_info& out, record_sink& sink, std::string& error) {
  // Validate the framing and every attribute list before emitting anything.
  std::optional<parse_error> bad_attributes;
  const auto summary = sock_diag::walk_dump(raw.table.bytes(), [&](const sock_diag::inet_diag_msg_view& msg) {
    if (bad_attributes) return;
    const auto walked = sock_diag::for_each_attribute(
        msg.attribute_bytes(), msg.offset() + sock_diag::inet_diag_msg_size, [](const sock_diag::attribute&) {});
    if (!walked) bad_attributes = walked.error();
  });
  if (!summary) {
    error = at_byte(summary.error());
    return false;
  }
  if (bad_attributes) {
    error = at_byte(*bad_attributes);
    return false;
  }
  out.platform = platform::linux_;
  // NLM_F_DUMP_INTR: the socket table changed while it was dumped.
  out.pcblist_generation_changed = summary->interrupted;
  out.record_count = summary->sockets;
  out.data_sources = {data_source::linux_sock_diag};
  out.record_sources = {data_source::linux_sock_diag};
  out.counters.reset();
  if (raw.snmp) {
    out.counters = parse_proc_net_snmp(*raw.snmp);
    if (out.counters) out.data_sources.push_back(data_source::linux_proc_net_snmp);
  }

  sink.start(out);
  connection_record record;
  const auto walked = sock_diag::walk_dump(raw.table.bytes(), [&](const sock_diag::inet_diag_msg_view& msg) {
    (void)sock_diag::materialize(msg, record);  // validated above
    sink.add_from(record, {msg.payload(), &rebuild_linux});
  });
  return static_cast<bool>(walked);
}

// FILE.commands: one "PID COMMAND" line per process (leading blanks allowed,
// as `ps -axo pid=,comm=` writes them). False on a line that does not start
// with a pid and a space.
bool parse_commands(std::string_view text, std::unordered_map<std::int32_t, short_name>& out, std::string& error) {
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty()) continue;
    std::int32_t pid = 0;
    const auto [rest, ec] = std::from_chars(line.data(), line.data() + line.size(), pid);
    if (ec != std::errc{} || rest == line.data() + line.size() || *rest != ' ') {
      error = "commands line " + std::to_string(line_number) + ": not \"PID COMMAND\"";
      return false;
    }
    out.insert_or_assign(pid, short_name::from_untrusted(line.substr(static_cast<std::size_t>(rest - line.data()) + 1)));
  }
  return true;
}

// The FreeBSD side files, validated, and the kern.file join they allow.
struct freebsd_side {
  std::optional<freebsd::socket_owners> owners;
  std::unordered_map<std::int32_t, short_name> commands;

  void attribute(connection_record& record) const {
    if (!owners || !record.socket_id) return;
    const auto owner = owners->find(*record.socket_id);
    if (!owner) return;
    record.pid = owner->pid;
    record.fd = owner->fd;
    if (const auto it = commands.find(owner->pid); it != commands.end()) record.command = it->second;
  }
};

bool decode_freebsd(const raw_pass& raw, pass_info& out, record_sink& sink, std::string& error) {
  freebsd::freebsd_release release = freebsd::newest_known_release;
  if (raw.meta.os_release) {
    const auto parsed = freebsd::parse_freebsd_release(*raw.meta.os_release);
    if (!parsed) {
      error = "os_release \"" + *raw.meta.os_release + "\" is not a FreeBSD release 12 or newer (e.g. 14.1-RELEASE)";
      return false;
    }
    release = *parsed;
  }
  const auto bytes = raw.table.bytes();
  const bool kld = raw.meta.table ? *raw.meta.table == "dev_tcpstats" : freebsd::looks_like_dev_tcpstats(bytes);
  const data_source table_source = kld ? data_source::freebsd_kld : data_source::freebsd_pcblist;

  // Side files first: a malformed one fails the pass before any output.
  freebsd_side side;
  out.data_sources = {table_source};
  out.record_sources = {table_source};
  if (raw.kern_file) {
    const auto files = freebsd::xfile_list::parse(*raw.kern_file);
    if (!files) {
      error = "kern.file: " + at_byte(files.error());
      return false;
    }
    side.owners.emplace(*files);
    out.data_sources.push_back(data_source::kern_file);
    out.record_sources.push_back(data_source::kern_file);
  }
  if (raw.commands && !parse_commands(*raw.commands, side.commands, error)) return false;
  out.counters.reset();
  if (raw.tcp_stats) {
    const auto stats = freebsd::decode_tcpstat(*raw.tcp_stats, release);
    if (!stats) {
      error = "net.inet.tcp.stats: " + std::to_string(raw.tcp_stats->size()) + " bytes, too few for this release";
      return false;
    }
    out.counters = counters_of(*stats, 64);
    out.data_sources.push_back(data_source::freebsd_tcp_stats);
  }
  out.kernel_state_counts.reset();
  if (raw.tcp_states) {
    const auto states = freebsd::decode_tcp_states(*raw.tcp_states);
    if (!states) {
      error = "net.inet.tcp.states: " + std::to_string(raw.tcp_states->size()) + " bytes, not 11 u64 counts";
      return false;
    }
    out.kernel_state_counts = *states;
    out.data_sources.push_back(data_source::freebsd_tcp_states);
  }
  out.platform = platform::freebsd;
  connection_record record;

  if (kld) {
    const auto records = freebsd::tcpstats_records::parse(bytes);
    if (!records) {
      error = at_byte(records.error());
      return false;
    }
    sink.start(out);
    for (std::size_t i = 0; i < records->size(); ++i) {
      freebsd::materialize((*records)[i], record);
      side.attribute(record);
      sink.add(record);
    }
    return true;
  }

  const auto list = freebsd::pcblist::parse(bytes, release);
  if (!list) {
    error = at_byte(list.error());
    return false;
  }
  // Validate everything first, so nothing is emitted from a malformed dump.
  auto validation = list->records();
  const auto trailer = validation.trailer();
  if (!trailer) {
    error = at_byte(trailer.error());
    return false;
  }
  out.pcblist_generation = trailer->xig_gen();
  out.pcblist_generation_changed = trailer->xig_gen() != list->header().xig_gen();
  if (raw.generation_changed) out.pcblist_generation_changed = *raw.generation_changed;
  sink.start(out);
  for (const auto& entry : list->records()) {
    freebsd::materialize(*entry, record);  // validated above: every entry is a value
    side.attribute(record);
    sink.add(record);
  }
  return true;
}

class collecting_sink final : public record_sink {
 public:
  explicit collecting_sink(std::vector<connection_record>& records) : records_(records) {}
  void add(const connection_record& record) override {
    if (count_ == records_.size()) records_.emplace_back();
    records_[count_++] = record;  // reuse storage across passes
  }
  void finish() { records_.resize(count_); }

 private:
  std::vector<connection_record>& records_;
  std::size_t count_ = 0;
};

}  // namespace

bool decode_raw_pass(const raw_pass& raw, platform source, pass_info& out, record_sink& sink, std::string& error) {
  // Metadata a source does not set stays empty rather than the last pass's.
  out.timestamp_ns = raw.meta.timestamp_ns.value_or(0);
  out.hostname = raw.meta.hostname.value_or("");
  out.os_version = raw.meta.os_version.value_or("");
  out.os_release = raw.meta.os_release.value_or("");
  out.collection_duration_ns = raw.meta.collection_duration_ns.value_or(0);
  out.source_file = raw.source_file;
  out.pcblist_generation.reset();
  out.pcblist_generation_changed.reset();
  out.record_count.reset();
  out.kernel_state_counts.reset();
  bool ok = false;
  switch (source) {
    case platform::macos: ok = decode_macos(raw, out, sink, error); break;
    case platform::linux_: ok = decode_linux(raw, out, sink, error); break;
    case platform::freebsd: ok = decode_freebsd(raw, out, sink, error); break;
    case platform::unknown: error = "decoding dumps of an unknown platform is not supported"; break;
  }
  // A mapped dump that another process truncated read as zeros past its
  // new end: what was decoded is not the file.
  if (!raw.table.intact()) {
    error = shrank_message;
    return false;
  }
  return ok;
}

bool decode_destroy_events(std::span<const std::byte> bytes, std::vector<connection_record>& out,
                           std::string& error) {
  const auto checked = sock_diag::walk_destroy_events(bytes, [](const sock_diag::destroy_event_view&) {});
  if (!checked) {
    error = at_byte(checked.error());
    return false;
  }
  out.resize(checked->events);
  std::size_t next = 0;
  (void)sock_diag::walk_destroy_events(bytes, [&](const sock_diag::destroy_event_view& event) {
    sock_diag::materialize(event, out[next++]);
  });
  return true;
}

bool decode_raw_pass(const raw_pass& raw, platform source, pass& out, std::string& error) {
  collecting_sink sink(out.records);
  const bool ok = decode_raw_pass(raw, source, out, sink, error);
  sink.finish();
  return ok;
}

}  // namespace tcpstats::reader
