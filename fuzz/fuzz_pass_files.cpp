// --replay's files on arbitrary bytes: a dump and its side files
// (.meta.json, .tcp_stats, .snmp, .kern_file, .tcp_states, .commands)
// written as real files and read the way the tool reads them (bounded,
// regular files only), under limits small enough for fuzz inputs to reach.
// Input: byte 0 chooses the platform (0 macOS, 1 Linux, 2 FreeBSD, modulo
// 3), then sections [kind byte: file, modulo 7][u16 LE length][bytes].
// Checks: a file over its limit fails the read, naming it; any failure is
// one line naming a file of the pass; a pass that decodes gives a batch
// whose JSON Lines and binary forms protobuf reads as the same message.
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "output/batch_writer.hpp"
#include "pipeline/decode.hpp"
#include "sources/capture.hpp"
#include "tcp_stats.pb.h"

namespace reader = tcpstats::reader;
namespace fs = std::filesystem;

namespace {

// pass_file_limits' files, with limits a fuzz input can reach.
constexpr reader::pass_file_limit small_limits[] = {
    {"", 16384, "dump"},           {".meta.json", 512, "meta file"},       {".tcp_stats", 2048, "tcp_stats file"},
    {".snmp", 2048, "snmp file"},  {".kern_file", 4096, "kern_file file"}, {".tcp_states", 256, "tcp_states file"},
    {".commands", 1024, "commands file"},          {".events", 4096, "destroy events file"},
};
static_assert(std::size(small_limits) == std::size(reader::pass_file_limits));

const fs::path& scratch() {
  static const fs::path dir = [] {
    std::string pattern = (fs::temp_directory_path() / "fuzz-pass-files-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    return fs::path(pattern);
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const reader::platform platforms[] = {reader::platform::macos, reader::platform::linux_, reader::platform::freebsd};
  const reader::platform source = platforms[data[0] % 3];
  std::optional<std::string> contents[std::size(small_limits)];
  for (std::size_t at = 1; at + 3 <= size;) {
    const std::size_t kind = data[at] % std::size(small_limits);
    const std::size_t length = std::min<std::size_t>(data[at + 1] | (data[at + 2] << 8), size - at - 3);
    contents[kind] = std::string(reinterpret_cast<const char*>(data + at + 3), length);
    at += 3 + length;
  }
  if (!contents[0]) contents[0] = "";
  const std::string path = (scratch() / "pass.dump").string();
  for (std::size_t k = 0; k < std::size(small_limits); ++k) {
    const std::string name = path + small_limits[k].suffix;
    fs::remove(name);
    if (contents[k]) std::ofstream(name, std::ios::binary) << *contents[k];
  }

  std::string error;
  bool malformed = false;
  const auto raw = reader::read_raw_pass(path, error, malformed, small_limits);
  if (!raw) {
    if (error.empty() || error.find('\n') != std::string::npos || error.rfind(path, 0) != 0) std::abort();
    return 0;
  }
  for (std::size_t k = 0; k < std::size(small_limits); ++k) {
    if (contents[k] && contents[k]->size() > small_limits[k].max_bytes) std::abort();  // read despite its limit
  }
  reader::pass p;
  if (!reader::decode_raw_pass(*raw, source, p, error)) {
    if (error.empty() || error.find('\n') != std::string::npos) std::abort();
    return 0;
  }
  const reader::run_context run{1, 1000, std::nullopt, std::nullopt};
  const std::string line = reader::encode_batch(p, run, std::nullopt, reader::output_format::jsonl);
  const std::string frame = reader::encode_batch(p, run, std::nullopt, reader::output_format::binary);
  tcpstats_reader::BatchMessage from_json, from_binary;
  if (!google::protobuf::util::JsonStringToMessage(line, &from_json).ok()) std::abort();
  google::protobuf::io::ArrayInputStream input(frame.data(), static_cast<int>(frame.size()));
  bool clean_eof = false;
  if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(&from_binary, &input, &clean_eof)) std::abort();
  if (!google::protobuf::util::MessageDifferencer::Equals(from_json, from_binary)) std::abort();
  return 0;
}
