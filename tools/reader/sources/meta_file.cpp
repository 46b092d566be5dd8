#include "sources/meta_file.hpp"

#include <simdjson.h>

#include <charconv>
#include <cstdint>

namespace tcpstats::reader {

std::optional<platform> platform_from_name(std::string_view name) {
  if (name == "macos") return platform::macos;
  if (name == "freebsd") return platform::freebsd;
  if (name == "linux") return platform::linux_;
  return std::nullopt;
}

std::string_view platform_name(platform p) {
  switch (p) {
    case platform::macos: return "macos";
    case platform::freebsd: return "freebsd";
    case platform::linux_: return "linux";
    case platform::unknown: break;
  }
  return "unknown";
}

namespace {

// A non-negative integer given as a JSON number or a decimal string (as
// proto3 JSON writes 64-bit values).
bool read_u64(simdjson::dom::element value, std::uint64_t& out) {
  if (value.is_uint64()) {
    out = value.get_uint64().value_unsafe();
    return true;
  }
  if (value.is_string()) {
    const std::string_view text = value.get_string().value_unsafe();
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
  }
  return false;
}

}  // namespace

std::optional<pass_meta> parse_meta(std::string_view json, std::string& error) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (const auto code = parser.parse(padded).get(root); code != simdjson::SUCCESS) {
    error = std::string("not valid JSON: ") + simdjson::error_message(code);
    return std::nullopt;
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    error = "not a JSON object";
    return std::nullopt;
  }
  pass_meta meta;
  for (const auto field : object) {
    const std::string_view key = field.key;
    const auto bad = [&](std::string_view expected) {
      error = "key \"" + std::string(key) + "\" must be " + std::string(expected);
      return std::nullopt;
    };
    std::uint64_t number = 0;
    if (key == "hostname" || key == "os_version" || key == "os_release" || key == "tool_version" ||
        key == "source" || key == "table") {
      if (!field.value.is_string()) return bad("a string");
      const std::string text(field.value.get_string().value_unsafe());
      if (key == "hostname") meta.hostname = text;
      if (key == "os_version") meta.os_version = text;
      if (key == "os_release") meta.os_release = text;
      if (key == "tool_version") meta.tool_version = text;
      if (key == "table") {
        if (text != "pcblist" && text != "dev_tcpstats") return bad("\"pcblist\" or \"dev_tcpstats\"");
        meta.table = text;
      }
      if (key == "source") {
        meta.source = platform_from_name(text);
        if (!meta.source) return bad("\"macos\", \"freebsd\" or \"linux\"");
      }
    } else if (key == "timestamp_ns" || key == "collection_duration_ns" || key == "events_dropped") {
      if (!read_u64(field.value, number)) return bad("a non-negative integer");
      (key == "timestamp_ns" ? meta.timestamp_ns
       : key == "events_dropped" ? meta.events_dropped
                                 : meta.collection_duration_ns) = number;
    } else if (key == "tcp_now_ms") {
      if (!read_u64(field.value, number) || number > UINT32_MAX) return bad("an unsigned 32-bit integer");
      meta.tcp_now_ms = static_cast<std::uint32_t>(number);
    }
  }
  return meta;
}

namespace {

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

std::string format_meta(const pass_meta& meta) {
  std::string out = "{";
  bool first = true;
  const auto key = [&](std::string_view name) {
    if (!first) out += ",";
    first = false;
    out += "\n  ";
    append_json_string(out, name);
    out += ": ";
  };
  const auto text = [&](std::string_view name, const std::optional<std::string>& value) {
    if (!value) return;
    key(name);
    append_json_string(out, *value);
  };
  const auto number = [&](std::string_view name, const auto& value) {
    if (!value) return;
    key(name);
    out += std::to_string(*value);
  };
  text("hostname", meta.hostname);
  text("os_version", meta.os_version);
  text("os_release", meta.os_release);
  number("timestamp_ns", meta.timestamp_ns);
  if (meta.source) text("source", std::string(platform_name(*meta.source)));
  number("tcp_now_ms", meta.tcp_now_ms);
  number("collection_duration_ns", meta.collection_duration_ns);
  text("tool_version", meta.tool_version);
  text("table", meta.table);
  number("events_dropped", meta.events_dropped);
  out += "\n}\n";
  return out;
}

}  // namespace tcpstats::reader
