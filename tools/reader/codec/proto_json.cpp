#include "codec/proto_json.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <deque>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "codec/json_emitter.hpp"
#include "codec/wire_decoder.hpp"
#include "codec/wire_encoder.hpp"
#include "tcpstats/utf8.hpp"

namespace tcpstats::reader {

namespace {

using schema::kind;

enum wire_type : unsigned { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

// One field occurrence in a message's wire bytes.
struct entry {
  std::uint64_t number;
  const schema::field* field;
  std::uint64_t value;     // varint and fixed64 fields
  std::string_view bytes;  // length-delimited fields
  std::size_t offset;      // of the tag, within the whole input
  std::size_t body_offset;  // of `bytes`, within the whole input
};

unsigned expected_wire_type(const schema::field& f) {
  switch (f.kind) {
    case kind::float64: return fixed64;
    case kind::string:
    case kind::bytes:
    case kind::message: return length_delimited;
    default: return varint;
  }
}

class wire_reader {
 public:
  wire_reader(json_names names, json_addresses addresses, std::string* out, std::string& error)
      : names_(names), addresses_(addresses), out_(out), error_(error) {}

  bool message(std::string_view wire, std::size_t base, const schema::message_type& type) {
    std::vector<entry> entries;
    if (!split(wire, base, type, entries)) return false;
    // Canonical input is already in number order; protobuf's printer
    // follows the schema's order whatever the input's.
    if (!std::is_sorted(entries.begin(), entries.end(), by_number)) {
      std::stable_sort(entries.begin(), entries.end(), by_number);
    }
    if (out_) *out_ += '{';
    bool first = true;
    for (auto it = entries.begin(); it != entries.end();) {
      auto end = std::find_if(it, entries.end(), [&](const entry& e) { return e.number != it->number; });
      if (!field(*it->field, std::span<const entry>(&*it, static_cast<std::size_t>(end - it)), first)) {
        return false;
      }
      it = end;
    }
    if (out_) *out_ += '}';
    return true;
  }

 private:
  static bool by_number(const entry& a, const entry& b) { return a.number < b.number; }

  bool fail(std::size_t offset, const schema::message_type& type, std::uint64_t number, const char* what) {
    error_ = "byte " + std::to_string(offset) + ": " + what + " (" + std::string(type.name) + " field " +
             std::to_string(number) + ")";
    return false;
  }
  bool fail(const entry& e, const char* what) {
    error_ = "byte " + std::to_string(e.offset) + ": " + what + " (field " + std::string(e.field->proto_name) + ")";
    return false;
  }

  bool split(std::string_view wire, std::size_t base, const schema::message_type& type,
             std::vector<entry>& entries) {
    std::size_t at = 0;
    while (at < wire.size()) {
      entry e{};
      e.offset = base + at;
      std::uint64_t tag = 0;
      if (!read_varint(wire, at, tag)) return fail(e.offset, type, 0, "truncated field tag");
      e.number = tag >> 3;
      const auto type_bits = static_cast<unsigned>(tag & 7);
      e.field = type.find(e.number);
      if (e.field == nullptr) return fail(e.offset, type, e.number, "field number not in the schema");
      const bool packed = e.field->repeated && type_bits == length_delimited && expected_wire_type(*e.field) == varint;
      if (type_bits != expected_wire_type(*e.field) && !packed) {
        return fail(e.offset, type, e.number, "wrong wire type");
      }
      if (type_bits == varint) {
        if (!read_varint(wire, at, e.value)) return fail(e.offset, type, e.number, "truncated varint");
      } else if (type_bits == fixed64) {
        if (wire.size() - at < 8) return fail(e.offset, type, e.number, "truncated fixed64");
        for (int i = 0; i < 8; ++i) e.value |= std::uint64_t{static_cast<std::uint8_t>(wire[at++])} << (8 * i);
      } else {
        std::uint64_t size = 0;
        if (!read_varint(wire, at, size) || size > wire.size() - at) {
          return fail(e.offset, type, e.number, "length runs past the end");
        }
        e.bytes = wire.substr(at, static_cast<std::size_t>(size));
        e.body_offset = base + at;
        at += static_cast<std::size_t>(size);
        if (packed) {  // each packed value becomes an entry of its own
          std::size_t p = 0;
          while (p < e.bytes.size()) {
            entry value = e;
            value.bytes = {};
            if (!read_varint(e.bytes, p, value.value)) return fail(e.offset, type, e.number, "truncated packed value");
            entries.push_back(value);
          }
          continue;
        }
      }
      entries.push_back(e);
    }
    return true;
  }

  void key(const schema::field& f, bool& first) {
    if (!out_) return;
    if (!first) *out_ += ',';
    first = false;
    *out_ += '"';
    *out_ += names_ == json_names::proto ? f.proto_name : f.json_name;
    *out_ += "\":";
  }

  // Whether a proto3 field without presence holds its default (then not printed).
  static bool is_default(const schema::field& f, const entry& e) {
    if (f.explicit_presence || f.repeated) return false;
    switch (f.kind) {
      case kind::string:
      case kind::bytes: return e.bytes.empty();
      case kind::message: return false;
      case kind::float64: return e.value == 0;  // +0.0 only: -0.0 prints
      default: return e.value == 0;
    }
  }

  bool field(const schema::field& f, std::span<const entry> occurrences, bool& first) {
    if (!f.repeated) {
      // A singular field repeated on the wire: the last occurrence wins
      // (messages would merge; this tool never writes them twice).
      const entry& e = occurrences.back();
      if (is_default(f, e)) return value(f, e);  // checked, not printed
      key(f, first);
      return value(f, e);
    }
    key(f, first);
    if (out_) *out_ += '[';
    for (std::size_t i = 0; i < occurrences.size(); ++i) {
      if (out_ && i != 0) *out_ += ',';
      if (!value(f, occurrences[i])) return false;
    }
    if (out_) *out_ += ']';
    return true;
  }

  bool value(const schema::field& f, const entry& e) {
    const bool printing = out_ != nullptr && !is_default(f, e);
    char text[32];
    switch (f.kind) {
      case kind::int32:
      case kind::uint32: {
        // protobuf keeps the low 32 bits of a wider varint.
        const auto low = static_cast<std::uint32_t>(e.value);
        if (!printing) return true;
        if (f.kind == kind::int32) {
          *out_ += std::to_string(static_cast<std::int32_t>(low));
        } else {
          *out_ += std::to_string(low);
        }
        return true;
      }
      case kind::int64:
      case kind::uint64:
        if (printing) {
          *out_ += '"';
          *out_ += f.kind == kind::int64 ? std::to_string(static_cast<std::int64_t>(e.value)) : std::to_string(e.value);
          *out_ += '"';
        }
        return true;
      case kind::boolean:
        if (printing) *out_ += e.value != 0 ? "true" : "false";
        return true;
      case kind::float64:
        if (printing) out_->append(text, put_json_double(text, std::bit_cast<double>(e.value)));
        return true;
      case kind::enumeration: {
        const auto number = static_cast<std::int32_t>(static_cast<std::uint32_t>(e.value));
        if (!printing) return true;
        const auto known = std::find_if(f.values.begin(), f.values.end(),
                                        [number](const schema::enum_value& v) { return v.number == number; });
        if (known == f.values.end()) {
          *out_ += std::to_string(number);  // as protobuf prints an unknown enum number
        } else {
          *out_ += '"';
          *out_ += known->name;
          *out_ += '"';
        }
        return true;
      }
      case kind::string: {
        if (!is_valid_utf8(e.bytes)) return fail(e, "string is not UTF-8");
        if (!printing) return true;
        const std::size_t old = out_->size();
        out_->resize(old + 2 + 6 * e.bytes.size());
        char* end = write_json_string(e.bytes, out_->data() + old);
        out_->resize(static_cast<std::size_t>(end - out_->data()));
        return true;
      }
      case kind::bytes:
        if (printing) {
          *out_ += '"';
          if (addresses_ == json_addresses::text && (e.bytes.size() == 4 || e.bytes.size() == 16)) {
            const std::size_t old = out_->size();
            out_->resize(old + 48);
            const auto* octets = reinterpret_cast<const std::uint8_t*>(e.bytes.data());
            char* end = write_address_text({octets, e.bytes.size()}, out_->data() + old);
            out_->resize(static_cast<std::size_t>(end - out_->data()));
          } else {
            append_base64(e.bytes);
          }
          *out_ += '"';
        }
        return true;
      case kind::message: {
        std::string* saved = out_;
        if (!printing) out_ = nullptr;
        const bool ok = message(e.bytes, e.body_offset, *f.message);
        out_ = saved;
        return ok;
      }
    }
    return fail(e, "unsupported field type");
  }

  void append_base64(std::string_view bytes) {
    const std::size_t old = out_->size();
    out_->resize(old + (bytes.size() + 2) / 3 * 4);
    write_base64({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, out_->data() + old);
  }

  json_names names_;
  json_addresses addresses_;
  std::string* out_;
  std::string& error_;
};

// ---- JSON to wire ----

int base64_digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;  // standard and URL-safe alphabets
  if (c == '/' || c == '_') return 63;
  return -1;
}

// Decodes base64 `text` (padding optional) into `out`, which has room for
// decoded_size(text); returns the end, or nullptr if it is not base64.
char* decode_base64(std::string_view text, char* out) {
  std::uint32_t bits = 0;
  int count = 0;
  for (const char c : text) {
    const int d = base64_digit(c);
    if (d < 0) return nullptr;
    bits = (bits << 6) | static_cast<std::uint32_t>(d);
    count += 6;
    if (count >= 8) {
      count -= 8;
      *out++ = static_cast<char>((bits >> count) & 0xff);
    }
  }
  return count < 6 ? out : nullptr;  // a lone sixth bit group is not base64
}

std::string_view strip_padding(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  return text;
}

class json_reader {
 public:
  json_reader(std::string& out, std::size_t end, std::string& error) : out_(out), end_(end), error_(error) {}
  json_reader(const json_reader&) = delete;
  json_reader& operator=(const json_reader&) = delete;

  [[nodiscard]] std::size_t end() const { return end_; }

  bool message(simdjson::ondemand::value value, const schema::message_type& type) {
    simdjson::ondemand::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) return fail(type.name, "not a JSON object");
    // Fields are written as they come; if they came out of number order,
    // they are put in it afterwards (this tool and protobuf write them in order).
    if (depth_ == pieces_.size()) pieces_.emplace_back();
    std::vector<piece>& pieces = pieces_[depth_];
    pieces.clear();
    std::bitset<max_field_number + 1> seen;
    bool sorted = true;
    const std::size_t start = end_;
    std::size_t next = 0;
    ++depth_;
    struct leave {
      std::size_t& depth;
      ~leave() { --depth; }
    } on_return{depth_};
    for (auto member : object) {
      simdjson::ondemand::raw_json_string key;
      if (member.key().get(key) != simdjson::SUCCESS) return fail(type.name, "bad key");
      const schema::field* f = find(type, key, next);
      if (f == nullptr) return fail(type.name, ("unknown field \"" + key_text(key) + "\"").c_str());
      if (seen[static_cast<std::size_t>(f->number)]) {
        return fail(type.name, ("field \"" + key_text(key) + "\" given twice").c_str());
      }
      seen[static_cast<std::size_t>(f->number)] = true;
      simdjson::ondemand::value v;
      if (member.value().get(v) != simdjson::SUCCESS) return fail(type.name, "bad value");
      const std::size_t before = end_;
      if (!field(*f, v)) return false;
      sorted = sorted && (pieces.empty() || pieces.back().number < f->number);
      pieces.push_back({f->number, before - start, end_ - before});
    }
    if (!sorted) {
      std::stable_sort(pieces.begin(), pieces.end(), [](const piece& a, const piece& b) { return a.number < b.number; });
      std::string ordered;
      for (const piece& p : pieces) ordered.append(out_, start + p.offset, p.size);
      std::memcpy(out_.data() + start, ordered.data(), ordered.size());
    }
    return true;
  }

 private:
  struct piece {
    int number;
    std::size_t offset, size;
  };

  // Room for `n` more bytes at the end; the string grows by doubling and is
  // cut to size when the reader is done.
  char* reserve(std::size_t n) {
    if (out_.size() - end_ < n) out_.resize(std::max(2 * out_.size(), end_ + n + 4096));
    return out_.data() + end_;
  }
  void put_tag(int number, unsigned type) {
    end_ = static_cast<std::size_t>(
        write_varint(reserve(10), (static_cast<std::uint64_t>(number) << 3) | type) - out_.data());
  }
  void put_varint(std::uint64_t value) {
    end_ = static_cast<std::size_t>(write_varint(reserve(10), value) - out_.data());
  }
  void put_bytes(std::string_view bytes) {
    std::memcpy(reserve(bytes.size()), bytes.data(), bytes.size());
    end_ += bytes.size();
  }
  // A length-delimited body written in place: room for a 5-byte length
  // first, closed up once the body's size is known.
  std::size_t open_length() {
    reserve(5);
    end_ += 5;
    return end_;
  }
  void close_length(std::size_t body) {
    const std::size_t size = end_ - body;
    char length[10];
    const auto n = static_cast<std::size_t>(write_varint(length, size) - length);
    char* at = out_.data() + body - 5;
    std::memcpy(at, length, n);
    if (n != 5) std::memmove(at + n, out_.data() + body, size);
    end_ -= 5 - n;
  }

  bool fail(std::string_view where, const char* what) {
    error_ = std::string(where) + ": " + what;
    return false;
  }
  bool fail(const schema::field& f, const char* what) {
    error_ = std::string(f.json_name) + ": " + what;
    return false;
  }

  // A key as written (for messages): up to its closing quote.
  static std::string key_text(simdjson::ondemand::raw_json_string key) {
    std::string text;
    for (const char* p = key.raw(); *p != '"'; ++p) {
      if (*p == '\\' && p[1] != '\0') text += *p++;
      text += *p;
    }
    return text;
  }

  // Fields come in schema order: the search starts after the previous one.
  // Names in the schema need no escaping, so the raw key compares as is.
  static const schema::field* find(const schema::message_type& type, simdjson::ondemand::raw_json_string key,
                                   std::size_t& next) {
    const std::size_t count = type.fields.size();
    for (std::size_t k = 0; k < count; ++k) {
      const std::size_t i = (next + k) % count;
      const schema::field& f = type.fields[i];
      if (key.unsafe_is_equal(f.json_name) || key.unsafe_is_equal(f.proto_name)) {
        next = i + 1;
        return &f;
      }
    }
    return nullptr;
  }

  bool field(const schema::field& f, simdjson::ondemand::value v) {
    simdjson::ondemand::json_type type;
    if (v.type().get(type) != simdjson::SUCCESS) return fail(f, "bad value");
    if (type == simdjson::ondemand::json_type::null) return true;  // null: the default, absent
    if (!f.repeated) return scalar(f, v, type, true);
    simdjson::ondemand::array array;
    if (v.get_array().get(array) != simdjson::SUCCESS) return fail(f, "expected an array");
    const bool packed = expected_wire_type(f) == varint;
    const std::size_t field_start = end_;
    std::size_t body = 0;
    if (packed) {
      put_tag(f.number, length_delimited);
      body = open_length();
    }
    for (auto element : array) {
      simdjson::ondemand::value item;
      simdjson::ondemand::json_type item_type;
      if (element.get(item) != simdjson::SUCCESS || item.type().get(item_type) != simdjson::SUCCESS) {
        return fail(f, "bad array element");
      }
      if (!scalar(f, item, item_type, !packed)) return false;
    }
    if (packed) {
      if (end_ == body) {
        end_ = field_start;  // an empty list is not written
      } else {
        close_length(body);
      }
    }
    return true;
  }

  // One value; with `tagged`, preceded by its tag (and omitted when a
  // field without presence holds its default, as protobuf serializes).
  bool scalar(const schema::field& f, simdjson::ondemand::value v, simdjson::ondemand::json_type type,
              bool tagged) {
    const bool skip_default = tagged && !f.explicit_presence && !f.repeated;
    switch (f.kind) {
      case kind::int32:
      case kind::int64:
      case kind::uint32:
      case kind::uint64:
      case kind::enumeration: {
        std::uint64_t raw = 0;
        if (!integer(f, v, type, raw)) return false;
        if (skip_default && raw == 0) return true;
        char* p = reserve(20);
        if (tagged) p = write_varint(p, (static_cast<std::uint64_t>(f.number) << 3) | varint);
        end_ = static_cast<std::size_t>(write_varint(p, raw) - out_.data());
        return true;
      }
      case kind::boolean: {
        bool b = false;
        if (v.get_bool().get(b) != simdjson::SUCCESS) return fail(f, "expected true or false");
        if (skip_default && !b) return true;
        if (tagged) put_tag(f.number, varint);
        put_varint(b ? 1 : 0);
        return true;
      }
      case kind::float64: {
        double d = 0;
        if (!floating(f, v, type, d)) return false;
        const auto bits = std::bit_cast<std::uint64_t>(d);
        if (skip_default && bits == 0) return true;
        if (tagged) put_tag(f.number, fixed64);
        char* p = reserve(8);
        for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(bits >> (8 * i));
        end_ += 8;
        return true;
      }
      case kind::string: {
        std::string_view text;
        if (v.get_string().get(text) != simdjson::SUCCESS) return fail(f, "expected a string");
        if (skip_default && text.empty()) return true;
        put_tag(f.number, length_delimited);
        put_varint(text.size());
        put_bytes(text);
        return true;
      }
      case kind::bytes: {
        std::string_view text;
        if (v.get_string().get(text) != simdjson::SUCCESS) return fail(f, "expected a string");
        if (text.find_first_of(".:") != std::string_view::npos) {  // an address as text: never base64
          std::array<char, 16> octets{};
          std::array<char, INET6_ADDRSTRLEN> copy{};
          if (text.size() >= copy.size()) return fail(f, "not an address");
          std::copy(text.begin(), text.end(), copy.begin());
          const bool v4 = text.find(':') == std::string_view::npos;
          if (inet_pton(v4 ? AF_INET : AF_INET6, copy.data(), octets.data()) != 1) return fail(f, "not an address");
          put_tag(f.number, length_delimited);
          put_varint(v4 ? 4 : 16);
          put_bytes({octets.data(), v4 ? 4u : 16u});
          return true;
        }
        text = strip_padding(text);
        const std::size_t size = text.size() * 6 / 8;
        if (skip_default && size == 0) return true;
        put_tag(f.number, length_delimited);
        put_varint(size);
        char* end = decode_base64(text, reserve(size));
        if (end == nullptr) return fail(f, "not base64");
        end_ = static_cast<std::size_t>(end - out_.data());
        return true;
      }
      case kind::message: {
        put_tag(f.number, length_delimited);
        const std::size_t body = open_length();
        if (!message(v, *f.message)) return false;
        close_length(body);
        return true;
      }
    }
    return fail(f, "unsupported field type");
  }

  // An integer from a JSON number or a string holding one (proto3 JSON
  // writes 64-bit integers as strings); an enum also by name.
  bool integer(const schema::field& f, simdjson::ondemand::value v, simdjson::ondemand::json_type type,
               std::uint64_t& raw) {
    const bool quoted = type == simdjson::ondemand::json_type::string;
    if (!quoted && type != simdjson::ondemand::json_type::number) return fail(f, "expected a number");
    if (f.kind == kind::enumeration && quoted) {
      std::string_view name;
      if (v.get_string().get(name) != simdjson::SUCCESS) return fail(f, "bad string");
      for (const auto& e : f.values) {
        if (e.name == name) {
          raw = static_cast<std::uint64_t>(static_cast<std::int64_t>(e.number));
          return true;
        }
      }
      return fail(f, ("unknown value \"" + std::string(name) + "\"").c_str());
    }
    if (f.kind == kind::int32 || f.kind == kind::int64 || f.kind == kind::enumeration) {
      std::int64_t value = 0;
      if ((quoted ? v.get_int64_in_string() : v.get_int64()).get(value) != simdjson::SUCCESS) {
        return fail(f, "not an integer in range");
      }
      if (f.kind != kind::int64 && (value < INT32_MIN || value > INT32_MAX)) return fail(f, "out of range");
      raw = static_cast<std::uint64_t>(value);
      return true;
    }
    if ((quoted ? v.get_uint64_in_string() : v.get_uint64()).get(raw) != simdjson::SUCCESS) {
      return fail(f, "not an integer in range");
    }
    if (f.kind == kind::uint32 && raw > UINT32_MAX) return fail(f, "out of range");
    return true;
  }

  bool floating(const schema::field& f, simdjson::ondemand::value v, simdjson::ondemand::json_type type,
                double& d) {
    if (type == simdjson::ondemand::json_type::string) {
      std::string_view text;
      if (v.get_string().get(text) != simdjson::SUCCESS) return fail(f, "bad string");
      if (text == "NaN") {
        d = std::numeric_limits<double>::quiet_NaN();
      } else if (text == "Infinity") {
        d = std::numeric_limits<double>::infinity();
      } else if (text == "-Infinity") {
        d = -std::numeric_limits<double>::infinity();
      } else {
        return fail(f, "not a number");
      }
      return true;
    }
    if (v.get_double().get(d) != simdjson::SUCCESS) return fail(f, "expected a number");
    return true;
  }

  static constexpr std::size_t max_field_number = 511;
  static_assert(std::size(schema::TcpSocketRecord_by_number) <= max_field_number + 1);

  std::string& out_;
  std::size_t end_;  // out_'s bytes past end_ are room, not content
  std::string& error_;
  std::deque<std::vector<piece>> pieces_;  // one list per nesting depth, reused (stable addresses)
  std::size_t depth_ = 0;
};

}  // namespace

bool wire_to_json(std::string_view wire, const schema::message_type& type, json_names names, std::string& out,
                  std::string& error, json_addresses addresses) {
  wire_reader reader(names, addresses, &out, error);
  return reader.message(wire, 0, type);
}

bool validate_wire(std::string_view wire, const schema::message_type& type, std::string& error) {
  wire_reader reader(json_names::camel, json_addresses::base64, nullptr, error);
  return reader.message(wire, 0, type);
}

bool json_to_wire(simdjson::ondemand::value value, const schema::message_type& type, std::string& out,
                  std::string& error) {
  std::size_t size = out.size();
  const bool ok = json_to_wire(value, type, out, size, error);
  out.resize(size);
  return ok;
}

bool json_to_wire(simdjson::ondemand::value value, const schema::message_type& type, std::string& buffer,
                  std::size_t& size, std::string& error) {
  json_reader reader(buffer, size, error);
  const bool ok = reader.message(value, type);
  size = reader.end();
  return ok;
}

}  // namespace tcpstats::reader
