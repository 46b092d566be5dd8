// --input: archives this tool wrote, read back in every format and
// compression, re-emitted losslessly (binary -> JSON Lines -> binary gives
// the same bytes), through filters, in both JSON name styles (checked with
// protobuf's own parser and printer), and malformed archives as errors
// with a line number or byte offset.
#include <catch2/catch.hpp>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "batches.hpp"
#include "subprocess.hpp"
#include "tcp_stats.pb.h"

namespace pb = tcpstats_reader;
namespace fs = std::filesystem;
using tcpstats::test::parse_frames;
using tcpstats::test::run_process;
using tcpstats::test::temp_dir;
using tcpstats::test::read_file;
using tcpstats::test::write_file;

namespace {

const std::string tool = TCPSTATS_READER;
const std::string data = std::string(TCPSTATS_TEST_DATA);

std::string run_ok(const std::vector<std::string>& args) {
  const auto result = run_process(args);
  INFO(result.err);
  REQUIRE(result.exit_status == 0);
  return result.out;
}

// Writes an archive of several passes (macOS sample and layout generations
// with --deltas, so closed records and rates are in it; a Linux capture).
std::string make_binary_archive(const temp_dir& dir) {
  std::vector<std::string> args{tool, "--deltas", "-f", "binary", "-o", dir / "a.bin", "--replay",
                                data + "/xnu/sample-macos15.pcblist_n"};
  for (const auto& entry : fs::directory_iterator(data + "/xnu")) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("gen-", 0) == 0 && name.size() > 10 && name.substr(name.size() - 10) == ".pcblist_n") {
      args.push_back(entry.path().string());
    }
  }
  args.push_back(data + "/linux/tool-capture.netlink");
  run_ok(args);
  return dir / "a.bin";
}

std::string error_of(const std::vector<std::string>& args, int status = 1) {
  const auto result = run_process(args);
  CHECK(result.exit_status == status);
  return result.err;
}

}  // namespace

TEST_CASE("archives round-trip losslessly between formats and compressions", "[reader][archive]") {
  temp_dir dir;
  const std::string binary_path = make_binary_archive(dir);
  const std::string binary = read_file(binary_path);
  const auto batches = parse_frames(binary);
  REQUIRE(batches.size() >= 8);

  // binary -> JSON Lines: what protobuf prints for the same messages.
  const std::string jsonl = run_ok({tool, "--input", binary_path});
  const auto from_json = tcpstats::test::parse_jsonl(jsonl);
  REQUIRE(from_json.size() == batches.size());
  std::istringstream lines(jsonl);
  for (const auto& batch : batches) {
    std::string line, printed;
    std::getline(lines, line);
    REQUIRE(google::protobuf::util::MessageToJsonString(batch, &printed).ok());
    CHECK(line == printed);
  }
  write_file(dir / "a.jsonl", jsonl);

  // JSON Lines -> binary: the same bytes; and JSON Lines -> JSON Lines too.
  CHECK(run_ok({tool, "--input", dir / "a.jsonl", "-f", "binary"}) == binary);
  CHECK(run_ok({tool, "--input", dir / "a.jsonl"}) == jsonl);

  // Compressed, and from standard input.
  REQUIRE(std::system(("gzip -k " + dir / "a.jsonl").c_str()) == 0);
  REQUIRE(std::system(("zstd -q " + binary_path).c_str()) == 0);
  CHECK(run_ok({tool, "--input", dir / "a.jsonl.gz", "-f", "binary"}) == binary);
  CHECK(run_ok({tool, "--input", dir / "a.bin.zst"}) == jsonl);
  CHECK(run_ok({"/bin/sh", "-c", "cat " + dir / "a.bin.zst" + " | " + tool + " --input - -f binary"}) == binary);
  // Concatenated gzip members, and two archives in a row.
  REQUIRE(std::system(("cat " + dir / "a.jsonl.gz" + " " + dir / "a.jsonl.gz" + " > " + dir / "twice.gz").c_str()) == 0);
  CHECK(run_ok({tool, "--input", dir / "twice.gz", "-f", "binary"}) == binary + binary);
  CHECK(run_ok({tool, "--input", binary_path, dir / "a.jsonl", "-f", "binary"}) == binary + binary);
}

TEST_CASE("--json-names proto writes the .proto's names; the reader takes both", "[reader][archive]") {
  temp_dir dir;
  const std::string binary_path = make_binary_archive(dir);
  const auto batches = parse_frames(read_file(binary_path));
  const std::string proto_json = run_ok({tool, "--input", binary_path, "--json-names", "proto"});
  google::protobuf::util::JsonPrintOptions proto_names;
  proto_names.preserve_proto_field_names = true;
  std::istringstream lines(proto_json);
  for (const auto& batch : batches) {
    std::string line, printed;
    std::getline(lines, line);
    REQUIRE(google::protobuf::util::MessageToJsonString(batch, &printed, proto_names).ok());
    CHECK(line == printed);
  }
  write_file(dir / "proto.jsonl", proto_json);
  CHECK(run_ok({tool, "--input", dir / "proto.jsonl", "-f", "binary"}) == read_file(binary_path));

  // Live output with proto names is the same conversion.
  const std::string replayed =
      run_ok({tool, "--json-names", "proto", "--replay", data + "/xnu/sample-macos15.pcblist_n"});
  CHECK(replayed.find("\"local_port\":53122") != std::string::npos);
  CHECK(replayed.find("localPort") == std::string::npos);
  CHECK(error_of({tool, "--json-names", "proto", "-f", "binary", "--once"}, 2).find(
            "--json-names applies to --format jsonl only") != std::string::npos);
}

TEST_CASE("archives go through the filters and the table", "[reader][archive]") {
  temp_dir dir;
  const std::string binary_path = make_binary_archive(dir);
  const auto all = parse_frames(read_file(binary_path));
  const auto kept = parse_frames(run_ok({tool, "--input", binary_path, "-f", "binary", "--port", "443", "-4"}));
  REQUIRE(kept.size() == all.size());
  std::size_t total = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    int expected = 0;
    for (const auto& r : all[i].records()) {
      expected += (r.local_port() == 443 || r.remote_port() == 443) && r.ip_version() == pb::IP_VERSION_4;
    }
    CHECK(kept[i].records_size() == expected);
    total += static_cast<std::size_t>(expected);
    // Metadata and summary as archived.
    CHECK(google::protobuf::util::MessageDifferencer::Equals(kept[i].metadata(), all[i].metadata()));
    CHECK(google::protobuf::util::MessageDifferencer::Equals(kept[i].summary(), all[i].summary()));
  }
  CHECK(total > 0);
  const auto summaries = parse_frames(run_ok({tool, "--input", binary_path, "-f", "binary", "--summary-only"}));
  for (const auto& batch : summaries) CHECK(batch.records_size() == 0);

  const std::string table = run_ok({"/usr/bin/env", "COLUMNS=200", tool, "--input", binary_path, "-f", "table",
                                    "--src", "192.168.1.0/24"});
  CHECK(table.find("192.168.1.23:53122") != std::string::npos);
  CHECK(table.find("GONE") != std::string::npos);  // closed records of --deltas
  CHECK(table.find("[::]:22") == std::string::npos);
}

TEST_CASE("a binary frame of 123 bytes is not mistaken for JSON", "[reader][archive]") {
  temp_dir dir;
  // Length 123 ('{'), then metadata (field 1) holding a 119-byte hostname.
  const std::string frame = std::string("\x7b\x0a\x79\x12\x77", 5) + std::string(119, 'x');
  write_file(dir / "small.bin", frame);
  CHECK(run_ok({tool, "--input", dir / "small.bin"}) == "{\"metadata\":{\"hostname\":\"" + std::string(119, 'x') + "\"}}\n");
}

TEST_CASE("malformed archives are errors that say where", "[reader][archive]") {
  temp_dir dir;
  const std::string binary_path = make_binary_archive(dir);
  const std::string binary = read_file(binary_path);
  const std::string jsonl = run_ok({tool, "--input", binary_path});
  std::vector<std::string> lines;
  std::istringstream in(jsonl);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  REQUIRE(lines.size() >= 3);

  write_file(dir / "bad.jsonl", lines[0] + "\n" + lines[1] + "\n{\"metadata\":{\"hostname\":12}}\n" + lines[2] + "\n");
  CHECK(error_of({tool, "--input", dir / "bad.jsonl"}).find("bad.jsonl:3: hostname: expected a string") !=
        std::string::npos);
  write_file(dir / "garbage.jsonl", lines[0] + "\n\nnot json\n");
  CHECK(error_of({tool, "--input", dir / "garbage.jsonl"}).find("garbage.jsonl:3:") != std::string::npos);
  write_file(dir / "unknown.jsonl", "{\"metadata\":{\"hostName\":\"x\"}}\n");
  CHECK(error_of({tool, "--input", dir / "unknown.jsonl"}).find("unknown.jsonl:1: CollectionMetadata: unknown field "
                                                                 "\"hostName\"") != std::string::npos);
  write_file(dir / "cut.jsonl", lines[0] + "\n" + lines[1].substr(0, lines[1].size() / 2));
  CHECK(error_of({tool, "--input", dir / "cut.jsonl"}).find("cut.jsonl:2:") != std::string::npos);

  // A truncated frame: an error, not a hang, and the whole frames before it written.
  const auto first_length = static_cast<std::size_t>(static_cast<unsigned char>(binary[0]) & 0x7f) |
                            (static_cast<std::size_t>(static_cast<unsigned char>(binary[1]) & 0x7f) << 7);
  REQUIRE((static_cast<unsigned char>(binary[0]) & 0x80) != 0);
  const std::size_t first_frame = 2 + first_length;
  write_file(dir / "cut.bin", binary.substr(0, first_frame + 100));
  const auto cut = run_process({tool, "--input", dir / "cut.bin", "-f", "binary"});
  CHECK(cut.exit_status == 1);
  CHECK(cut.out == binary.substr(0, first_frame));
  CHECK(cut.err.find("cut.bin: byte " + std::to_string(first_frame) + ": frame of ") != std::string::npos);
  CHECK(cut.err.find("is truncated") != std::string::npos);

  // A frame whose record holds a field the schema lacks.
  write_file(dir / "field.bin", std::string("\x04\x12\x02\x98\x06", 5));
  CHECK(error_of({tool, "--input", dir / "field.bin"}).find(
            "field.bin: frame at byte 0: byte 2: field number not in the schema (TcpSocketRecord field 99)") !=
        std::string::npos);
  // Compressed data cut short.
  REQUIRE(std::system(("gzip -k " + binary_path).c_str()) == 0);
  const std::string gz = read_file(binary_path + ".gz");
  write_file(dir / "cut.gz", gz.substr(0, gz.size() / 2));
  CHECK(error_of({tool, "--input", dir / "cut.gz"}).find("cut.gz: ") != std::string::npos);
  CHECK(error_of({tool, "--input", dir / "missing.bin"}, 3).find("missing.bin: No such file or directory") !=
        std::string::npos);
  CHECK(error_of({tool, "--input", binary_path, "--deltas"}, 2).find("--deltas does not apply to --input") !=
        std::string::npos);
}
