#pragma once
// TcpSocketRecord's fields as the tool writes and reads them, derived from
// one list: the library's record_fields (tcpstats/connection_record.hpp),
// joined by name at compile time with the schema generated from the .proto
// (codec/proto_schema.hpp), plus what the tool adds to a record: the
// tracker's deltas and rates (record_delta) and four fields derived from
// the record (ip_version, the two scope ids, sources). A name the schema
// lacks, or a member type that cannot hold the field's values, does not
// compile.
//
// visit_record_fields() hands a visitor every field a record sets, in
// field-number order (the order protobuf writes), as
//   bytes(number, json_name, span<const uint8_t>)         non-empty addresses
//   enumeration(number, json_name, value, enum_name)      never 0
//   optional(number, json_name, const optional<T>&)       T: integral, bool,
//                                                         double, short_name
//   repeated_enum(number, json_name, span<const data_source>)
// with proto3's presence rules applied: a field without explicit presence
// is left out when 0. decode_entries() gives the wire decoder a reader per
// field number from the same list.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "codec/proto_schema.hpp"
#include "core/pass.hpp"
#include "core/record_delta.hpp"
#include "core/summary.hpp"
#include "tcpstats/connection_record.hpp"

namespace tcpstats::reader {

// DataSource names by number.
[[nodiscard]] constexpr std::string_view data_source_enum_name(data_source s) {
  for (const auto& value : schema::DataSource_values) {
    if (value.number == static_cast<int>(s)) return value.name;
  }
  return "DATA_SOURCE_UNKNOWN";
}

// TcpState names by number (BSD state + 1, 0 unknown).
inline constexpr auto tcp_state_enum_names = [] {
  std::array<std::string_view, std::size(schema::TcpState_values)> names{};
  for (const auto& value : schema::TcpState_values) names[static_cast<std::size_t>(value.number)] = value.name;
  return names;
}();

// What one record's encoding reads.
struct record_input {
  const connection_record& record;
  std::span<const data_source> sources;
  const record_delta& delta;
};

// What decoding one record's bytes fills.
struct decoded_record {
  connection_record record;
  record_delta delta;
  std::vector<data_source> sources;
};

// A field of record_delta, with the record counter it is the change of
// (nullptr for rates and `closed`).
template <auto Member, auto Counter = nullptr>
struct delta_field {
  std::string_view name;
  static constexpr auto member = Member;
  static constexpr auto counter = Counter;
};

// record_delta's fields. The tracker takes a delta of each record counter
// named here (see connection_tracker.cpp); the rest it computes.
inline constexpr std::tuple delta_fields{
    delta_field<&record_delta::rexmit_packets, &connection_record::rexmit_packets>{"delta_rexmit_packets"},
    delta_field<&record_delta::ooo_packets, &connection_record::ooo_packets>{"delta_ooo_packets"},
    delta_field<&record_delta::zerowin_probes, &connection_record::zerowin_probes>{"delta_zerowin"},
    delta_field<&record_delta::tx_bytes, &connection_record::tx_bytes>{"delta_tx_bytes"},
    delta_field<&record_delta::rx_bytes, &connection_record::rx_bytes>{"delta_rx_bytes"},
    delta_field<&record_delta::bytes_acked, &connection_record::bytes_acked>{"delta_bytes_acked"},
    delta_field<&record_delta::bytes_received, &connection_record::bytes_received>{"delta_bytes_received"},
    delta_field<&record_delta::bytes_retrans, &connection_record::bytes_retrans>{"delta_bytes_retrans"},
    delta_field<&record_delta::total_retrans, &connection_record::total_retrans>{"delta_total_retrans"},
    delta_field<&record_delta::segs_out, &connection_record::segs_out>{"delta_segs_out"},
    delta_field<&record_delta::segs_in, &connection_record::segs_in>{"delta_segs_in"},
    delta_field<&record_delta::lost, &connection_record::lost>{"delta_lost"},
    delta_field<&record_delta::tx_bytes_per_sec>{"tx_bytes_per_sec"},
    delta_field<&record_delta::rx_bytes_per_sec>{"rx_bytes_per_sec"},
    delta_field<&record_delta::retransmits_per_sec>{"retransmits_per_sec"},
    delta_field<&record_delta::retransmitted_bytes_per_sec>{"retransmitted_bytes_per_sec"},
    delta_field<&record_delta::closed>{"closed"},
};

namespace fields {

// An enum field's number (0: absent, as proto3 leaves it).
struct enum_number {
  int value = 0;
};

// The fields derived from the record rather than held by a member.
struct ip_version {
  static constexpr std::string_view name = "ip_version";
  static enum_number get(const record_input& in) {
    if (!in.record.local_address) return {};
    return {in.record.local_address->family == ip_family::ipv4 ? 1 : 2};
  }
  // Implied by the address's length: only checked.
  static bool set(decoded_record&, enum_number value) { return value.value == 1 || value.value == 2; }
};
template <auto Address>
struct scope_id {
  static std::optional<std::uint32_t> get(const record_input& in) {
    const auto& a = in.record.*Address;
    return a && a->scope_id != 0 ? std::optional<std::uint32_t>(a->scope_id) : std::nullopt;
  }
  static bool set(decoded_record& out, std::uint32_t scope) {
    auto& a = out.record.*Address;
    if (!a) a = ip_address{ip_family::ipv6, {}, 0};  // the address may follow
    a->scope_id = scope;
    return true;
  }
};
struct local_scope_id : scope_id<&connection_record::local_address> {
  static constexpr std::string_view name = "local_scope_id";
};
struct remote_scope_id : scope_id<&connection_record::remote_address> {
  static constexpr std::string_view name = "remote_scope_id";
};
struct sources {
  static constexpr std::string_view name = "sources";
  static std::span<const data_source> get(const record_input& in) { return in.sources; }
};
// The kernel's start time when it gives one, else since the tracker first
// saw the connection (decoded back into the record's own member).
struct connection_age {
  static constexpr std::string_view name = "connection_age_ms";
  static std::optional<std::uint64_t> get(const record_input& in) {
    return in.record.connection_age_ms ? in.record.connection_age_ms : in.delta.first_seen_age_ms;
  }
  static std::optional<std::uint64_t>& ref(decoded_record& out) { return out.record.connection_age_ms; }
};

inline constexpr std::tuple derived_fields{ip_version{}, local_scope_id{}, remote_scope_id{}, sources{},
                                           connection_age{}};

// Every entry: the library's fields, record_delta's, the derived ones.
inline constexpr auto all = std::tuple_cat(record_fields, delta_fields, derived_fields);
inline constexpr std::size_t entry_count = std::tuple_size_v<std::remove_const_t<decltype(all)>>;

template <std::size_t E>
using entry_type = std::remove_cvref_t<decltype(std::get<E>(all))>;

template <class T>
constexpr std::string_view name_of(const T& entry) {
  if constexpr (std::is_same_v<decltype(&T::name), const std::string_view*>) {  // a static name
    return T::name;
  } else {
    return entry.name;
  }
}

// The schema's field of that name; a name the schema lacks stops the
// compilation here ("not a constant expression").
constexpr const schema::field& schema_field(std::string_view name) {
  for (const auto& f : schema::TcpSocketRecord_fields) {
    if (f.proto_name == name) return f;
  }
  throw "a field list name that is not in TcpSocketRecord";
}

inline constexpr std::array<std::string_view, entry_count> names = [] {
  std::array<std::string_view, entry_count> out{};
  std::apply([&](const auto&... entry) {
    std::size_t i = 0;
    ((out[i++] = name_of(entry)), ...);
  }, all);
  return out;
}();

// Each entry's field number, looked up once (compilers bound the steps of
// a constant evaluation).
inline constexpr std::array<int, entry_count> numbers = [] {
  std::array<int, entry_count> out{};
  for (std::size_t e = 0; e < entry_count; ++e) out[e] = schema_field(names[e]).number;
  return out;
}();

// A library field the tool computes itself (connection_age_ms) is written
// once, by the derived entry.
constexpr bool is_shadowed(std::size_t e) {
  for (std::size_t other = e + 1; other < entry_count; ++other) {
    if (numbers[other] == numbers[e]) return true;
  }
  return false;
}

inline constexpr std::size_t field_count = [] {
  std::size_t n = 0;
  for (std::size_t e = 0; e < entry_count; ++e) n += is_shadowed(e) ? 0 : 1;
  return n;
}();

// Entries in field-number order, shadowed ones left out.
inline constexpr std::array<std::size_t, field_count> order = [] {
  std::array<std::size_t, field_count> out{};
  std::size_t n = 0;
  for (std::size_t e = 0; e < entry_count; ++e) {
    if (!is_shadowed(e)) out[n++] = e;
  }
  std::sort(out.begin(), out.end(), [](std::size_t a, std::size_t b) { return numbers[a] < numbers[b]; });
  return out;
}();

// Two entries for one number would write a field twice.
static_assert([] {
  for (std::size_t i = 1; i < field_count; ++i) {
    if (numbers[order[i - 1]] == numbers[order[i]]) return false;
  }
  return true;
}(), "two fields of the list share a field number");

// What each entry reads from an input, and writes into a decoded record.
template <auto M>
constexpr const auto& get(const record_field<M>&, const record_input& in) {
  return in.record.*M;
}
template <auto M, auto C>
constexpr const auto& get(const delta_field<M, C>&, const record_input& in) {
  return in.delta.*M;
}
template <class T>
constexpr auto get(const T&, const record_input& in) -> decltype(T::get(in)) {
  return T::get(in);
}
template <auto M>
constexpr auto& ref(const record_field<M>&, decoded_record& out) {
  return out.record.*M;
}
template <auto M, auto C>
constexpr auto& ref(const delta_field<M, C>&, decoded_record& out) {
  return out.delta.*M;
}
template <class T>
constexpr auto ref(const T&, decoded_record& out) -> decltype(T::ref(out)) {
  return T::ref(out);
}

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {
  using value_type = T;
};

// Whether a C++ value of type T can carry the schema field's values; the
// JSON emitter quotes 64-bit integers by their size, so sizes must match.
template <class T>
consteval bool holds(const schema::field& f) {
  using schema::kind;
  if constexpr (is_optional<T>::value) {
    return holds<typename is_optional<T>::value_type>(f);
  } else if constexpr (std::is_same_v<T, ip_address>) {
    return f.kind == kind::bytes;
  } else if constexpr (std::is_same_v<T, tcp_state> || std::is_same_v<T, enum_number>) {
    return f.kind == kind::enumeration && !f.repeated;
  } else if constexpr (std::is_same_v<T, std::span<const data_source>>) {
    return f.kind == kind::enumeration && f.repeated;
  } else if constexpr (std::is_same_v<T, short_name>) {
    return f.kind == kind::string;
  } else if constexpr (std::is_same_v<T, bool>) {
    return f.kind == kind::boolean;
  } else if constexpr (std::is_same_v<T, double>) {
    return f.kind == kind::float64;
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    return (f.kind == kind::int32 && sizeof(T) <= 4) || (f.kind == kind::int64 && sizeof(T) == 8);
  } else if constexpr (std::is_integral_v<T>) {
    return (f.kind == kind::uint32 && sizeof(T) <= 4) || (f.kind == kind::uint64 && sizeof(T) == 8);
  } else {
    return false;
  }
}

template <std::size_t E>
inline constexpr const schema::field& field_of =
    *schema::TcpSocketRecord_type.find(static_cast<std::uint64_t>(numbers[E]));

template <std::size_t E>
using value_type = std::remove_cvref_t<decltype(get(std::get<E>(all), std::declval<const record_input&>()))>;

static_assert([]<std::size_t... E>(std::index_sequence<E...>) {
  return (holds<value_type<E>>(field_of<E>) && ...);
}(std::make_index_sequence<entry_count>{}), "a member's type does not fit its TcpSocketRecord field");

// Hands one field to the visitor, if the record sets it.
template <std::size_t E, class Visitor, class T>
[[gnu::always_inline]] inline void emit(Visitor& v, const T& value) {
  constexpr const schema::field& F = field_of<E>;
  constexpr int number = F.number;  // a constant, so each tag folds into the code
  if constexpr (std::is_same_v<T, std::optional<ip_address>>) {
    if (value) v.bytes(number, F.json_name, value->octets());
  } else if constexpr (std::is_same_v<T, std::optional<tcp_state>>) {
    if (value) {
      const int state = static_cast<int>(*value) + 1;  // TcpState: BSD state + 1
      v.enumeration(number, F.json_name, state, F.values[static_cast<std::size_t>(state)].name);
    }
  } else if constexpr (std::is_same_v<T, enum_number>) {
    if (value.value != 0) {
      v.enumeration(number, F.json_name, value.value, F.values[static_cast<std::size_t>(value.value)].name);
    }
  } else if constexpr (std::is_same_v<T, std::span<const data_source>>) {
    v.repeated_enum(number, F.json_name, value);
  } else if constexpr (is_optional<T>::value) {
    if (!value) return;
    if constexpr (!F.explicit_presence) {
      if (*value == typename is_optional<T>::value_type{}) return;
    }
    v.optional(number, F.json_name, value);
  } else {  // a plain member (ports, flags): proto3 leaves 0 out
    if (value != T{}) v.optional(number, F.json_name, std::optional<T>(value));
  }
}

template <std::size_t E, class Visitor>
[[gnu::always_inline]] inline void emit_entry(const record_input& in, Visitor& v) {
  emit<E>(v, get(std::get<E>(all), in));
}

}  // namespace fields

// Calls the visitor for every field the record (and its delta, when the
// tracker ran) sets, in field-number order; see the top of this file.
template <class Visitor>
[[gnu::always_inline]] inline void visit_record_fields(const connection_record& r, std::span<const data_source> sources,
                                                       Visitor& v, const record_delta* delta = nullptr) {
  static constexpr record_delta no_delta{};
  const record_input in{r, sources, delta ? *delta : no_delta};
  // Inlined, so that a visitor's output pointer can live in a register.
  [&]<std::size_t... I>(std::index_sequence<I...>) __attribute__((always_inline)) {
    (fields::emit_entry<fields::order[I]>(in, v), ...);
  }(std::make_index_sequence<fields::field_count>{});
}

}  // namespace tcpstats::reader
