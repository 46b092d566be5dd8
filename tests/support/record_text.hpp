#pragma once
// One line of text per connection_record: the endpoints, then `name=value`
// for every field the source provided, in declaration order. Absent fields
// are left out, so the text shows exactly what was decoded. Used by the
// dump tool and the golden tests.

#include <optional>
#include <string>
#include <type_traits>

#include "tcpstats/connection_record.hpp"

namespace tcpstats::tools {

inline std::string endpoint_text(const std::optional<ip_address>& address, std::uint16_t port) {
  if (!address) return "?:" + std::to_string(port);
  const std::string host = to_string(*address);
  return address->family == ip_family::ipv6 ? "[" + host + "]:" + std::to_string(port)
                                            : host + ":" + std::to_string(port);
}

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

inline std::string record_text(const connection_record& r) {
  std::string out = endpoint_text(r.local_address, r.local_port) + " " +
                    endpoint_text(r.remote_address, r.remote_port) + " " +
                    (r.state ? std::string(to_string(*r.state)) : std::string("UNKNOWN"));
  // Every other field the source provided, from the record's field list.
  for_each_field(r, [&out](const auto& field, const auto& value) {
    using V = std::decay_t<decltype(value)>;
    if constexpr (is_optional<V>::value) {
      using T = typename V::value_type;
      if (!value || field.kind == field_kind::endpoint || field.name == "state") return;
      out += ' ';
      out += field.name;
      out += '=';
      if constexpr (std::is_same_v<T, bool>) {
        out += *value ? "true" : "false";
      } else if constexpr (std::is_same_v<T, short_name>) {
        out += value->view();
      } else if constexpr (std::is_same_v<T, tcp_state>) {
        out += to_string(*value);
      } else if constexpr (std::is_integral_v<T>) {
        out += std::to_string(+*value);
      }
    }
  });
  if (r.user_space_flow) out += " user_space_flow";
  return out;
}

}  // namespace tcpstats::tools
