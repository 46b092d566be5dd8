// tcpstats-reader --input on arbitrary bytes: the archive reader (format
// and compression detection, frames, JSON Lines through simdjson) and the
// schema-driven conversion. Every batch it hands out is valid: it prints as
// JSON, and that JSON reads back to bytes that print the same JSON again.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "archive/archive.hpp"
#include "codec/proto_json.hpp"

namespace reader = tcpstats::reader;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fd = memfd_create("archive", MFD_CLOEXEC);
  if (fd < 0 || write(fd, data, size) != static_cast<ssize_t>(size)) std::abort();
  reader::archive_reader archive;
  std::string error;
  if (!archive.open("/proc/self/fd/" + std::to_string(fd), error)) std::abort();
  simdjson::ondemand::parser parser;
  std::string_view batch;
  while (archive.next(batch, error)) {
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
  close(fd);
  return 0;
}
