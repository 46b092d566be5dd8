#include "codec/wire_decoder.hpp"

#include <array>
#include <utility>

#include <bit>
#include <cstring>
#include <limits>
#include <type_traits>

#include "codec/record_fields.hpp"

namespace tcpstats::reader {

namespace {

enum wire_type : unsigned { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

class field_reader {
 public:
  field_reader(std::span<const char> bytes, decoded_record& out) : bytes_(bytes), out_(out) {}

  bool run(std::string& error) {
    while (at_ < bytes_.size()) {
      field_start_ = at_;
      std::uint64_t tag = 0;
      if (!read_varint(tag)) return fail(error, "truncated field tag");
      number_ = tag >> 3;
      type_ = static_cast<unsigned>(tag & 7);
      if (!read_field()) return fail(error, problem_);
    }
    return true;
  }

 private:
  bool fail(std::string& error, const char* what) const {
    error = "byte " + std::to_string(field_start_) + ": " + what + " (field " + std::to_string(number_) + ")";
    return false;
  }
  bool bad(const char* what) {
    problem_ = what;
    return false;
  }

  bool read_varint(std::uint64_t& value) {
    return reader::read_varint({bytes_.data(), bytes_.size()}, at_, value);
  }
  bool read_length_delimited(std::span<const char>& body) {
    std::uint64_t size = 0;
    if (type_ != length_delimited) return bad("wrong wire type");
    if (!read_varint(size) || size > bytes_.size() - at_) return bad("length runs past the end");
    body = bytes_.subspan(at_, static_cast<std::size_t>(size));
    at_ += static_cast<std::size_t>(size);
    return true;
  }
  bool read_integer(std::uint64_t& value) {
    if (type_ != varint) return bad("wrong wire type");
    if (!read_varint(value)) return bad("truncated varint");
    return true;
  }

  template <class T>
  bool read_into(std::optional<T>& field) {
    if constexpr (std::is_same_v<T, short_name>) {
      std::span<const char> body;
      if (!read_length_delimited(body)) return false;
      if (body.size() > short_name::capacity) return bad("string longer than the record holds");
      field = short_name::from_untrusted({body.data(), body.size()});
    } else if constexpr (std::is_same_v<T, double>) {
      if (type_ != fixed64) return bad("wrong wire type");
      if (bytes_.size() - at_ < 8) return bad("truncated double");
      std::uint64_t bits = 0;
      for (int i = 0; i < 8; ++i) bits |= std::uint64_t{static_cast<std::uint8_t>(bytes_[at_++])} << (8 * i);
      field = std::bit_cast<double>(bits);
    } else {
      std::uint64_t raw = 0;
      if (!read_integer(raw)) return false;
      if constexpr (std::is_same_v<T, bool>) {
        if (raw > 1) return bad("bool out of range");
        field = raw == 1;
      } else if constexpr (std::is_signed_v<T>) {
        const auto value = static_cast<std::int64_t>(raw);
        if (value < std::numeric_limits<T>::min() || value > std::numeric_limits<T>::max()) {
          return bad("value out of the field's range");
        }
        field = static_cast<T>(value);
      } else {
        if (raw > std::numeric_limits<T>::max()) return bad("value out of the field's range");
        field = static_cast<T>(raw);
      }
    }
    return true;
  }

  bool read_address(std::optional<ip_address>& address) {
    std::span<const char> body;
    if (!read_length_delimited(body)) return false;
    if (body.size() != 4 && body.size() != 16) return bad("address is neither 4 nor 16 bytes");
    ip_address a = address.value_or(ip_address{});  // keeps a scope id read first
    a.family = body.size() == 4 ? ip_family::ipv4 : ip_family::ipv6;
    a.bytes = {};
    std::memcpy(a.bytes.data(), body.data(), body.size());
    address = a;
    return true;
  }

public:
  // Reads field E of the field list (codec/record_fields.hpp) into its place.
  template <std::size_t E>
  bool read_entry() {
    using entry = fields::entry_type<E>;
    if constexpr (std::is_same_v<entry, fields::sources>) {
      return read_sources();
    } else if constexpr (requires(decoded_record& d) { fields::ref(std::get<E>(fields::all), d); }) {
      auto& target = fields::ref(std::get<E>(fields::all), out_);
      using T = std::remove_cvref_t<decltype(target)>;
      if constexpr (std::is_same_v<T, std::optional<ip_address>>) {
        return read_address(target);
      } else if constexpr (std::is_same_v<T, std::optional<tcp_state>>) {
        return read_state(target);
      } else if constexpr (fields::is_optional<T>::value) {
        return read_into(target);
      } else {  // a plain member: a port or a flag
        std::optional<T> value;
        if (!read_into(value)) return false;
        target = *value;
        return true;
      }
    } else {  // derived: read as the field's type, then set
      using value = std::remove_cvref_t<decltype(fields::get(std::get<E>(fields::all), std::declval<const record_input&>()))>;
      if constexpr (std::is_same_v<value, fields::enum_number>) {
        std::optional<std::int32_t> number;
        if (!read_into(number)) return false;
        return entry::set(out_, fields::enum_number{*number}) ? true : bad("unknown enum value");
      } else {
        std::optional<typename fields::is_optional<value>::value_type> number;
        if (!read_into(number)) return false;
        return entry::set(out_, *number) ? true : bad("value out of the field's range");
      }
    }
  }

  bool read_state(std::optional<tcp_state>& state) {
    std::optional<std::uint8_t> number;
    if (!read_into(number)) return false;
    if (*number > tcp_state_count) return bad("unknown TcpState");
    if (*number == 0) {
      state.reset();
    } else {
      state = static_cast<tcp_state>(*number - 1);
    }
    return true;
  }

  bool read_field();

 private:
  bool read_sources() {
    if (type_ == varint) {  // unpacked: one value
      std::uint64_t value = 0;
      if (!read_varint(value)) return bad("truncated varint");
      return add_source(value);
    }
    std::span<const char> body;
    if (!read_length_delimited(body)) return false;
    field_reader inner(body, out_);
    while (inner.at_ < body.size()) {
      std::uint64_t value = 0;
      if (!inner.read_varint(value)) return bad("truncated packed DataSource");
      if (!add_source(value)) return false;
    }
    return true;
  }
  bool add_source(std::uint64_t value) {
    if (value == 0 || value > 0xff) return bad("unknown DataSource");
    out_.sources.push_back(static_cast<data_source>(value));
    return true;
  }

  std::span<const char> bytes_;
  decoded_record& out_;
  std::size_t at_ = 0;
  std::size_t field_start_ = 0;
  std::uint64_t number_ = 0;
  unsigned type_ = 0;
  const char* problem_ = "";
};

using entry_reader = bool (field_reader::*)();

// A reader per field number, from the field list.
constexpr auto entry_readers = []<std::size_t... I>(std::index_sequence<I...>) {
  std::array<entry_reader, 256> table{};
  ((table[static_cast<std::size_t>(fields::field_of<fields::order[I]>.number)] =
        &field_reader::read_entry<fields::order[I]>), ...);
  return table;
}(std::make_index_sequence<fields::field_count>{});

bool field_reader::read_field() {
  const entry_reader read = number_ < entry_readers.size() ? entry_readers[number_] : nullptr;
  if (read == nullptr) return bad("field number not in TcpSocketRecord");
  return (this->*read)();
}

}  // namespace

bool decode_record(std::span<const char> bytes, decoded_record& out, std::string& error) {
  out.record = {};
  out.delta = {};
  out.sources.clear();
  field_reader reader(bytes, out);
  return reader.run(error);
}

}  // namespace tcpstats::reader
