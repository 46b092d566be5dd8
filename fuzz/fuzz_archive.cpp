// tcpstats-reader --input on arbitrary bytes: the archive reader (format
// and compression detection, frames, JSON Lines through simdjson) and the
// schema-driven conversion. Every batch it hands out is valid: it prints as
// JSON, and that JSON reads back to bytes that print the same JSON again.
// Read again under limits small enough to reach (line and frame size,
// empty batches in a row, decompression ratio), the archive gives the same
// batches up to where a limit stops it, with one error line saying so.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "archive/archive.hpp"
#include "codec/proto_json.hpp"

namespace reader = tcpstats::reader;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fd = memfd_create("archive", MFD_CLOEXEC);
  if (fd < 0 || write(fd, data, size) != static_cast<ssize_t>(size)) std::abort();
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  reader::archive_reader archive;
  std::string error;
  if (!archive.open(path, error)) std::abort();
  simdjson::ondemand::parser parser;
  std::string_view batch;
  std::vector<std::string> batches;
  while (archive.next(batch, error)) {
    batches.emplace_back(batch);
    std::string json;
    if (!reader::wire_to_json(batch, reader::schema::BatchMessage_type, reader::json_names::camel, json, error)) {
      std::abort();  // the reader checked the batch against the schema
    }
    const simdjson::padded_string padded(json);
    simdjson::ondemand::document doc;
    simdjson::ondemand::value value;
    if (parser.iterate(padded).get(doc) != simdjson::SUCCESS || doc.get_value().get(value) != simdjson::SUCCESS) {
      std::abort();
    }
    std::string wire, again;
    if (!reader::json_to_wire(value, reader::schema::BatchMessage_type, wire, error)) std::abort();
    if (!reader::wire_to_json(wire, reader::schema::BatchMessage_type, reader::json_names::camel, again, error) ||
        again != json) {
      std::abort();
    }
  }
  // The end, or one error line naming the archive.
  if (!error.empty() && (error.find('\n') != std::string::npos || error.rfind("/proc/self/fd/", 0) != 0)) std::abort();

  reader::archive_limits small;
  small.max_batch_bytes = 1024;
  small.max_empty_run = 3;
  small.ratio_from = 4096;
  small.max_ratio = 8;
  reader::archive_reader limited(small);
  std::string limited_error;
  if (lseek(fd, 0, SEEK_SET) != 0 || !limited.open(path, limited_error)) std::abort();
  std::size_t n = 0;
  for (; limited.next(batch, limited_error); ++n) {
    if (n >= batches.size() || batch != batches[n]) std::abort();  // the same batches, in order
  }
  if (n < batches.size() && limited_error.empty()) std::abort();  // stopped early, silently
  if (!limited_error.empty() && (limited_error.find('\n') != std::string::npos || limited_error.rfind(path, 0) != 0)) {
    std::abort();
  }
  // What stopped it early, when the archive itself is fine, is a limit.
  if (error.empty() && !limited_error.empty() && limited_error.find("limit") == std::string::npos &&
      limited_error.find("empty batches") == std::string::npos && limited_error.find("times its size") == std::string::npos) {
    std::abort();
  }
  close(fd);
  return 0;
}
