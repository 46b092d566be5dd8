// Writes the pass sequence the tracking benchmark replays:
//   make_tracking_dumps CONNECTIONS PASSES DIR
// DIR/pass-K.pcblist_n (+ .meta.json, one second apart) for K = 1..PASSES:
// CONNECTIONS established macOS connections, each its own socket; per pass
// one in ten sends data (its counters move) and one in a hundred is
// replaced by a new connection (one closed, one new).
#include <charconv>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "xnu_blob_builder.hpp"
#include "xnu_connection.hpp"

namespace {

bool parse(const char* text, std::size_t& out) {
  return std::from_chars(text, text + std::strlen(text), out).ec == std::errc{};
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t connections = 0, passes = 0;
  if (argc != 4 || !parse(argv[1], connections) || !parse(argv[2], passes) || connections >= (1u << 24)) {
    std::cerr << "usage: make_tracking_dumps CONNECTIONS PASSES DIR\n";
    return 2;
  }
  const std::string dir = argv[3];
  for (std::size_t pass = 1; pass <= passes; ++pass) {
    tcpstats::test::xnu_blob blob(tcpstats::test::newest_xnu);
    blob.header(static_cast<std::uint32_t>(connections), pass);
    const std::size_t churn = connections / 100;
    for (std::size_t i = 0; i < connections; ++i) {
      // Block b of `churn` slots (b = 2..PASSES) gets a new connection in pass b.
      const std::size_t block = i / churn;
      const std::size_t generation = block >= 2 && block <= pass ? 1 : 0;
      // Each pass, the slots whose number ends in the pass's last digit send.
      std::uint64_t sends = 0;
      for (std::size_t p = 1; p <= pass; ++p) sends += i % 10 == p % 10 ? 1 : 0;
      tcpstats::test::xnu_connection c;
      c.xi_inpp = 0x7f0000000000 + (i << 8);
      c.laddr = tcpstats::test::v4_in_kernel_form(10, static_cast<std::uint8_t>(i >> 16),
                                                 static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i));
      c.faddr = tcpstats::test::v4_in_kernel_form(172, 16, 0, 1);
      c.lport = static_cast<std::uint16_t>(1024 + generation);
      c.fport = 443;
      c.xso_so = 0x7e0000000000 + (i << 8);
      c.inp_gencnt = 1 + i + generation * connections;
      if (generation != 0) sends = 0;
      c.traffic[0] = {100 + sends * 3, 50'000 + sends * 4'000, 90 + sends * 5, 20'000 + sends * 6'000};
      c.t_state = 4;
      c.t_srtt = 320;
      c.t_rttvar = 64;
      c.t_starttime = 1000;
      c.t_rcvtime = static_cast<std::uint32_t>(1000 + pass * 1000);
      c.snd_una = static_cast<std::uint32_t>(sends * 6'000);
      c.snd_nxt = c.snd_max = c.snd_una;
      c.rcv_nxt = static_cast<std::uint32_t>(sends * 4'000);
      tcpstats::test::write_connection(blob, c);
    }
    blob.trailer(static_cast<std::uint32_t>(connections), pass);
    const auto bytes = blob.finish();
    const std::string file = dir + "/pass-" + std::to_string(pass) + ".pcblist_n";
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    std::ofstream meta(file + ".meta.json");
    meta << "{\"source\": \"macos\", \"os_release\": \"24.4.0\", \"timestamp_ns\": "
         << 1'764'290'000'000'000'000ull + pass * 1'000'000'000ull << "}\n";
    if (!out || !meta) return 1;
  }
  return 0;
}
