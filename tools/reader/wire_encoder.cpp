#include "wire_encoder.hpp"

#include "record_fields.hpp"

namespace tcpstats::reader {

void append_varint(std::string& out, std::uint64_t value) {
  char buffer[10];
  std::size_t n = 0;
  while (value >= 0x80) {
    buffer[n++] = static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  buffer[n++] = static_cast<char>(value);
  out.append(buffer, n);
}

namespace {

constexpr std::uint32_t wire_varint = 0;
constexpr std::uint32_t wire_length_delimited = 2;

class wire_visitor {
 public:
  explicit wire_visitor(std::string& out) : out_(out) {}

  void bytes(int number, std::string_view, std::span<const std::uint8_t> value) {
    if (value.empty()) return;
    tag(number, wire_length_delimited);
    append_varint(out_, value.size());
    out_.append(reinterpret_cast<const char*>(value.data()), value.size());
  }
  void implicit_u32(int number, std::string_view, std::uint32_t value) {
    if (value == 0) return;
    tag(number, wire_varint);
    append_varint(out_, value);
  }
  void enumeration(int number, std::string_view, int value, std::string_view) {
    if (value == 0) return;
    tag(number, wire_varint);
    append_varint(out_, static_cast<std::uint64_t>(static_cast<std::int64_t>(value)));
  }
  template <class T>
  void optional(int number, std::string_view, const std::optional<T>& value) {
    if (!value) return;
    if constexpr (std::is_same_v<T, short_name>) {
      const std::string_view text = value->view();
      tag(number, wire_length_delimited);
      append_varint(out_, text.size());
      out_.append(text);
    } else if constexpr (std::is_signed_v<T>) {
      tag(number, wire_varint);  // int32/int64: sign-extended to 64 bits
      append_varint(out_, static_cast<std::uint64_t>(static_cast<std::int64_t>(*value)));
    } else {
      tag(number, wire_varint);
      append_varint(out_, static_cast<std::uint64_t>(*value));
    }
  }
  void repeated_enum(int number, std::string_view, std::span<const data_source> values) {
    if (values.empty()) return;
    std::size_t size = 0;  // packed: every DataSource value is below 128, one byte each
    for (const data_source s : values) size += static_cast<int>(s) < 0x80 ? 1 : 2;
    tag(number, wire_length_delimited);
    append_varint(out_, size);
    for (const data_source s : values) append_varint(out_, static_cast<std::uint64_t>(s));
  }

 private:
  void tag(int number, std::uint32_t wire_type) {
    append_varint(out_, (static_cast<std::uint64_t>(number) << 3) | wire_type);
  }
  std::string& out_;
};

}  // namespace

void encode_record(const connection_record& record, std::span<const data_source> sources, std::string& out) {
  wire_visitor visitor(out);
  visit_record_fields(record, sources, visitor);
}

}  // namespace tcpstats::reader
