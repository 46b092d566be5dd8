// The generated offset tables against the reference JSON: every field of
// every generation, both ways, and the generation chosen for each length.
#include <catch2/catch.hpp>

#include <string>

#include "tcpstats/xnu/layouts.hpp"
#include "tcpstats/xnu/record_view.hpp"
#include "xnu_blob_builder.hpp"

namespace layouts = tcpstats::xnu::layouts;
using tcpstats::test::xnu_reference_layouts;

namespace {

template <class Table>
void check_against_json(const Table& table, const std::string& struct_name) {
  const auto& reference = xnu_reference_layouts::instance();
  for (const std::string& version : reference.versions()) {
    INFO(struct_name << " in " << version);
    const auto& expected = reference.get(version, struct_name);
    const typename Table::value_type* layout = nullptr;
    for (const auto& g : table) {
      if (std::string(g.xnu_versions).find(version) != std::string::npos) layout = &g;
    }
    REQUIRE(layout != nullptr);
    CHECK(layout->size == expected.size);
    std::size_t present = 0;
    for (const auto& [name, member] : layout->members) {
      INFO("field " << name);
      const tcpstats::field f = (*layout).*member;
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
    // A record of exactly this version's size decodes with this layout.
    CHECK(&tcpstats::xnu::detail::select_layout(table, expected.size) == layout);
  }
}

}  // namespace

TEST_CASE("generated layouts match the reference JSON", "[xnu][layouts]") {
  check_against_json(layouts::xgen_n, "xgen_n");
  check_against_json(layouts::xinpgen, "xinpgen");
  check_against_json(layouts::xinpcb_n, "xinpcb_n");
  check_against_json(layouts::xsocket_n, "xsocket_n");
  check_against_json(layouts::xsockbuf_n, "xsockbuf_n");
  check_against_json(layouts::xsockstat_n, "xsockstat_n");
  check_against_json(layouts::xtcpcb_n, "xtcpcb_n");
}

TEST_CASE("the reference facts hold in the tables", "[xnu][layouts]") {
  const auto& newest_tcp = layouts::xtcpcb_n.back();
  CHECK(newest_tcp.size == 204);
  CHECK(newest_tcp.t_state.offset == 36);
  CHECK(newest_tcp.t_srtt.offset == 136);
  CHECK(layouts::xinpcb_n.back().inp_ppcb.offset == 20);  // pack(4): not 24
  CHECK(layouts::xsocket_n.back().so_pcb.offset == 28);
  CHECK(layouts::xsocket_n.back().so_gencnt.offset == 76);
  CHECK(layouts::xsocket_n.front().so_options.size == 2);
}

TEST_CASE("lengths between and beyond known sizes pick a layout", "[xnu][layouts]") {
  using tcpstats::xnu::detail::select_layout;
  CHECK(select_layout(layouts::xsocket_n, 70).size == 68);    // known prefix of 2050's
  CHECK(select_layout(layouts::xsocket_n, 200).size == 104);  // newer kernel: newest layout
  CHECK(select_layout(layouts::xtcpcb_n, 208).size == 208);   // 10.7–10.8 with t_badrxtwin
  CHECK(select_layout(layouts::xtcpcb_n, 212).size == 204);   // newer than newest
  CHECK(tcpstats::xnu::detail::minimum_size(layouts::xtcpcb_n) == 204);
  CHECK(tcpstats::xnu::detail::minimum_size(layouts::xsocket_n) == 64);
}
