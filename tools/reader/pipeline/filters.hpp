#pragma once
// Which connections a run keeps: --state, --listening, --established,
// --port, --sport, --dport, --src, --dst, --pid, --uid, -4, -6. Every given
// filter must match; within one list (a comma-separated option value, or
// the option given twice) any item may. Applied to every source after
// decoding; the Linux reader also asks the kernel for only the wanted
// states and address families.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tcpstats/connection_record.hpp"

namespace tcpstats::reader {

struct port_range {
  std::uint16_t first = 0, last = 0;
};

// An address with a prefix length: 10.0.0.0/8, 2001:db8::/32, ::1 (= /128).
struct address_prefix {
  ip_address address;
  unsigned bits = 0;
};

// What the filters look at: a record's identity and owner, small enough to
// keep one per row (the live view filters its rows again when its filter
// prompt changes, without keeping whole records).
struct filter_subject {
  std::optional<tcp_state> state;
  std::optional<ip_address> local_address, remote_address;
  std::uint16_t local_port = 0, remote_port = 0;
  std::optional<std::int32_t> pid;
  std::optional<std::uint32_t> uid;

  [[nodiscard]] static filter_subject of(const connection_record& r) {
    return {r.state, r.local_address, r.remote_address, r.local_port, r.remote_port, r.pid, r.uid};
  }
};

struct record_filter {
  std::optional<std::uint32_t> states;  // bit (1 << tcp_state) per state kept
  std::vector<port_range> ports;        // local or remote
  std::vector<port_range> local_ports, remote_ports;
  std::vector<address_prefix> local_addresses, remote_addresses;
  std::vector<std::int32_t> pids;
  std::vector<std::uint32_t> uids;
  bool ipv4 = true, ipv6 = true;

  // True when the filter keeps every record.
  [[nodiscard]] bool keeps_all() const;
  [[nodiscard]] bool matches(const filter_subject& s) const;
  [[nodiscard]] bool matches(const connection_record& r) const { return matches(filter_subject::of(r)); }
};

// "22,80,8000-8080". On error, empty with `bad_word` set to the bad item.
[[nodiscard]] std::optional<std::vector<port_range>> parse_ports(std::string_view list, std::string& bad_word);

// "10.0.0.0/8,::1". IPv4 prefixes also match IPv4-mapped IPv6 addresses
// (::ffff:a.b.c.d, how dual-stack sockets show IPv4 peers).
[[nodiscard]] std::optional<std::vector<address_prefix>> parse_prefixes(std::string_view list,
                                                                       std::string& bad_word);

// "0,501": non-negative decimal numbers up to `max`.
[[nodiscard]] std::optional<std::vector<std::uint64_t>> parse_numbers(std::string_view list, std::uint64_t max,
                                                                      std::string& bad_word);

// "established,time-wait": bit (1 << tcp_state) per named state; '-' and
// '_' are interchangeable. On error, empty with `bad_word` set.
[[nodiscard]] std::optional<std::uint32_t> parse_states(std::string_view list, std::string& bad_word);

// The filter options, in the one table that the command line (getopt) and
// the live view's filter prompt both read.
struct filter_option {
  std::string_view name;  // the long name without dashes: "dport"
  char short_name;        // '\0' when there is none
  bool takes_value;
};
[[nodiscard]] std::span<const filter_option> filter_options();

// Builds a record_filter from filter options in any order: --listening and
// --established add to the states, -4 and -6 narrow the families, a list
// option given twice adds to its list.
class filter_builder {
 public:
  // Applies the option named `name` (a long name from filter_options())
  // with `value` (ignored when it takes none). False with `error` set to
  // one line naming the option and the bad item ("--dport: 'x' is not ...").
  bool add(std::string_view name, std::string_view value, std::string& error);
  [[nodiscard]] record_filter build() const;

 private:
  record_filter filter_;
  std::uint32_t added_states_ = 0;
  bool only_v4_ = false, only_v6_ = false;
};

// The filter prompt's words, the command line's filter options: "--dport
// 443 --src 10.0.0.0/8 established". Leading dashes are optional, "--x=v"
// works, and a word that is no option but a state list filters states. An
// empty line is the filter that keeps all. On error, empty with `error` set.
[[nodiscard]] std::optional<record_filter> parse_filter_words(std::string_view line, std::string& error);

}  // namespace tcpstats::reader
