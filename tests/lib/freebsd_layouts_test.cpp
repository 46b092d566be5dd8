// The generated FreeBSD offset tables against the layouts JSON: every field
// of every release, both ways; the tables each release selects; and the
// facts of docs/freebsd.md spelled out. (tools/check-freebsd-layouts.sh
// checks the same tables against FreeBSD's own headers.)
#include <catch2/catch.hpp>

#include <string>

#include "freebsd_blob_builder.hpp"
#include "tcpstats/freebsd/layouts.hpp"
#include "tcpstats/freebsd/release.hpp"

namespace layouts = tcpstats::freebsd::layouts;
namespace freebsd = tcpstats::freebsd;
using tcpstats::test::freebsd_reference_layouts;

namespace {

template <class Layout>
void check_table(const Layout& layout, const tcpstats::test::freebsd_json_struct& expected) {
  CHECK(layout.size == expected.size);
  std::size_t present = 0;
  for (const auto& [name, member] : layout.members) {
    INFO("field " << name);
    const tcpstats::field f = layout.*member;
    const auto it = expected.fields.find(std::string(name));
    if (!f.present()) {
      CHECK(it == expected.fields.end());
      continue;
    }
    ++present;
    REQUIRE(it != expected.fields.end());
    CHECK(f.offset == it->second.offset);
    CHECK(f.size == it->second.size);
  }
  CHECK(present == expected.fields.size());
}

template <class Table>
void check_against_json(const Table& table, const std::string& struct_name) {
  const auto& reference = freebsd_reference_layouts::instance();
  std::size_t checked = 0;
  for (const auto& layout : table) {
    const std::string version(layout.freebsd_version);
    INFO(struct_name << " in " << version);
    check_table(layout, reference.get(version, struct_name));
    ++checked;
  }
  // Every release of the JSON that has the struct has its entry.
  std::size_t in_json = 0;
  for (const auto& version : reference.versions()) in_json += reference.has(version, struct_name) ? 1 : 0;
  CHECK(checked == in_json);
}

freebsd::freebsd_release release(std::uint32_t major) { return {major, 0}; }

}  // namespace

TEST_CASE("generated FreeBSD layouts match the layouts JSON", "[freebsd][layouts]") {
  check_against_json(layouts::xinpgen, "xinpgen");
  check_against_json(layouts::xtcpcb, "xtcpcb");
  check_against_json(layouts::xfile, "xfile");
  check_against_json(layouts::tcpstat, "tcpstat");
}

TEST_CASE("struct tcpstat: 14 inserts tcps_progdrops, 15 two syncache counters", "[freebsd][layouts]") {
  const auto& t13 = layouts::tcpstat[0];
  const auto& t14 = layouts::tcpstat[1];
  const auto& t15 = layouts::tcpstat[2];
  REQUIRE(t13.freebsd_version == "13");
  // FreeBSD 13.4's netinet/tcp_var.h: 904 bytes, no tcps_progdrops, so
  // tcps_sndtotal follows tcps_keepdrops directly.
  CHECK(t13.size == 904);
  CHECK(!t13.tcps_progdrops.present());
  CHECK(t13.tcps_keepdrops.offset == 120);
  CHECK(t13.tcps_sndtotal.offset == 128);
  CHECK(t13.tcps_rcvoopack.offset == 38 * 8);
  CHECK(!t13.tcps_dsack_count.present());
  CHECK(t14.tcps_progdrops.offset == 128);
  CHECK(t14.tcps_sndtotal.offset == 136);
  CHECK(t14.tcps_rcvoopack.offset == 39 * 8);
  // Every decoded counter from tcps_sndtotal on sits one slot later on 14.
  CHECK(t14.tcps_rcvduppack.offset == t13.tcps_rcvduppack.offset + 8);
  // FreeBSD 15: tcps_sc_spurcookie and tcps_sc_failcookie after
  // tcps_sc_recvcookie, so tcps_hc_added and later sit 16 bytes later than on 14.
  CHECK(t15.size == 1000);
  CHECK(t15.tcps_sc_spurcookie.offset == t15.tcps_sc_recvcookie.offset + 8);
  CHECK(t15.tcps_sc_failcookie.offset == t15.tcps_sc_recvcookie.offset + 16);
  CHECK(t15.tcps_sc_recvcookie.offset == t14.tcps_sc_recvcookie.offset);
  CHECK(t15.tcps_hc_added.offset == t14.tcps_hc_added.offset + 16);
  CHECK(!t14.tcps_sc_spurcookie.present());
}

TEST_CASE("the documented facts hold in the tables", "[freebsd][layouts]") {
  for (const auto& t : layouts::xtcpcb) {
    INFO(t.freebsd_version);
    CHECK(t.size == 744);
    CHECK(t.xso_so.offset == 24);
    CHECK(t.so_uid.offset == 136);
    CHECK(t.ie_fport.offset == 260);
    CHECK(t.ie_lport.offset == 262);
    CHECK(t.ie_dependladdr_id46_addr_ia46_addr4.offset == 292);
    CHECK(t.inp_gencnt.offset == 304);
    CHECK(t.inp_vflag.offset == 400);
    CHECK(t.xt_stack.offset == 408);
    CHECK(t.t_state.offset == 568);
    CHECK(t.t_rcvtime.offset == 588);
  }
  CHECK(!layouts::xtcpcb[0].xt_cc.present());
  CHECK(!layouts::xtcpcb[0].xt_encaps_port.present());
  CHECK(layouts::xtcpcb[1].xt_encaps_port.offset == 640);
  CHECK(!layouts::xtcpcb[1].t_dsack_bytes.present());
  CHECK(layouts::xtcpcb[2].xt_encaps_port.offset == 652);
  CHECK(layouts::xtcpcb[3].xt_encaps_port.offset == 652);
  CHECK(layouts::xtcpcb[2].t_dsack_bytes.offset == 640);
  CHECK(layouts::xfile.back().size == 128);
  CHECK(layouts::xinpgen.back().size == 64);
}

TEST_CASE("each release selects its tables", "[freebsd][layouts]") {
  using freebsd::detail::tcpstat_layout_for;
  using freebsd::detail::xtcpcb_layout_for;
  CHECK(xtcpcb_layout_for(release(12)).freebsd_version == "12");
  CHECK(xtcpcb_layout_for(release(13)).freebsd_version == "13");
  CHECK(xtcpcb_layout_for(release(14)).freebsd_version == "14");
  CHECK(xtcpcb_layout_for(release(15)).freebsd_version == "15");
  CHECK(xtcpcb_layout_for(release(16)).freebsd_version == "15");  // newer: newest known
  CHECK(tcpstat_layout_for(release(12)).freebsd_version == "13");  // 12: no table of its own
  CHECK(tcpstat_layout_for(release(13)).freebsd_version == "13");
  CHECK(tcpstat_layout_for(release(14)).freebsd_version == "14");
  CHECK(tcpstat_layout_for(release(15)).freebsd_version == "15");
  CHECK(tcpstat_layout_for(release(16)).freebsd_version == "15");
}

TEST_CASE("kern.osrelease strings parse", "[freebsd][release]") {
  using freebsd::parse_freebsd_release;
  CHECK(parse_freebsd_release("14.1-RELEASE")->major == 14);
  CHECK(parse_freebsd_release("14.1-RELEASE")->minor == 1);
  CHECK(parse_freebsd_release("13.2-RELEASE-p4")->major == 13);
  CHECK(parse_freebsd_release("15.0-CURRENT")->major == 15);
  CHECK(parse_freebsd_release("12.4")->major == 12);
  STATIC_REQUIRE(parse_freebsd_release("14.0-STABLE")->major == 14);
  for (const char* bad : {"", "14", "14.", ".1", "14.1RELEASE", "x14.1", "11.4-RELEASE", "99999999999.0"}) {
    INFO(bad);
    const auto parsed = parse_freebsd_release(bad);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == tcpstats::errc::invalid_release);
  }
}
