// Writes the committed macOS sample dumps (see support/xnu_sample.hpp) into
// DIR: sample-macos15.pcblist_n and one gen-<xnu release>.pcblist_n per
// release in the reference layouts. Meta files are written by hand.
#include <fstream>
#include <iostream>

#include "xnu_sample.hpp"

namespace {
bool write(const std::string& path, const std::vector<std::byte>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_xnu_sample DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = write(dir + "/sample-macos15.pcblist_n", tcpstats::test::build_xnu_sample());
  for (const auto& version : tcpstats::test::xnu_reference_layouts::instance().versions()) {
    ok = write(dir + "/gen-" + version + ".pcblist_n", tcpstats::test::build_xnu_generation_sample(version)) && ok;
  }
  return ok ? 0 : 1;
}
