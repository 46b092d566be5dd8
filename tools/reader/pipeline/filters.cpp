#include "pipeline/filters.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <type_traits>
#include <utility>

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

std::optional<std::uint32_t> parse_states(std::string_view list, std::string& bad_word) {
  static constexpr std::pair<std::string_view, tcp_state> names[] = {
      {"established", tcp_state::established}, {"syn-sent", tcp_state::syn_sent},
      {"syn-recv", tcp_state::syn_received},   {"syn-received", tcp_state::syn_received},
      {"fin-wait-1", tcp_state::fin_wait_1},   {"fin-wait-2", tcp_state::fin_wait_2},
      {"time-wait", tcp_state::time_wait},     {"closed", tcp_state::closed},
      {"close-wait", tcp_state::close_wait},   {"last-ack", tcp_state::last_ack},
      {"listen", tcp_state::listen},           {"closing", tcp_state::closing}};
  std::uint32_t mask = 0;
  while (true) {
    const auto comma = list.find(',');
    std::string word(list.substr(0, comma));
    for (char& c : word) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool known = false;
    for (const auto& [name, state] : names) {
      if (word == name) {
        mask |= 1u << static_cast<unsigned>(state);
        known = true;
      }
    }
    if (!known) {
      bad_word = std::string(list.substr(0, comma));
      return std::nullopt;
    }
    if (comma == std::string_view::npos) return mask;
    list.remove_prefix(comma + 1);
  }
}

std::span<const filter_option> filter_options() {
  static constexpr filter_option table[] = {
      {"state", '\0', true}, {"listening", 'l', false}, {"established", '\0', false},
      {"port", '\0', true},  {"sport", '\0', true},    {"dport", '\0', true},
      {"src", '\0', true},   {"dst", '\0', true},      {"pid", '\0', true},
      {"uid", '\0', true},   {"ipv4", '4', false},      {"ipv6", '6', false}};
  return table;
}

bool filter_builder::add(std::string_view name, std::string_view value, std::string& error) {
  std::string bad;
  const std::string option = "--" + std::string(name);
  // Appends a parsed list to `to`, or sets `error` naming the bad item.
  const auto add_list = [&](auto& to, const auto& parsed, const char* expected) {
    if (!parsed) {
      error = option + ": '" + bad + "' is not " + expected;
      return false;
    }
    using item_type = typename std::decay_t<decltype(to)>::value_type;
    for (const auto& item : *parsed) to.push_back(static_cast<item_type>(item));
    return true;
  };
  if (name == "state") {
    const auto states = parse_states(value, bad);
    if (!states) {
      error = "--state: '" + bad +
              "' is not a TCP state (established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, "
              "closed, close-wait, last-ack, listen, closing)";
      return false;
    }
    filter_.states = filter_.states.value_or(0) | *states;
    return true;
  }
  if (name == "listening" || name == "established") {
    added_states_ |= 1u << static_cast<unsigned>(name == "listening" ? tcp_state::listen : tcp_state::established);
    return true;
  }
  if (name == "ipv4" || name == "ipv6") {
    (name == "ipv4" ? only_v4_ : only_v6_) = true;
    return true;
  }
  constexpr const char* port_words = "a port or port range (22, 8000-8080)";
  if (name == "port") return add_list(filter_.ports, parse_ports(value, bad), port_words);
  if (name == "sport") return add_list(filter_.local_ports, parse_ports(value, bad), port_words);
  if (name == "dport") return add_list(filter_.remote_ports, parse_ports(value, bad), port_words);
  constexpr const char* address_words = "an IPv4 or IPv6 address with an optional /prefix";
  if (name == "src") return add_list(filter_.local_addresses, parse_prefixes(value, bad), address_words);
  if (name == "dst") return add_list(filter_.remote_addresses, parse_prefixes(value, bad), address_words);
  if (name == "pid") return add_list(filter_.pids, parse_numbers(value, INT32_MAX, bad), "a process id");
  if (name == "uid") return add_list(filter_.uids, parse_numbers(value, UINT32_MAX, bad), "a user id");
  error = "'" + option + "' is not a filter option";
  return false;
}

record_filter filter_builder::build() const {
  record_filter out = filter_;
  if (added_states_ != 0) out.states = out.states.value_or(0) | added_states_;
  if (only_v4_ || only_v6_) {
    out.ipv4 = only_v4_;
    out.ipv6 = only_v6_;
  }
  return out;
}

std::optional<record_filter> parse_filter_words(std::string_view line, std::string& error) {
  std::vector<std::string_view> words;
  for (std::size_t at = 0; at < line.size();) {
    if (std::isspace(static_cast<unsigned char>(line[at])) != 0) {
      ++at;
      continue;
    }
    std::size_t end = at;
    while (end < line.size() && std::isspace(static_cast<unsigned char>(line[end])) == 0) ++end;
    words.push_back(line.substr(at, end - at));
    at = end;
  }
  filter_builder builder;
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string_view name = words[i];
    while (!name.empty() && name.front() == '-') name.remove_prefix(1);
    std::optional<std::string_view> value;
    if (const auto equals = name.find('='); equals != std::string_view::npos) {
      value = name.substr(equals + 1);
      name = name.substr(0, equals);
    }
    const filter_option* option = nullptr;
    for (const filter_option& o : filter_options()) {
      if (name == o.name || (name.size() == 1 && o.short_name != '\0' && name[0] == o.short_name)) option = &o;
    }
    if (option == nullptr) {
      // A bare state list: "established", "time-wait,close-wait".
      std::string bad;
      if (!value && parse_states(words[i], bad)) {
        if (!builder.add("state", words[i], error)) return std::nullopt;
        continue;
      }
      // (appended, not concatenated: GCC 12's -Wrestrict misfires on "'" + string)
      error.assign(1, '\'').append(words[i]);
      error += "' is neither a filter option (--port, --dport, --src, ...) nor a state";
      return std::nullopt;
    }
    if (option->takes_value && !value) {
      if (i + 1 == words.size()) {
        error = "'--" + std::string(option->name) + "' needs a value";
        return std::nullopt;
      }
      value = words[++i];
    } else if (!option->takes_value && value) {
      error = "'--" + std::string(option->name) + "' takes no value";
      return std::nullopt;
    }
    if (!builder.add(option->name, value.value_or(std::string_view{}), error)) return std::nullopt;
  }
  return builder.build();
}

bool record_filter::keeps_all() const {
  return !states && ports.empty() && local_ports.empty() && remote_ports.empty() && local_addresses.empty() &&
         remote_addresses.empty() && pids.empty() && uids.empty() && ipv4 && ipv6;
}

bool record_filter::matches(const filter_subject& r) const {
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
