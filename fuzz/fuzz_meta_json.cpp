// tcpstats-reader's FILE.meta.json parser on arbitrary text: a meta or one
// error line, and a parsed meta formats to text that parses to the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sources/meta_file.hpp"

namespace reader = tcpstats::reader;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::string error;
  const auto meta = reader::parse_meta(text, error);
  if (!meta) {
    if (error.empty() || error.find('\n') != std::string::npos) std::abort();
    return 0;
  }
  const std::string again = reader::format_meta(*meta);
  std::string error2;
  const auto reparsed = reader::parse_meta(again, error2);
  if (!reparsed) std::abort();
  if (reparsed->hostname != meta->hostname || reparsed->timestamp_ns != meta->timestamp_ns ||
      reparsed->os_release != meta->os_release || reparsed->source != meta->source ||
      reparsed->tcp_now_ms != meta->tcp_now_ms || reparsed->events_dropped != meta->events_dropped) {
    std::abort();
  }
  return 0;
}
