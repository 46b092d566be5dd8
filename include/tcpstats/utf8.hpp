#pragma once
// UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing
// above U+10FFFF. The one rule every check of untrusted text here uses
// (short_name::from_untrusted, and the reader's output and archive checks).

#include <cstddef>
#include <string_view>

namespace tcpstats {

// The length (1..4) of the valid UTF-8 sequence that starts at text[i], or
// 0 when none does. Requires i < text.size().
[[nodiscard]] constexpr std::size_t utf8_sequence_length(std::string_view text, std::size_t i) noexcept {
  const auto byte = [text](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned lead = byte(i);
  const std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xe ? 3 : (lead >> 3) == 0x1e ? 4 : 0;
  if (length == 0 || length > text.size() - i) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0u) != 0x80u) return 0;
  }
  const unsigned next = length > 1 ? byte(i + 1) : 0;
  if (length == 2 && lead < 0xC2) return 0;
  if (length == 3 && ((lead == 0xE0 && next < 0xA0) || (lead == 0xED && next >= 0xA0))) return 0;
  if (length == 4 && (lead > 0xF4 || (lead == 0xF0 && next < 0x90) || (lead == 0xF4 && next >= 0x90))) return 0;
  return length;
}

// Whether all of `text` is valid UTF-8.
[[nodiscard]] constexpr bool is_valid_utf8(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

}  // namespace tcpstats
