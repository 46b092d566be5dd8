#include "codec/wire_encoder.hpp"

#include <bit>
#include <cstring>

#include "codec/record_fields.hpp"

namespace tcpstats::reader {

namespace {

constexpr std::uint32_t wire_varint = 0;
constexpr std::uint32_t wire_fixed64 = 1;
constexpr std::uint32_t wire_length_delimited = 2;

// Field numbers here are below 2^11, so every tag fits in two bytes.
// The bytes are stored as char8_t, which (unlike char) aliases nothing
// else: a char store could modify the record being read or this visitor's
// own pointer as far as the compiler knows, which reloaded both after
// every byte written (bench/README.md has the instruction counts).
class wire_visitor {
 public:
  explicit wire_visitor(char* out) : p_(reinterpret_cast<char8_t*>(out)) {}
  [[nodiscard]] char* end() const { return reinterpret_cast<char*>(p_); }

  [[gnu::always_inline]] void bytes(int number, std::string_view, std::span<const std::uint8_t> value) {
    if (value.empty()) return;
    tag(number, wire_length_delimited);
    p_ = write_varint(p_, value.size());
    std::memcpy(p_, value.data(), value.size());
    p_ += value.size();
  }
  [[gnu::always_inline]] void enumeration(int number, std::string_view, int value, std::string_view) {
    if (value == 0) return;
    tag(number, wire_varint);
    p_ = write_varint(p_, static_cast<std::uint64_t>(static_cast<std::int64_t>(value)));
  }
  template <class T>
  [[gnu::always_inline]] void optional(int number, std::string_view, const std::optional<T>& value) {
    if (!value) return;
    if constexpr (std::is_same_v<T, short_name>) {
      const std::string_view text = value->view();
      tag(number, wire_length_delimited);
      p_ = write_varint(p_, text.size());
      std::memcpy(p_, text.data(), text.size());
      p_ += text.size();
    } else if constexpr (std::is_same_v<T, double>) {
      tag(number, wire_fixed64);  // little-endian IEEE 754, as protobuf writes it
      const auto bits = std::bit_cast<std::uint64_t>(*value);
      for (int i = 0; i < 8; ++i) *p_++ = static_cast<char8_t>(bits >> (8 * i));
    } else if constexpr (std::is_signed_v<T>) {
      tag(number, wire_varint);  // int32/int64: sign-extended to 64 bits
      p_ = write_varint(p_, static_cast<std::uint64_t>(static_cast<std::int64_t>(*value)));
    } else {
      tag(number, wire_varint);
      p_ = write_varint(p_, static_cast<std::uint64_t>(*value));
    }
  }
  [[gnu::always_inline]] void repeated_enum(int number, std::string_view, std::span<const data_source> values) {
    if (values.empty()) return;
    std::size_t size = 0;
    for (const data_source s : values) size += static_cast<int>(s) < 0x80 ? 1 : 2;
    tag(number, wire_length_delimited);  // packed
    p_ = write_varint(p_, size);
    for (const data_source s : values) p_ = write_varint(p_, static_cast<std::uint64_t>(s));
  }

 private:
  [[gnu::always_inline]] void tag(int number, std::uint32_t wire_type) {
    p_ = write_varint(p_, (static_cast<std::uint64_t>(number) << 3) | wire_type);
  }
  char8_t* p_;
};

}  // namespace

char* encode_record(const connection_record& record, std::span<const data_source> sources, char* out,
                    const record_delta* delta) noexcept {
  wire_visitor visitor(out);
  visit_record_fields(record, sources, visitor, delta);
  return visitor.end();
}

void encode_record(const connection_record& record, std::span<const data_source> sources, std::string& out,
                   const record_delta* delta) {
  const std::size_t old = out.size();
  out.resize(old + max_record_wire_size(sources.size()));
  char* end = encode_record(record, sources, out.data() + old, delta);
  out.resize(static_cast<std::size_t>(end - out.data()));
}

}  // namespace tcpstats::reader
