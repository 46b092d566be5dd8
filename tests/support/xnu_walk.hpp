#pragma once
// Walks a whole buffer and collects what happened, for assertions of the
// form "k groups, then error e at offset o".

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "tcpstats/xnu/materialize.hpp"

namespace tcpstats::test {

struct walk_outcome {
  std::optional<parse_error> parse_failure;  // the header did not parse
  std::vector<connection_record> records;
  std::vector<std::size_t> group_offsets;
  std::optional<parse_error> error;          // what iteration yielded last
  std::optional<std::uint64_t> header_gen;
  std::optional<std::uint64_t> trailer_gen;  // when the walk reached the trailer
  std::size_t yields_after_error = 0;        // must stay 0
};

inline walk_outcome walk(std::span<const std::byte> bytes, const xnu::decode_options& options = {}) {
  walk_outcome out;
  const auto list = xnu::pcblist_n::parse(bytes);
  if (!list) {
    out.parse_failure = list.error();
    return out;
  }
  out.header_gen = list->header().xig_gen();
  auto groups = list->groups();
  for (const auto& group : groups) {
    if (out.error) {
      ++out.yields_after_error;
      continue;
    }
    if (!group) {
      out.error = group.error();
      continue;
    }
    out.group_offsets.push_back(group->offset());
    out.records.push_back(xnu::materialize(*group, options));
  }
  const auto trailer = groups.trailer();
  if (trailer) out.trailer_gen = trailer->xig_gen();
  // trailer() reports the same first error the iteration did.
  if (!trailer && out.error) {
    if (!(trailer.error() == *out.error)) out.yields_after_error += 1000;
  }
  return out;
}

}  // namespace tcpstats::test
