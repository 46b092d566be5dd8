#pragma once
// Text that another user or the kernel chose (process names, interface and
// congestion-control names, hostnames from meta files, archive contents,
// file names), made safe to show at a terminal: nothing in it can move the
// cursor, clear the screen, set the title, ring the bell or reorder the
// line. Every such string goes through printable() before it reaches the
// table or an error message (docs/security.md).
//
// Each byte of these is written as \xNN, so the text stays on one line and
// takes no more columns than it has bytes:
//   C0 controls and DEL; C1 controls (U+0080..U+009F: CSI, OSC... for
//   8-bit terminals); bidirectional marks, overrides and isolates and the
//   line and paragraph separators (they rearrange what follows); every byte
//   that is not part of valid UTF-8 (RFC 3629: no overlong forms,
//   surrogates or code points above U+10FFFF).
// Everything else, valid UTF-8 included, is kept. A backslash is kept too,
// so printable(printable(x)) == printable(x): a layer that is not sure
// whether text was made printable may do it again.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tcpstats/utf8.hpp"

namespace tcpstats::reader {

namespace detail {

constexpr std::uint32_t utf8_code_point(std::string_view text, std::size_t i, std::size_t length) noexcept {
  const auto byte = [text](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(text[k])); };
  if (length == 1) return byte(i);
  std::uint32_t cp = byte(i) & (0x7Fu >> length);
  for (std::size_t k = 1; k < length; ++k) cp = (cp << 6) | (byte(i + k) & 0x3Fu);
  return cp;
}

// Code points a terminal acts on rather than shows.
constexpr bool is_terminal_control(std::uint32_t cp) noexcept {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
         (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

constexpr char hex_digit(unsigned value) noexcept { return "0123456789abcdef"[value & 0xF]; }

}  // namespace detail

// Appends `text` to `out` with the escapes above.
inline void append_printable(std::string& out, std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    // The common case, plain printable ASCII, in runs.
    std::size_t run = i;
    while (run < text.size() && static_cast<unsigned char>(text[run]) >= 0x20 &&
           static_cast<unsigned char>(text[run]) < 0x7F) {
      ++run;
    }
    out.append(text.substr(i, run - i));
    i = run;
    if (i == text.size()) break;
    const std::size_t length = utf8_sequence_length(text, i);
    if (length != 0 && !detail::is_terminal_control(detail::utf8_code_point(text, i, length))) {
      out.append(text.substr(i, length));
      i += length;
      continue;
    }
    for (std::size_t k = 0; k < (length == 0 ? 1 : length); ++k) {
      const auto c = static_cast<unsigned char>(text[i + k]);
      out += "\\x";
      out += detail::hex_digit(c >> 4);
      out += detail::hex_digit(c);
    }
    i += length == 0 ? 1 : length;
  }
}

// True when append_printable would copy `text` unchanged.
[[nodiscard]] inline bool is_printable(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {
      ++i;
      continue;
    }
    const std::size_t length = utf8_sequence_length(text, i);
    if (length < 2 || detail::is_terminal_control(detail::utf8_code_point(text, i, length))) return false;
    i += length;
  }
  return true;
}

[[nodiscard]] inline std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_printable(out, text);
  return out;
}

// In place; no copy when there is nothing to escape.
inline void make_printable(std::string& text) {
  if (!is_printable(text)) text = printable(text);
}

}  // namespace tcpstats::reader
