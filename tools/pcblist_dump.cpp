// tcpstats-pcblist-dump: decodes a raw macOS net.inet.tcp.pcblist_n dump
// (as `sysctl -b net.inet.tcp.pcblist_n > FILE` writes it) and prints the
// header, one line per connection and the trailer. Exit status: 0 decoded,
// 1 malformed input (the error and its byte offset on stderr), 2 usage or
// I/O error.

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "record_text.hpp"
#include "tcpstats/tcpstats.hpp"

namespace {

int usage(const char* argv0) {
  std::cerr << "usage: " << argv0 << " [--release DARWIN_RELEASE] [--tcp-now MS] FILE\n"
            << "  --release  kern.osrelease of the Mac that wrote FILE (default "
            << tcpstats::xnu::newest_known_release.major << "."
            << tcpstats::xnu::newest_known_release.minor << "."
            << tcpstats::xnu::newest_known_release.patch << ")\n"
            << "  --tcp-now  the Mac's tcp_now clock (ms) when FILE was written, estimated from\n"
            << "             net.inet.tcp.now_init and microuptime_init: adds idle times and ages\n";
  return 2;
}

int malformed(const std::string& file, tcpstats::parse_error error) {
  std::cerr << file << ": byte " << error.offset << ": " << to_string(error.code) << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  tcpstats::xnu::decode_options options;
  std::string file;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--release" && i + 1 < argc) {
      const auto release = tcpstats::xnu::parse_darwin_release(argv[++i]);
      if (!release) {
        std::cerr << "--release: '" << argv[i] << "' is not a Darwin release (e.g. 24.4.0)\n";
        return 2;
      }
      options.release = *release;
    } else if (arg == "--tcp-now" && i + 1 < argc) {
      const std::string value = argv[++i];
      std::uint32_t ms = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
      if (ec != std::errc{} || end != value.data() + value.size()) {
        std::cerr << "--tcp-now: '" << value << "' is not a number of milliseconds\n";
        return 2;
      }
      options.tcp_now_ms = ms;
    } else if (arg == "-h" || arg == "--help" || !file.empty()) {
      return usage(argv[0]);
    } else {
      file = arg;
    }
  }
  if (file.empty()) return usage(argv[0]);

  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << file << ": " << std::strerror(errno) << "\n";
    return 2;
  }
  const std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto bytes = std::as_bytes(std::span(raw));

  const auto list = tcpstats::xnu::pcblist_n::parse(bytes);
  if (!list) return malformed(file, list.error());
  std::cout << "header: count=" << list->header().xig_count() << " gen=" << list->header().xig_gen()
            << " sogen=" << list->header().xig_sogen() << "\n";
  auto groups = list->groups();
  tcpstats::connection_record record;
  std::size_t n = 0;
  for (const auto& group : groups) {
    if (!group) return malformed(file, group.error());
    tcpstats::xnu::materialize(*group, options, record);
    std::cout << "@" << group->offset() << " " << tcpstats::tools::record_text(record) << "\n";
    ++n;
  }
  const auto trailer = groups.trailer();
  if (!trailer) return malformed(file, trailer.error());
  std::cout << "trailer: count=" << trailer->xig_count() << " gen=" << trailer->xig_gen()
            << " sogen=" << trailer->xig_sogen() << (trailer->xig_gen() != list->header().xig_gen()
                                                          ? " (the list changed while it was read)"
                                                          : "")
            << "\n"
            << n << " connections\n";
  return 0;
}
