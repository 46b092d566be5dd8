#pragma once
// What the CLI tests share: tcpstats-reader's output read back with
// protobuf's own parsers (strict JSON Lines, delimited frames), a scratch
// directory, and whole-file reads and writes.

#include <stdlib.h>

#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <google/protobuf/util/json_util.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "tcp_stats.pb.h"

namespace tcpstats::test {

// One BatchMessage per line; unknown field names are errors.
inline std::vector<tcpstats_reader::BatchMessage> parse_jsonl(const std::string& text) {
  std::vector<tcpstats_reader::BatchMessage> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    tcpstats_reader::BatchMessage batch;
    const auto status = google::protobuf::util::JsonStringToMessage(line, &batch, {});
    INFO(line.substr(0, 200));
    REQUIRE(status.ok());
    out.push_back(batch);
  }
  return out;
}

// Length-delimited frames; the bytes must end between two frames.
inline std::vector<tcpstats_reader::BatchMessage> parse_frames(const std::string& bytes) {
  std::vector<tcpstats_reader::BatchMessage> out;
  google::protobuf::io::ArrayInputStream input(bytes.data(), static_cast<int>(bytes.size()));
  for (;;) {
    tcpstats_reader::BatchMessage batch;
    bool clean_eof = false;
    if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(&batch, &input, &clean_eof)) {
      REQUIRE(clean_eof);
      return out;
    }
    out.push_back(batch);
  }
}

// A directory of its own under the system's temporary directory, removed
// with everything in it.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tcpstats-test-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  [[nodiscard]] std::string operator/(const std::string& name) const { return (path / name).string(); }
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace tcpstats::test
