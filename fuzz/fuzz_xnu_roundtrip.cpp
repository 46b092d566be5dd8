// Build-then-walk: the input drives a random generator that picks an XNU
// layout generation and random connections; the tests' reference-driven
// builder writes them as XNU does; walking and materialising must give back
// exactly the values they were built from.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string_view>

#include "tcpstats/xnu/materialize.hpp"
#include "xnu_blob_builder.hpp"
#include "xnu_connection.hpp"

namespace xnu = tcpstats::xnu;
using tcpstats::test::xnu_connection;

// Aborts naming the property that failed, so the log says which.
#define require(ok)                                                    \
  do {                                                                 \
    if (!(ok)) {                                                       \
      std::fprintf(stderr, "fuzz_xnu_roundtrip: %s failed\n", #ok);   \
      std::abort();                                                    \
    }                                                                  \
  } while (false)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::uint64_t seed = std::hash<std::string_view>{}(std::string_view(reinterpret_cast<const char*>(data), size));
  std::mt19937_64 rng(seed);
  const auto versions = tcpstats::test::xnu_reference_layouts::instance().versions();
  const std::string& version = versions[rng() % versions.size()];
  const bool has_pids =
      tcpstats::test::xnu_reference_layouts::instance().get(version, "xsocket_n").fields.count("so_e_pid") != 0;
  const xnu::darwin_release release{rng() % 2 ? 24u : 21u, 0, 0};

  tcpstats::test::xnu_blob blob(version);
  const std::size_t n = rng() % 8;  // 0: the 24-byte empty list
  blob.header(static_cast<std::uint32_t>(n), 1);
  std::vector<xnu_connection> built;
  for (std::size_t i = 0; i < n; ++i) {
    built.push_back(tcpstats::test::random_connection(rng));
    write_connection(blob, built.back());
  }
  if (n != 0) blob.trailer(static_cast<std::uint32_t>(n), 1);  // an empty list has none
  const auto bytes = blob.finish();

  const auto list = xnu::pcblist_n::parse(bytes);
  require(list.has_value());
  std::size_t i = 0;
  tcpstats::connection_record r;
  for (const auto& group : list->groups()) {
    require(group.has_value() && i < n);
    xnu::materialize(*group, {release, std::nullopt}, r);
    const xnu_connection& c = built[i++];
    require(r.local_port == c.lport && r.remote_port == c.fport);
    require(r.kernel_state == c.t_state);
    require(r.snd_cwnd == c.snd_cwnd && r.snd_nxt == c.snd_nxt && r.rcv_adv == c.rcv_adv);
    require(r.rtt_us == xnu::srtt_us(c.t_srtt));
    require(r.inp_gencnt == c.inp_gencnt);
    require(c.socketless ? !r.socket_id : r.socket_id == c.xso_so);
    if (!c.socketless) require(r.pid.has_value() == (has_pids && c.so_last_pid != 0));
    std::uint64_t rx = c.traffic[0].rxbytes;
    if (release.major < 24) rx += c.traffic[1].rxbytes + c.traffic[2].rxbytes + c.traffic[3].rxbytes;
    require(c.socketless ? !r.rx_bytes : r.rx_bytes == rx);  // no socket, no counters
  }
  require(i == n);
  return 0;
}
