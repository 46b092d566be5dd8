// Randomized round trips: random connections written as XNU writes them
// (every layout generation), walked and materialised, give back the values
// they were built from.
#include <catch2/catch.hpp>

#include <random>

#include "xnu_blob_builder.hpp"
#include "xnu_connection.hpp"
#include "xnu_walk.hpp"

namespace xnu = tcpstats::xnu;
using tcpstats::test::xnu_connection;

namespace {

void check_matches(const tcpstats::connection_record& r, const xnu_connection& c, bool has_pids,
                   xnu::darwin_release release) {
  CHECK(r.local_port == c.lport);
  CHECK(r.remote_port == c.fport);
  REQUIRE(r.local_address);
  const bool v6 = (c.vflag & 0x2) != 0;
  CHECK(r.local_address->family == (v6 ? tcpstats::ip_family::ipv6 : tcpstats::ip_family::ipv4));
  CHECK(r.dual_stack == (c.vflag == 0x3));
  if (v6) {
    auto expected = c.faddr;
    std::uint32_t scope = 0;
    if (tcpstats::is_scoped_ipv6(expected)) {
      scope = (std::uint32_t{expected[2]} << 8) | expected[3];
      expected[2] = expected[3] = 0;
    }
    CHECK(r.remote_address->bytes == expected);
    CHECK(r.remote_address->scope_id == scope);
  } else {
    CHECK(std::equal(c.faddr.begin() + 12, c.faddr.end(), r.remote_address->bytes.begin()));
  }
  CHECK(r.inp_gencnt == c.inp_gencnt);
  if (c.socketless) {
    CHECK_FALSE(r.socket_id);
    CHECK_FALSE(r.rcv_buf_used);
  } else {
    CHECK(r.socket_id == c.xso_so);
    CHECK(r.uid == c.so_uid);
    CHECK(r.rcv_buf_used == c.rcv_cc);
    CHECK(r.rcv_buf_hiwat == c.rcv_hiwat);
    CHECK(r.snd_buf_used == c.snd_cc);
    CHECK(r.snd_buf_hiwat == c.snd_hiwat);
    if (has_pids && c.so_last_pid != 0) {
      CHECK(r.pid == c.so_last_pid);
    } else {
      CHECK_FALSE(r.pid);
    }
  }
  std::uint64_t rx = c.traffic[0].rxbytes, tx = c.traffic[0].txpackets;
  if (release.major < 24) {
    for (int i = 1; i < 4; ++i) {
      rx += c.traffic[i].rxbytes;
      tx += c.traffic[i].txpackets;
    }
  }
  if (c.socketless) {
    CHECK_FALSE(r.rx_bytes);
    CHECK_FALSE(r.tx_packets);
  } else {
    CHECK(r.rx_bytes == rx);
    CHECK(r.tx_packets == tx);
  }
  CHECK(r.kernel_state == c.t_state);
  CHECK(static_cast<int>(*r.state) == c.t_state);
  CHECK(r.tcp_flags == c.t_flags);
  CHECK(r.snd_cwnd == c.snd_cwnd);
  CHECK(r.snd_ssthresh == c.snd_ssthresh);
  CHECK(r.snd_wnd == c.snd_wnd);
  CHECK(r.rcv_wnd == c.rcv_wnd);
  CHECK(r.maxseg == c.t_maxseg);
  if (c.t_srtt == 0) {
    CHECK_FALSE(r.rtt_us);
    CHECK_FALSE(r.rttvar_us);
  } else {
    CHECK(r.rtt_us == static_cast<std::uint32_t>(std::uint64_t(c.t_srtt) * 1000 / 32));
    CHECK(r.rttvar_us == static_cast<std::uint32_t>(std::uint64_t(c.t_rttvar) * 1000 / 16));
  }
  CHECK(r.rto_us == static_cast<std::uint32_t>(c.t_rxtcur) * 1000u);
  CHECK(r.snd_una == c.snd_una);
  CHECK(r.snd_nxt == c.snd_nxt);
  CHECK(r.snd_max == c.snd_max);
  CHECK(r.rcv_nxt == c.rcv_nxt);
  CHECK(r.rcv_adv == c.rcv_adv);
  CHECK(r.snd_wscale == c.snd_scale);
  CHECK(r.rcv_wscale == c.rcv_scale);
  CHECK(r.dupacks == static_cast<std::uint32_t>(c.t_dupacks));
  CHECK(r.rxt_shift == static_cast<std::uint32_t>(c.t_rxtshift));
  CHECK(r.rtt_update_count == c.t_rttupdated);
}

}  // namespace

TEST_CASE("random connections round-trip in every layout generation", "[xnu][roundtrip]") {
  std::mt19937_64 rng(20261128);
  for (const std::string& version : tcpstats::test::xnu_reference_layouts::instance().versions()) {
    const bool has_pids =
        tcpstats::test::xnu_reference_layouts::instance().get(version, "xsocket_n").fields.count("so_e_pid") != 0;
    for (const auto release : {xnu::darwin_release{20, 0, 0}, xnu::darwin_release{24, 1, 0}}) {
      INFO(version << " darwin " << release.major);
      std::vector<xnu_connection> connections;
      tcpstats::test::xnu_blob blob(version);
      const std::size_t n = 1 + rng() % 200;
      blob.header(static_cast<std::uint32_t>(n), 5);
      for (std::size_t i = 0; i < n; ++i) {
        connections.push_back(tcpstats::test::random_connection(rng));
        write_connection(blob, connections.back());
      }
      blob.trailer(static_cast<std::uint32_t>(n), 5);
      const auto out = tcpstats::test::walk(blob.finish(), {release, std::nullopt});
      REQUIRE_FALSE(out.error);
      REQUIRE(out.records.size() == n);
      for (std::size_t i = 0; i < n; ++i) check_matches(out.records[i], connections[i], has_pids, release);
    }
  }
}
