// Writes the golden macOS sample dump (see support/xnu_sample.hpp).
#include <fstream>
#include <iostream>

#include "xnu_sample.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_xnu_sample FILE\n";
    return 2;
  }
  const auto bytes = tcpstats::test::build_xnu_sample();
  std::ofstream out(argv[1], std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return out ? 0 : 1;
}
