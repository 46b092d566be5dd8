// A program that uses tcpstats the way another project would: through the
// installed headers (pkg-config or CMake find_package) or as a meson
// subproject. It walks a macOS `sysctl -b net.inet.tcp.pcblist_n` dump and
// prints what it found. tools/check-consumers.sh builds it all three ways
// and compares its output.
//
//   consumer DUMP [KERN_OSRELEASE]
#include <tcpstats/tcpstats.hpp>
#include <tcpstats/version.hpp>

#include <array>
#include <cstddef>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace {

int report(const char* what, const tcpstats::parse_error& error) {
  std::cerr << "consumer: " << what << ": " << tcpstats::to_string(error.code) << " at byte " << error.offset
            << "\n";
  return 1;
}

std::string endpoint(const std::optional<tcpstats::ip_address>& address, std::uint16_t port) {
  const std::string host = address ? tcpstats::to_string(*address) : "?";
  const bool ipv6 = address && address->family == tcpstats::ip_family::ipv6;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: consumer DUMP [KERN_OSRELEASE]\n";
    return 2;
  }
  std::ifstream file(argv[1], std::ios::binary);
  if (!file) {
    std::cerr << "consumer: cannot open " << argv[1] << "\n";
    return 1;
  }
  const std::vector<char> text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) bytes[i] = static_cast<std::byte>(text[i]);

  std::cout << "tcpstats " << TCPSTATS_VERSION_MAJOR << "." << TCPSTATS_VERSION_MINOR << "."
            << TCPSTATS_VERSION_PATCH << "\n";

  const auto list = tcpstats::xnu::pcblist_n::parse(bytes);
  if (!list) return report("header", list.error());
  tcpstats::xnu::decode_options options;
  const auto release = tcpstats::xnu::parse_darwin_release(argc == 3 ? argv[2] : "24.4.0");
  if (!release) return report("release", release.error());
  options.release = *release;

  std::array<std::size_t, tcpstats::tcp_state_count> by_state{};
  std::size_t connections = 0;
  tcpstats::connection_record record;  // reused for every connection
  auto groups = list->groups();
  for (const auto& group : groups) {
    if (!group) return report("record", group.error());
    tcpstats::xnu::materialize(*group, options, record);
    if (connections == 0) {
      std::cout << "first: " << endpoint(record.local_address, record.local_port) << " -> "
                << endpoint(record.remote_address, record.remote_port) << " "
                << (record.state ? tcpstats::to_string(*record.state) : "UNKNOWN");
      if (record.rtt_us) std::cout << " rtt_us=" << *record.rtt_us;
      std::cout << "\n";
    }
    ++connections;
    if (record.state) ++by_state[static_cast<std::size_t>(*record.state)];
  }
  const auto trailer = groups.trailer();
  if (!trailer) return report("trailer", trailer.error());

  std::cout << "connections: " << connections << "\n";
  for (std::size_t s = 0; s < by_state.size(); ++s) {
    if (by_state[s] != 0) {
      std::cout << "  " << tcpstats::to_string(static_cast<tcpstats::tcp_state>(s)) << ": " << by_state[s] << "\n";
    }
  }
  std::cout << "generation changed during the read: "
            << (trailer->xig_gen() != list->header().xig_gen() ? "yes" : "no") << "\n";
  return 0;
}
