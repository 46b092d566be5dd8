#pragma once
// Text from others made valid UTF-8 for what must carry it (protobuf
// strings, Prometheus label values): each byte that starts no valid
// sequence becomes '?', by the one rule of tcpstats/utf8.hpp.

#include <cstddef>
#include <string>
#include <string_view>

#include "tcpstats/utf8.hpp"

namespace tcpstats::reader {

// `text` itself when it is valid UTF-8; otherwise a copy in `storage` with
// '?' for each byte that is not part of a valid sequence.
inline std::string_view valid_utf8(std::string_view text, std::string& storage) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) break;
    i += length;
  }
  if (i == text.size()) return text;
  storage.assign(text.substr(0, i));
  while (i < text.size()) {
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) {
      storage += '?';
      ++i;
    } else {
      storage.append(text.substr(i, length));
      i += length;
    }
  }
  return storage;
}

}  // namespace tcpstats::reader
