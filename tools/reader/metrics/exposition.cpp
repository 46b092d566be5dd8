#include "metrics/exposition.hpp"

#include <cctype>

namespace tcpstats::reader::metrics {

std::string_view state_label(std::size_t index) {
  static const auto labels = [] {
    std::array<std::string, state_label_count> out;
    for (std::size_t s = 0; s < tcp_state_count; ++s) {
      std::string name(to_string(static_cast<tcp_state>(s)));
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out[s] = std::move(name);
    }
    out[tcp_state_count] = "unknown";
    return out;
  }();
  return index < labels.size() ? labels[index] : labels.back();
}

namespace {

// A qvalue (RFC 9110: "0", "0.5", "1.000") in thousandths; -1 when malformed.
int qvalue(std::string_view text) {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return -1;
  int value = (text[0] - '0') * 1000;
  if (text.size() == 1) return value;
  if (text[1] != '.' || text.size() > 5) return -1;
  int scale = 100;
  for (const char c : text.substr(2)) {
    if (c < '0' || c > '9') return -1;
    value += (c - '0') * scale;
    scale /= 10;
  }
  return value <= 1000 ? value : -1;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// `value` × 10^-scale as an exact decimal ("0.000734", "12", "1.5").
void append_decimal(std::string& out, std::uint64_t value, unsigned scale) {
  std::uint64_t unit = 1;
  for (unsigned i = 0; i < scale; ++i) unit *= 10;
  out += std::to_string(value / unit);
  std::uint64_t fraction = value % unit;
  if (fraction == 0) return;
  std::string digits = std::to_string(fraction);
  digits.insert(0, scale - digits.size(), '0');
  while (digits.back() == '0') digits.pop_back();
  out += '.';
  out += digits;
}

// Label values escape backslash, double quote and newline in both formats.
void append_escaped(std::string& out, std::string_view value) {
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

enum class family_type { gauge, counter, histogram };

class writer {
 public:
  writer(std::string& out, exposition_format format) : out_(out), format_(format) {}

  // HELP and TYPE of a family (help text without backslashes, quotes or
  // newlines, which the two formats escape differently); `name` without _total (OpenMetrics's name for
  // a counter family; text 0.0.4 names it with the suffix).
  void family(std::string_view name, family_type type, std::string_view help) {
    const bool om = format_ == exposition_format::openmetrics;
    std::string full(name);
    if (type == family_type::counter && !om) full += "_total";
    out_ += "# HELP ";
    out_ += full;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += full;
    out_ += type == family_type::gauge ? " gauge\n" : type == family_type::counter ? " counter\n" : " histogram\n";
    if (om && name.size() > 8 && name.substr(name.size() - 8) == "_seconds") {
      out_ += "# UNIT ";
      out_ += name;
      out_ += " seconds\n";
    }
  }
  // One sample: `labels` already rendered (without braces), the value as text.
  void sample(std::string_view name, std::string_view labels, std::string_view value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }
  void sample(std::string_view name, std::string_view labels, std::uint64_t value) {
    sample(name, labels, std::string_view(std::to_string(value)));
  }

 private:
  std::string& out_;
  exposition_format format_;
};

// A label set's labels: port, then command with --processes, cgroup with
// --cgroups.
std::string set_labels(const snapshot& metrics, const label_set& set) {
  std::string labels = "port=\"";
  append_escaped(labels, set.port);
  labels += '"';
  if (metrics.command_label) {
    labels += ",command=\"";
    append_escaped(labels, set.command);
    labels += '"';
  }
  if (metrics.cgroup_label) {
    labels += ",cgroup=\"";
    append_escaped(labels, set.cgroup);
    labels += '"';
  }
  return labels;
}

// The host's counters: one fact per row.
struct host_counter {
  std::optional<std::uint64_t> system_counters::*member;
  std::string_view name;
  std::string_view help;
};
constexpr host_counter host_counters[] = {
    {&system_counters::conn_attempts, "tcpstats_host_connection_attempts",
     "Connections this host opened (Linux ActiveOpens, BSD tcps_connattempt)."},
    {&system_counters::accepts, "tcpstats_host_accepted_connections",
     "Connections this host accepted (Linux PassiveOpens, BSD tcps_accepts)."},
    {&system_counters::connects, "tcpstats_host_established_connections",
     "Connections established (BSD tcps_connects)."},
    {&system_counters::drops, "tcpstats_host_dropped_connections",
     "Established connections reset or dropped (Linux EstabResets, BSD tcps_drops)."},
    {&system_counters::snd_total_packets, "tcpstats_host_sent_segments",
     "Segments sent (Linux OutSegs, BSD tcps_sndtotal)."},
    {&system_counters::snd_bytes, "tcpstats_host_sent_bytes", "Data bytes sent (BSD tcps_sndbyte)."},
    {&system_counters::snd_rexmit_packets, "tcpstats_host_retransmitted_segments",
     "Segments retransmitted (Linux RetransSegs, BSD tcps_sndrexmitpack)."},
    {&system_counters::snd_rexmit_bytes, "tcpstats_host_retransmitted_bytes",
     "Data bytes retransmitted (BSD tcps_sndrexmitbyte)."},
    {&system_counters::rcv_total_packets, "tcpstats_host_received_segments",
     "Segments received (Linux InSegs, BSD tcps_rcvtotal)."},
    {&system_counters::rcv_bytes, "tcpstats_host_received_bytes", "Data bytes received in sequence (BSD tcps_rcvbyte)."},
    {&system_counters::rcv_dup_packets, "tcpstats_host_duplicate_received_segments",
     "Duplicate segments received (BSD tcps_rcvduppack)."},
    {&system_counters::rcv_badsum, "tcpstats_host_bad_checksum_segments",
     "Segments received with a bad checksum (Linux InCsumErrors, BSD tcps_rcvbadsum)."},
};

}  // namespace

exposition_format negotiate(std::string_view accept) {
  int openmetrics = 0, text = 0;  // the best qvalue of each, thousandths
  while (!accept.empty()) {
    const auto comma = accept.find(',');
    std::string_view range = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
    const auto semicolon = range.find(';');
    const std::string_view type = trim(range.substr(0, semicolon));
    int q = 1000;
    std::string_view params = semicolon == std::string_view::npos ? std::string_view{} : range.substr(semicolon + 1);
    while (!params.empty()) {
      const auto next = params.find(';');
      const std::string_view param = trim(params.substr(0, next));
      params = next == std::string_view::npos ? std::string_view{} : params.substr(next + 1);
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') q = qvalue(param.substr(2));
    }
    if (q < 0) continue;
    if (iequals(type, "application/openmetrics-text")) openmetrics = std::max(openmetrics, q);
    if (iequals(type, "text/plain") || iequals(type, "text/*")) text = std::max(text, q);
  }
  return openmetrics > 0 && openmetrics >= text ? exposition_format::openmetrics : exposition_format::prometheus_text;
}

std::string_view content_type(exposition_format format) {
  return format == exposition_format::openmetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                                                  : "text/plain; version=0.0.4; charset=utf-8";
}

std::string render(const snapshot& metrics, exposition_format format) {
  const bool om = format == exposition_format::openmetrics;
  std::string out;
  out.reserve(4096 + metrics.sets.size() * 2048);
  writer w(out, format);
  std::vector<std::string> labels;
  labels.reserve(metrics.sets.size());
  for (const label_set& set : metrics.sets) labels.push_back(set_labels(metrics, set));
  w.family("tcpstats_connections", family_type::gauge,
           "TCP connections at the last pass, by state and service port (the local port when a socket listens on "
           "it here, else the remote port; other beyond --max-ports).");
  for (std::size_t i = 0; i < metrics.sets.size(); ++i) {
    for (std::size_t s = 0; s < state_label_count; ++s) {
      const auto& count = metrics.sets[i].connections[s];
      if (!count) continue;
      w.sample("tcpstats_connections", "state=\"" + std::string(state_label(s)) + "\"," + labels[i], *count);
    }
  }

  struct counter_family {
    std::optional<std::uint64_t> label_set::*member;
    std::string_view name;
    std::string_view help;
  };
  static constexpr counter_family counters[] = {
      {&label_set::bytes_sent, "tcpstats_bytes_sent",
       "Bytes sent by the service port's connections, including those that closed (Linux tcpi_bytes_acked, "
       "macOS tx_bytes)."},
      {&label_set::bytes_received, "tcpstats_bytes_received",
       "Bytes received by the service port's connections, including those that closed (Linux "
       "tcpi_bytes_received, macOS rx_bytes)."},
      {&label_set::sent_segments, "tcpstats_sent_segments",
       "Data segments sent by the service port's connections, including those that closed (Linux "
       "tcpi_data_segs_out, macOS tx_packets)."},
      {&label_set::retransmitted_segments, "tcpstats_retransmitted_segments",
       "Segments retransmitted by the service port's connections, including those that closed (Linux "
       "tcpi_total_retrans, macOS rexmit_packets)."},
  };
  for (const counter_family& family : counters) {
    w.family(family.name, family_type::counter, family.help);
    const std::string sample = std::string(family.name) + "_total";
    for (std::size_t i = 0; i < metrics.sets.size(); ++i) {
      if (const auto& value = metrics.sets[i].*family.member) w.sample(sample, labels[i], *value);
    }
  }

  w.family("tcpstats_rtt_seconds", family_type::histogram,
           "Smoothed RTT of the service port's live connections at the last pass (a snapshot: it can go down).");
  std::string value;
  for (std::size_t i = 0; i < metrics.sets.size(); ++i) {
    const auto& rtt = metrics.sets[i].rtt;
    if (!rtt) continue;
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b <= rtt_bucket_count; ++b) {
      cumulative += rtt->buckets[b];
      value = std::to_string(cumulative);
      if (om && rtt->exemplars[b]) {
        value += " # {";
        value += rtt->exemplars[b]->labels;
        value += "} ";
        append_decimal(value, rtt->exemplars[b]->rtt_us, 6);
      }
      const std::string_view le = b < rtt_bucket_count ? rtt_bucket_le[b] : std::string_view("+Inf");
      w.sample("tcpstats_rtt_seconds_bucket", labels[i] + ",le=\"" + std::string(le) + "\"", value);
    }
    w.sample("tcpstats_rtt_seconds_count", labels[i], rtt->count);
    value.clear();
    append_decimal(value, rtt->sum_us, 6);
    w.sample("tcpstats_rtt_seconds_sum", labels[i], value);
  }

  if (metrics.host) {
    for (const host_counter& counter : host_counters) {
      const auto& read = (*metrics.host).*counter.member;
      if (!read) continue;
      w.family(counter.name, family_type::counter, counter.help);
      w.sample(std::string(counter.name) + "_total", "", *read);
    }
  }

  w.family("tcpstats_passes", family_type::counter, "Passes over the kernel's TCP table completed.");
  w.sample("tcpstats_passes_total", "", metrics.passes);
  w.family("tcpstats_failed_passes", family_type::counter,
           "Passes whose kernel read or decoding failed (the endpoint keeps the last completed pass).");
  w.sample("tcpstats_failed_passes_total", "", metrics.failed_passes);
  if (metrics.passes > 0) {
    w.family("tcpstats_pass_duration_seconds", family_type::gauge,
             "How long the last completed pass took: read, decode, aggregate.");
    value.clear();
    append_decimal(value, metrics.last_pass_ns, 9);
    w.sample("tcpstats_pass_duration_seconds", "", value);
  }
  if (metrics.last_pass_timestamp_ns != 0) {
    w.family("tcpstats_last_pass_timestamp_seconds", family_type::gauge,
             "When the last completed pass read the kernel, Unix time.");
    value.clear();
    append_decimal(value, metrics.last_pass_timestamp_ns, 9);
    w.sample("tcpstats_last_pass_timestamp_seconds", "", value);
  }
  w.family("tcpstats_label_sets_dropped", family_type::gauge,
           "Label sets (service ports; with --processes and --cgroups, also command and cgroup) of the last pass "
           "counted under port other because of --max-ports.");
  w.sample("tcpstats_label_sets_dropped", "", metrics.label_sets_dropped);
  if (metrics.destroy_events_dropped) {
    w.family("tcpstats_destroy_events_dropped", family_type::counter,
             "Linux socket destroy events lost (the receive buffer was full): those connections' last bytes "
             "come from the pass before they closed.");
    w.sample("tcpstats_destroy_events_dropped_total", "", *metrics.destroy_events_dropped);
  }
  if (om) out += "# EOF\n";
  return out;
}

}  // namespace tcpstats::reader::metrics
