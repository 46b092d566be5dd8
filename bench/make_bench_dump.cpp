// Writes the synthetic pcblist_n dump the benchmarks use:
//   make_bench_dump CONNECTIONS FILE
#include <charconv>
#include <cstring>
#include <fstream>
#include <iostream>

#include "synthetic_dump.hpp"

int main(int argc, char** argv) {
  std::size_t n = 0;
  if (argc != 3 || std::from_chars(argv[1], argv[1] + std::strlen(argv[1]), n).ec != std::errc{}) {
    std::cerr << "usage: make_bench_dump CONNECTIONS FILE\n";
    return 2;
  }
  const auto bytes = tcpstats::bench::build_dump(n);
  std::ofstream out(argv[2], std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return out ? 0 : 1;
}
