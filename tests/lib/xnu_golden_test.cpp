// The committed macOS sample dump decodes to the committed expected text.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "record_text.hpp"
#include "xnu_sample.hpp"
#include "xnu_walk.hpp"

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const std::string data_dir = std::string(TCPSTATS_TEST_DATA) + "/xnu/";

}  // namespace

TEST_CASE("the sample dump is what its description builds", "[xnu][golden]") {
  const std::string committed = read_text(data_dir + "sample-macos15.pcblist_n");
  const auto built = tcpstats::test::build_xnu_sample();
  REQUIRE(committed.size() == built.size());
  CHECK(std::equal(built.begin(), built.end(), committed.begin(),
                   [](std::byte b, char c) { return b == static_cast<std::byte>(c); }));
}

TEST_CASE("every committed generation sample is what its description builds", "[xnu][golden]") {
  for (const auto& version : tcpstats::test::xnu_reference_layouts::instance().versions()) {
    INFO(version);
    const std::string committed = read_text(data_dir + "gen-" + version + ".pcblist_n");
    const auto built = tcpstats::test::build_xnu_generation_sample(version);
    REQUIRE(committed.size() == built.size());
    CHECK(std::equal(built.begin(), built.end(), committed.begin(),
                     [](std::byte b, char c) { return b == static_cast<std::byte>(c); }));
  }
}

TEST_CASE("the sample dump decodes to the expected records", "[xnu][golden]") {
  const std::string committed = read_text(data_dir + "sample-macos15.pcblist_n");
  const auto bytes = std::as_bytes(std::span(committed));
  // The tcp_now the expected idle times and ages were computed for.
  const auto out = tcpstats::test::walk(bytes, {tcpstats::xnu::darwin_release{24, 4, 0}, 905113000u});
  REQUIRE_FALSE(out.parse_failure);
  REQUIRE_FALSE(out.error);
  std::ostringstream text;
  for (std::size_t i = 0; i < out.records.size(); ++i) {
    text << "@" << out.group_offsets[i] << " " << tcpstats::tools::record_text(out.records[i]) << "\n";
  }
  CHECK(text.str() == read_text(data_dir + "sample-macos15.expected.txt"));
  CHECK(out.trailer_gen == 48213u);
}
