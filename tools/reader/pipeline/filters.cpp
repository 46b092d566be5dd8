#include "pipeline/filters.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>

namespace tcpstats::reader {

namespace {

// Calls `item` for each comma-separated item; stops at the first it rejects.
template <class Item>
bool for_each_item(std::string_view list, std::string& bad_word, Item item) {
  while (true) {
    const auto comma = list.find(',');
    const std::string_view word = list.substr(0, comma);
    if (word.empty() || !item(word)) {
      bad_word = std::string(word);
      return false;
    }
    if (comma == std::string_view::npos) return true;
    list.remove_prefix(comma + 1);
  }
}

template <class T>
bool parse_decimal(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

bool in_ranges(const std::vector<port_range>& ranges, std::uint16_t port) {
  return std::any_of(ranges.begin(), ranges.end(),
                     [port](const port_range& r) { return port >= r.first && port <= r.last; });
}

bool in_prefix(const address_prefix& prefix, const ip_address& address) {
  std::span<const std::uint8_t> bytes = address.octets();
  if (prefix.address.family == ip_family::ipv4 && address.family == ip_family::ipv6) {
    static constexpr std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (!std::equal(mapped, mapped + 12, bytes.begin())) return false;
    bytes = bytes.subspan(12);
  } else if (prefix.address.family != address.family) {
    return false;
  }
  const auto want = prefix.address.octets();
  const unsigned whole = prefix.bits / 8, rest = prefix.bits % 8;
  if (!std::equal(want.begin(), want.begin() + whole, bytes.begin())) return false;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (want[whole] & mask) == (bytes[whole] & mask);
}

bool in_prefixes(const std::vector<address_prefix>& prefixes, const std::optional<ip_address>& address) {
  if (prefixes.empty()) return true;
  return address && std::any_of(prefixes.begin(), prefixes.end(),
                                [&](const address_prefix& p) { return in_prefix(p, *address); });
}

}  // namespace

std::optional<std::vector<port_range>> parse_ports(std::string_view list, std::string& bad_word) {
  std::vector<port_range> out;
  const bool ok = for_each_item(list, bad_word, [&out](std::string_view word) {
    const auto dash = word.find('-');
    port_range range;
    if (!parse_decimal(word.substr(0, dash), range.first)) return false;
    range.last = range.first;
    if (dash != std::string_view::npos && !parse_decimal(word.substr(dash + 1), range.last)) return false;
    if (range.last < range.first) return false;
    out.push_back(range);
    return true;
  });
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<address_prefix>> parse_prefixes(std::string_view list, std::string& bad_word) {
  std::vector<address_prefix> out;
  const bool ok = for_each_item(list, bad_word, [&out](std::string_view word) {
    const auto slash = word.find('/');
    const std::string text(word.substr(0, slash));
    address_prefix prefix;
    if (inet_pton(AF_INET, text.c_str(), prefix.address.bytes.data()) == 1) {
      prefix.address.family = ip_family::ipv4;
    } else if (inet_pton(AF_INET6, text.c_str(), prefix.address.bytes.data()) == 1) {
      prefix.address.family = ip_family::ipv6;
    } else {
      return false;
    }
    const unsigned max_bits = prefix.address.family == ip_family::ipv4 ? 32 : 128;
    prefix.bits = max_bits;
    if (slash != std::string_view::npos && (!parse_decimal(word.substr(slash + 1), prefix.bits) ||
                                           prefix.bits > max_bits)) {
      return false;
    }
    out.push_back(prefix);
    return true;
  });
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<std::uint64_t>> parse_numbers(std::string_view list, std::uint64_t max,
                                                        std::string& bad_word) {
  std::vector<std::uint64_t> out;
  const bool ok = for_each_item(list, bad_word, [&](std::string_view word) {
    std::uint64_t value = 0;
    if (!parse_decimal(word, value) || value > max) return false;
    out.push_back(value);
    return true;
  });
  if (!ok) return std::nullopt;
  return out;
}

bool record_filter::keeps_all() const {
  return !states && ports.empty() && local_ports.empty() && remote_ports.empty() && local_addresses.empty() &&
         remote_addresses.empty() && pids.empty() && uids.empty() && ipv4 && ipv6;
}

bool record_filter::matches(const connection_record& r) const {
  if (states && !(r.state && (*states & (1u << static_cast<unsigned>(*r.state))) != 0)) return false;
  if (!ipv4 || !ipv6) {
    if (!r.local_address) return false;
    if (r.local_address->family == ip_family::ipv4 ? !ipv4 : !ipv6) return false;
  }
  if (!ports.empty() && !in_ranges(ports, r.local_port) && !in_ranges(ports, r.remote_port)) return false;
  if (!local_ports.empty() && !in_ranges(local_ports, r.local_port)) return false;
  if (!remote_ports.empty() && !in_ranges(remote_ports, r.remote_port)) return false;
  if (!in_prefixes(local_addresses, r.local_address)) return false;
  if (!in_prefixes(remote_addresses, r.remote_address)) return false;
  if (!pids.empty() && !(r.pid && std::find(pids.begin(), pids.end(), *r.pid) != pids.end())) return false;
  if (!uids.empty() && !(r.uid && std::find(uids.begin(), uids.end(), *r.uid) != uids.end())) return false;
  return true;
}

}  // namespace tcpstats::reader
