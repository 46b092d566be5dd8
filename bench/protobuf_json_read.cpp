// The baseline for reading JSON Lines archives: protobuf's own
// JsonStringToMessage, one BatchMessage per line.
//   protobuf_json_read FILE   prints batches, records and seconds
#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "tcp_stats.pb.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: protobuf_json_read FILE\n");
    return 2;
  }
  std::ifstream in(argv[1]);
  const auto start = std::chrono::steady_clock::now();
  std::size_t batches = 0, records = 0, bytes = 0;
  tcpstats_reader::BatchMessage batch;
  for (std::string line; std::getline(in, line);) {
    bytes += line.size() + 1;
    if (!google::protobuf::util::JsonStringToMessage(line, &batch).ok()) {
      std::fprintf(stderr, "line %zu does not parse\n", batches + 1);
      return 1;
    }
    ++batches;
    records += static_cast<std::size_t>(batch.records_size());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("protobuf JsonStringToMessage: %zu batches, %zu records, %.1f MB in %.2f s = %.3f M records/s, %.1f MB/s\n",
              batches, records, static_cast<double>(bytes) / 1e6, seconds, static_cast<double>(records) / seconds / 1e6,
              static_cast<double>(bytes) / seconds / 1e6);
  return 0;
}
