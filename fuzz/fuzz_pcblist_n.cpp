// macOS pcblist_n: the walker, every view accessor and the materialiser on
// arbitrary bytes, with the zero-copy view path and the materialised path
// required to agree wherever the input decodes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "tcpstats/xnu/materialize.hpp"

namespace xnu = tcpstats::xnu;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // An exact-size copy, so any read past the end is an ASan report.
  const std::vector<std::byte> bytes(reinterpret_cast<const std::byte*>(data),
                                     reinterpret_cast<const std::byte*>(data) + size);
  const auto list = xnu::pcblist_n::parse(bytes);
  if (!list) return 0;
  // The first byte picks the kernel generation the totals follow.
  xnu::decode_options options;
  if (size > 24) options.release = xnu::darwin_release{size % 2 == 0 ? 24u : 20u, 0, 0};
  if (size % 3 == 0) options.tcp_now_ms = 123456u;

  auto groups = list->groups();
  std::optional<tcpstats::parse_error> first_error;
  std::size_t yields_after_error = 0;
  tcpstats::connection_record record;
  for (const auto& group : groups) {
    if (first_error) ++yields_after_error;
    if (!group) {
      first_error = group.error();
      continue;
    }
    xnu::materialize(*group, options, record);
    const auto& inp = group->inpcb();
    if (record.local_port != inp.inp_lport() || record.remote_port != inp.inp_fport()) std::abort();
    if (const auto tcp = group->tcpcb()) {
      if (record.kernel_state != tcp->t_state()) std::abort();
      if (!group->is_user_space_flow() && record.rtt_us != xnu::srtt_us(tcp->t_srtt())) std::abort();
      for (std::size_t i = 0; i < 4; ++i) (void)tcp->t_timer(i);
      (void)tcp->t_badrxtwin();
    }
    if (const auto so = group->socket()) {
      (void)so->so_options();
      (void)so->so_gencnt();
      if (so->xso_so() != 0 && !group->is_user_space_flow() && record.socket_id != so->xso_so()) std::abort();
    }
    if (const auto stats = group->stats()) {
      for (std::size_t i = 0; i < 4; ++i) (void)stats->xst_tc_stats(i);
    }
  }
  if (yields_after_error != 0) std::abort();  // an error is yielded once, then the walk ends
  const auto trailer = groups.trailer();
  if (first_error && (trailer || !(trailer.error() == *first_error))) std::abort();
  if (!first_error && !trailer) std::abort();
  return 0;
}
