#include "codec/batch_parts_encoder.hpp"

#include <bit>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <type_traits>

#include "codec/json_emitter.hpp"
#include "codec/wire_encoder.hpp"
#include "core/utf8_text.hpp"

namespace tcpstats::reader {

namespace {

// StateBucket.count is 32-bit; no host holds 2^32 connections.
std::uint32_t clamped_count(std::uint64_t count) {
  return count > UINT32_MAX ? UINT32_MAX : static_cast<std::uint32_t>(count);
}

constexpr std::uint32_t wire_varint = 0;
constexpr std::uint32_t wire_fixed64 = 1;
constexpr std::uint32_t wire_length_delimited = 2;

std::size_t varint_size(std::uint64_t value) {
  std::size_t n = 1;
  for (; value >= 0x80; value >>= 7) ++n;
  return n;
}

void append_varint(std::string& out, std::uint64_t value) {
  char bytes[10];
  out.append(bytes, static_cast<std::size_t>(write_varint(bytes, value) - bytes));
}

class wire_visitor {
 public:
  explicit wire_visitor(std::string& out) : out_(out) {}

  template <std::integral T>
  void implicit(int number, std::string_view, T value) {
    if (value == 0) return;
    tag(number, wire_varint);
    append_varint(out_, static_cast<std::uint64_t>(value));
  }
  void implicit(int number, std::string_view, std::string_view text) {
    if (text.empty()) return;
    std::string storage;
    const std::string_view clean = valid_utf8(text, storage);
    tag(number, wire_length_delimited);
    append_varint(out_, clean.size());
    out_.append(clean);
  }
  void enumeration(int number, std::string_view, int value, std::string_view) {
    if (value == 0) return;
    tag(number, wire_varint);
    append_varint(out_, static_cast<std::uint64_t>(static_cast<std::int64_t>(value)));
  }
  template <class T>
  void optional(int number, std::string_view, const std::optional<T>& value) {
    if (!value) return;
    if constexpr (std::is_same_v<T, double>) {
      tag(number, wire_fixed64);  // little-endian IEEE 754
      const auto bits = std::bit_cast<std::uint64_t>(*value);
      for (int shift = 0; shift < 64; shift += 8) out_ += static_cast<char>((bits >> shift) & 0xff);
    } else {
      static_assert(std::is_unsigned_v<T>, "bool or an unsigned integer");
      tag(number, wire_varint);
      append_varint(out_, static_cast<std::uint64_t>(*value));
    }
  }
  void repeated_enum(int number, std::string_view, std::span<const data_source> values) {
    if (values.empty()) return;
    std::size_t size = 0;
    for (const data_source s : values) size += varint_size(static_cast<std::uint64_t>(s));
    tag(number, wire_length_delimited);  // packed
    append_varint(out_, size);
    for (const data_source s : values) append_varint(out_, static_cast<std::uint64_t>(s));
  }
  void state_counts(int number, std::string_view, const state_tally& tally) {
    for (std::size_t state = 0; state < tally.by_state.size(); ++state) {
      const std::uint32_t count = tally.by_state[state];
      if (count == 0) continue;
      std::string bucket;  // StateBucket: state = 1 (absent when 0), count = 2
      wire_visitor fields(bucket);
      fields.implicit(1, "state", state);
      fields.implicit(2, "count", count);
      tag(number, wire_length_delimited);
      append_varint(out_, bucket.size());
      out_.append(bucket);
    }
  }
  void kernel_state_counts(int number, std::string_view, const std::optional<std::array<std::uint64_t, 11>>& counts) {
    if (!counts) return;
    for (std::size_t state = 0; state < counts->size(); ++state) {
      std::string bucket;  // every state, zeros included
      wire_visitor fields(bucket);
      fields.implicit(1, "state", state + 1);
      fields.implicit(2, "count", clamped_count((*counts)[state]));
      tag(number, wire_length_delimited);
      append_varint(out_, bucket.size());
      out_.append(bucket);
    }
  }

 private:
  void tag(int number, std::uint32_t wire_type) {
    append_varint(out_, (static_cast<std::uint64_t>(number) << 3) | wire_type);
  }
  std::string& out_;
};

// A double as protobuf's JSON printer writes it: the shortest of %.15g and
// %.17g that reads back as the same value; the special values as strings.
void append_json_double(std::string& out, double value) {
  char text[32];
  out.append(text, put_json_double(text, value));
}

void append_json_string(std::string& out, std::string_view text) {
  std::string storage;
  const std::string_view clean = valid_utf8(text, storage);
  const std::size_t old = out.size();
  out.resize(old + 2 + 6 * clean.size());
  char* end = write_json_string(clean, out.data() + old);
  out.resize(static_cast<std::size_t>(end - out.data()));
}

class json_visitor {
 public:
  explicit json_visitor(std::string& out) : out_(out) {}

  template <std::integral T>
  void implicit(int, std::string_view name, T value) {
    if (value == 0) return;
    key(name);
    append_integer(value);
  }
  void implicit(int, std::string_view name, std::string_view text) {
    if (text.empty()) return;
    key(name);
    append_json_string(out_, text);
  }
  void enumeration(int, std::string_view name, int value, std::string_view enum_name) {
    if (value == 0) return;
    key(name);
    quoted(enum_name);
  }
  template <class T>
  void optional(int, std::string_view name, const std::optional<T>& value) {
    if (!value) return;
    key(name);
    if constexpr (std::is_same_v<T, bool>) {
      out_ += *value ? "true" : "false";
    } else if constexpr (std::is_same_v<T, double>) {
      append_json_double(out_, *value);
    } else {
      append_integer(*value);
    }
  }
  void repeated_enum(int, std::string_view name, std::span<const data_source> values) {
    if (values.empty()) return;
    key(name);
    out_ += '[';
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i != 0) out_ += ',';
      quoted(data_source_enum_name(values[i]));
    }
    out_ += ']';
  }
  void state_counts(int, std::string_view name, const state_tally& tally) {
    if (tally.total == 0) return;
    key(name);
    out_ += '[';
    bool first = true;
    for (std::size_t state = 0; state < tally.by_state.size(); ++state) {
      if (tally.by_state[state] == 0) continue;
      if (!first) out_ += ',';
      first = false;
      out_ += '{';
      json_visitor bucket(out_);
      bucket.enumeration(1, "state", static_cast<int>(state), tcp_state_enum_names[state]);
      bucket.implicit(2, "count", tally.by_state[state]);
      out_ += '}';
    }
    out_ += ']';
  }
  void kernel_state_counts(int, std::string_view name, const std::optional<std::array<std::uint64_t, 11>>& counts) {
    if (!counts) return;
    key(name);
    out_ += '[';
    for (std::size_t state = 0; state < counts->size(); ++state) {
      if (state != 0) out_ += ',';
      out_ += '{';
      json_visitor bucket(out_);
      bucket.enumeration(1, "state", static_cast<int>(state + 1), tcp_state_enum_names[state + 1]);
      bucket.implicit(2, "count", clamped_count((*counts)[state]));
      out_ += '}';
    }
    out_ += ']';
  }

 private:
  void key(std::string_view name) {
    if (!first_) out_ += ',';
    first_ = false;
    quoted(name);
    out_ += ':';
  }
  void quoted(std::string_view text) {
    out_ += '"';
    out_ += text;
    out_ += '"';
  }
  template <std::integral T>
  void append_integer(T value) {
    // proto3 JSON quotes 64-bit integers.
    if constexpr (sizeof(T) == 8) {
      quoted(std::to_string(value));
    } else {
      out_ += std::to_string(value);
    }
  }
  std::string& out_;
  bool first_ = true;
};

}  // namespace

void append_metadata_wire(const pass_info& info, const run_context& run, std::string& out) {
  wire_visitor visitor(out);
  visit_metadata_fields(info, run, visitor);
}

void append_metadata_json(const pass_info& info, const run_context& run, std::string& out) {
  out += '{';
  json_visitor visitor(out);
  visit_metadata_fields(info, run, visitor);
  out += '}';
}

void append_summary_wire(const summary_inputs& inputs, std::string& out) {
  wire_visitor visitor(out);
  visit_summary_fields(inputs, visitor);
}

void append_summary_json(const summary_inputs& inputs, std::string& out) {
  out += '{';
  json_visitor visitor(out);
  visit_summary_fields(inputs, visitor);
  out += '}';
}

std::string indent_json(std::string_view compact) {
  std::string out;
  out.reserve(compact.size() * 2);
  std::size_t depth = 0;
  const auto new_line = [&out, &depth] {
    out += '\n';
    out.append(depth, ' ');
  };
  for (std::size_t i = 0; i < compact.size(); ++i) {
    const char c = compact[i];
    switch (c) {
      case '"':  // a string, copied as it is up to its closing quote
        out += c;
        for (++i; i < compact.size() && compact[i] != '"'; ++i) {
          out += compact[i];
          if (compact[i] == '\\' && i + 1 < compact.size()) out += compact[++i];
        }
        if (i < compact.size()) out += '"';
        break;
      case '{':
      case '[':
        out += c;
        if (i + 1 < compact.size() && (compact[i + 1] == '}' || compact[i + 1] == ']')) {
          out += compact[++i];  // empty: "{}" on one line
        } else {
          ++depth;
          new_line();
        }
        break;
      case '}':
      case ']':
        if (depth > 0) --depth;
        new_line();
        out += c;
        break;
      case ',':
        out += c;
        new_line();
        break;
      case ':': out += ": "; break;
      default: out += c;
    }
  }
  out += '\n';
  return out;
}

}  // namespace tcpstats::reader
