#include "json_emitter.hpp"

#include <charconv>

#include "record_fields.hpp"

namespace tcpstats::reader {

namespace {

template <class T>
void append_number(std::string& out, T value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void append_base64(std::string& out, std::span<const std::uint8_t> bytes) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    const std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (rest == 2 ? std::uint32_t{bytes[i + 1]} << 8 : 0);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += rest == 2 ? alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
}

class json_visitor {
 public:
  explicit json_visitor(std::string& out) : out_(out) {}

  void bytes(int, std::string_view name, std::span<const std::uint8_t> value) {
    if (value.empty()) return;
    key(name);
    out_ += '"';
    append_base64(out_, value);
    out_ += '"';
  }
  void implicit_u32(int, std::string_view name, std::uint32_t value) {
    if (value == 0) return;
    key(name);
    append_number(out_, value);
  }
  void enumeration(int, std::string_view name, int value, std::string_view enum_name) {
    if (value == 0) return;
    key(name);
    out_ += '"';
    out_ += enum_name;
    out_ += '"';
  }
  template <class T>
  void optional(int, std::string_view name, const std::optional<T>& value) {
    if (!value) return;
    key(name);
    if constexpr (std::is_same_v<T, short_name>) {
      append_json_string(out_, value->view());
    } else if constexpr (std::is_same_v<T, bool>) {
      out_ += *value ? "true" : "false";
    } else if constexpr (sizeof(T) == 8) {  // proto3 JSON quotes 64-bit integers
      out_ += '"';
      append_number(out_, *value);
      out_ += '"';
    } else {
      append_number(out_, *value);
    }
  }
  void repeated_enum(int, std::string_view name, std::span<const data_source> values) {
    if (values.empty()) return;
    key(name);
    out_ += '[';
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i != 0) out_ += ',';
      out_ += '"';
      out_ += data_source_enum_name(values[i]);
      out_ += '"';
    }
    out_ += ']';
  }

 private:
  void key(std::string_view name) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += name;
    out_ += "\":";
  }
  std::string& out_;
  bool first_ = true;
};

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20 || u == 0x7f || c == '<' || c == '>') {
          out += "\\u00";
          out += hex[u >> 4];
          out += hex[u & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_record_json(const connection_record& record, std::span<const data_source> sources, std::string& out) {
  out += '{';
  json_visitor visitor(out);
  visit_record_fields(record, sources, visitor);
  out += '}';
}

}  // namespace tcpstats::reader
