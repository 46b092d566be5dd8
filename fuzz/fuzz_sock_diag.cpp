// Linux sock_diag: the netlink walker, inet_diag_msg, attributes and
// tcp_info on arbitrary bytes; a dump that validates must materialise.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "tcpstats/sock_diag/dump.hpp"
#include "tcpstats/sock_diag/materialize.hpp"

namespace sd = tcpstats::sock_diag;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::byte> bytes(reinterpret_cast<const std::byte*>(data),
                                     reinterpret_cast<const std::byte*>(data) + size);
  tcpstats::connection_record record;
  std::size_t visited = 0;
  const auto summary = sd::walk_dump(bytes, [&](const sd::inet_diag_msg_view& msg) {
    ++visited;
    const auto attributes = sd::materialize(msg, record);
    if (attributes && record.local_port != msg.idiag_sport()) std::abort();
    if (attributes && record.kernel_state != msg.idiag_state()) std::abort();
  });
  if (summary && summary->sockets != visited) std::abort();
  // The bare message walker, too: it must end on every input.
  std::size_t messages = 0;
  for (const auto& m : sd::message_range(bytes)) {
    if (!m) break;
    (void)sd::error_code(*m);
    ++messages;
  }
  if (messages > size / 16) std::abort();  // every message takes at least its header
  return 0;
}
