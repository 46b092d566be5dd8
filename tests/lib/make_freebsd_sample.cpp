// Writes the committed FreeBSD sample dumps and their side files (see
// support/freebsd_sample.hpp and tests/data/freebsd/README.md) into DIR.
#include <fstream>
#include <iostream>

#include "freebsd_sample.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_freebsd_sample DIR\n";
    return 2;
  }
  bool ok = true;
  for (const auto& [name, bytes] : tcpstats::test::all_freebsd_samples()) {
    std::ofstream out(std::string(argv[1]) + "/" + name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    ok = static_cast<bool>(out) && ok;
  }
  return ok ? 0 : 1;
}
