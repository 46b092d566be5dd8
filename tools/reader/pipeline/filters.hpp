#pragma once
// Which connections a run keeps: --state, --listening, --established,
// --port, --sport, --dport, --src, --dst, --pid, --uid, -4, -6. Every given
// filter must match; within one list (a comma-separated option value, or
// the option given twice) any item may. Applied to every source after
// decoding; the Linux reader also asks the kernel for only the wanted
// states and address families.

#include <cstdint>
#include <optional>
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
  [[nodiscard]] bool matches(const connection_record& r) const;
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

}  // namespace tcpstats::reader
