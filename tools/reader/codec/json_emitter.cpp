#include "codec/json_emitter.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "codec/record_fields.hpp"

namespace tcpstats::reader {

namespace {

char* put(char* p, std::string_view text) {
  std::memcpy(p, text.data(), text.size());
  return p + text.size();
}

// Decimal digits two at a time from a table (std::to_chars measured 2x slower here).
constexpr char digit_pairs[] =
    "0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849"
    "5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";

template <class Unsigned>
unsigned decimal_digits(Unsigned value) {
  for (unsigned n = 1;; n += 4) {
    if (value < 10) return n;
    if (value < 100) return n + 1;
    if (value < 1000) return n + 2;
    if (value < 10000) return n + 3;
    value /= 10000;
  }
}

// Writes the digits right to left straight into place: no temporary, no
// variable-length copy.
template <class Unsigned>
char* put_digits(char* p, Unsigned value) {
  char* const end = p + decimal_digits(value);
  char* q = end;
  while (value >= 100) {
    q -= 2;
    std::memcpy(q, digit_pairs + 2 * (value % 100), 2);
    value /= 100;
  }
  if (value >= 10) {
    std::memcpy(q - 2, digit_pairs + 2 * value, 2);
  } else {
    q[-1] = static_cast<char>('0' + value);
  }
  return end;
}

// Most values fit 32 bits, whose division by 100 is a cheaper multiply.
char* put_unsigned(char* p, std::uint64_t value) {
  if (value <= 0xffffffffu) return put_digits(p, static_cast<std::uint32_t>(value));
  return put_digits(p, value);
}

// Most of a record's numbers are single digits (counters of idle or new
// connections, flags): those take one store, in line.
template <class T>
[[gnu::always_inline]] inline char* put_number(char* p, T value) {
  if constexpr (std::is_signed_v<T>) {
    if (value < 0) {
      *p++ = '-';
      return put_unsigned(p, 0 - static_cast<std::uint64_t>(static_cast<std::int64_t>(value)));
    }
  }
  if (static_cast<std::uint64_t>(value) < 10) {
    *p = static_cast<char>('0' + static_cast<int>(value));
    return p + 1;
  }
  return put_unsigned(p, static_cast<std::uint64_t>(value));
}

char* put_base64(char* p, std::span<const std::uint8_t> bytes) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    *p++ = alphabet[(v >> 18) & 63];
    *p++ = alphabet[(v >> 12) & 63];
    *p++ = alphabet[(v >> 6) & 63];
    *p++ = alphabet[v & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    const std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (rest == 2 ? std::uint32_t{bytes[i + 1]} << 8 : 0);
    *p++ = alphabet[(v >> 18) & 63];
    *p++ = alphabet[(v >> 12) & 63];
    *p++ = rest == 2 ? alphabet[(v >> 6) & 63] : '=';
    *p++ = '=';
  }
  return p;
}

// Escapes as protobuf's JSON printer does: the JSON escapes, \u00XX for
// other control characters, DEL, '<' and '>'; UTF-8 passes through.
char* put_json_string(char* p, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  *p++ = '"';
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': p = put(p, "\\\""); break;
      case '\\': p = put(p, "\\\\"); break;
      case '\b': p = put(p, "\\b"); break;
      case '\f': p = put(p, "\\f"); break;
      case '\n': p = put(p, "\\n"); break;
      case '\r': p = put(p, "\\r"); break;
      case '\t': p = put(p, "\\t"); break;
      default:
        if (u < 0x20 || u == 0x7f || c == '<' || c == '>') {
          p = put(p, "\\u00");
          *p++ = hex[u >> 4];
          *p++ = hex[u & 0xf];
        } else {
          *p++ = c;
        }
    }
  }
  *p++ = '"';
  return p;
}

// Every method is inlined into its call site in visit_record_fields, where
// the field name is a constant: the name's copy then compiles to a few moves.
class json_visitor {
 public:
  json_visitor(char* out, json_addresses addresses) : p_(out), addresses_(addresses) {}
  [[nodiscard]] char* end() const { return p_; }

  [[gnu::always_inline]] void bytes(int, std::string_view name, std::span<const std::uint8_t> value) {
    if (value.empty()) return;
    key(name);
    *p_++ = '"';
    p_ = addresses_ == json_addresses::text ? write_address_text(value, p_) : put_base64(p_, value);
    *p_++ = '"';
  }
  [[gnu::always_inline]] void enumeration(int, std::string_view name, int value, std::string_view enum_name) {
    if (value == 0) return;
    key(name);
    *p_++ = '"';
    p_ = put(p_, enum_name);
    *p_++ = '"';
  }
  template <class T>
  [[gnu::always_inline]] void optional(int, std::string_view name, const std::optional<T>& value) {
    if (!value) return;
    key(name);
    if constexpr (std::is_same_v<T, short_name>) {
      p_ = put_json_string(p_, value->view());
    } else if constexpr (std::is_same_v<T, double>) {
      p_ = put_json_double(p_, *value);
    } else if constexpr (std::is_same_v<T, bool>) {
      p_ = put(p_, *value ? "true" : "false");
    } else if constexpr (sizeof(T) == 8) {  // proto3 JSON quotes 64-bit integers
      *p_++ = '"';
      p_ = put_number(p_, *value);
      *p_++ = '"';
    } else {
      p_ = put_number(p_, *value);
    }
  }
  [[gnu::always_inline]] void repeated_enum(int, std::string_view name, std::span<const data_source> values) {
    if (values.empty()) return;
    key(name);
    *p_++ = '[';
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i != 0) *p_++ = ',';
      *p_++ = '"';
      p_ = put(p_, data_source_enum_name(values[i]));
      *p_++ = '"';
    }
    *p_++ = ']';
  }

 private:
  [[gnu::always_inline]] void key(std::string_view name) {
    if (!first_) *p_++ = ',';
    first_ = false;
    *p_++ = '"';
    p_ = put(p_, name);
    *p_++ = '"';
    *p_++ = ':';
  }
  char* p_;
  json_addresses addresses_;
  bool first_ = true;
};

}  // namespace

char* put_json_double(char* out, double value) noexcept {
  if (std::isnan(value)) return put(out, "\"NaN\"");
  if (std::isinf(value)) return put(out, value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  // protobuf's SimpleDtoa: "%.15g" (DBL_DIG digits) when it reads back
  // exactly, else "%.17g". std::to_chars with a precision writes what
  // printf does, without its locale and multi-precision arithmetic (--deltas
  // in JSON Lines spent a third of its instructions in printf for the rates);
  // standard libraries without floating-point to_chars use printf itself.
#if defined(__cpp_lib_to_chars) && __cpp_lib_to_chars >= 201611L
  char text[32];
  auto written = std::to_chars(text, text + sizeof text, value, std::chars_format::general, 15);
  double back = 0;
  std::from_chars(text, written.ptr, back);
  if (back != value) written = std::to_chars(text, text + sizeof text, value, std::chars_format::general, 17);
  const auto n = static_cast<std::size_t>(written.ptr - text);
  std::memcpy(out, text, n);
  return out + n;
#else
  char text[32];
  int n = std::snprintf(text, sizeof text, "%.15g", value);
  if (std::strtod(text, nullptr) != value) n = std::snprintf(text, sizeof text, "%.17g", value);
  std::memcpy(out, text, static_cast<std::size_t>(n));
  return out + n;
#endif
}

char* write_address_text(std::span<const std::uint8_t> octets, char* out) noexcept {
  // inet_ntop writes RFC 5952's form without allocating.
  char text[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(octets.size() == 4 ? AF_INET : AF_INET6, octets.data(), text, sizeof text) == nullptr) return out;
  const std::size_t n = std::strlen(text);
  std::memcpy(out, text, n);
  return out + n;
}

char* write_record_json(const connection_record& record, std::span<const data_source> sources, char* out,
                        const record_delta* delta, json_addresses addresses) noexcept {
  *out++ = '{';
  json_visitor visitor(out, addresses);
  visit_record_fields(record, sources, visitor, delta);
  char* p = visitor.end();
  *p++ = '}';
  return p;
}

char* write_json_string(std::string_view text, char* out) noexcept { return put_json_string(out, text); }

char* write_base64(std::span<const std::uint8_t> bytes, char* out) noexcept { return put_base64(out, bytes); }

void append_record_json(const connection_record& record, std::span<const data_source> sources, std::string& out,
                        const record_delta* delta) {
  const std::size_t old = out.size();
  out.resize(old + max_record_json_size(sources.size()));
  char* end = write_record_json(record, sources, out.data() + old, delta);
  out.resize(static_cast<std::size_t>(end - out.data()));
}

}  // namespace tcpstats::reader
