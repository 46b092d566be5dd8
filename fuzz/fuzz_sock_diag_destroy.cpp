// Linux socket destroy events: the walker, destroy_event_view and
// materialize on arbitrary bytes. Every visited event's record must agree
// with its view (cookie, ports, state, final byte counts) and equal the
// dump materialize's record with what a destroy message lacks taken out.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "tcpstats/sock_diag/destroy.hpp"

namespace sd = tcpstats::sock_diag;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::byte> bytes(reinterpret_cast<const std::byte*>(data),
                                     reinterpret_cast<const std::byte*>(data) + size);
  tcpstats::connection_record record, dumped;
  std::size_t visited = 0;
  const auto summary = sd::walk_destroy_events(bytes, [&](const sd::destroy_event_view& event) {
    ++visited;
    const auto& msg = event.msg();
    sd::materialize(event, record);
    if (record.socket_id != msg.idiag_cookie()) std::abort();
    if (record.local_port != msg.idiag_sport() || record.remote_port != msg.idiag_dport()) std::abort();
    if (record.kernel_state != msg.idiag_state()) std::abort();
    if (record.uid || record.inode || record.timer) std::abort();
    const auto info = event.tcp_info();
    const auto acked = info ? info->u64(sd::tcp_info_offsets::tcpi_bytes_acked) : std::nullopt;
    const auto received = info ? info->u64(sd::tcp_info_offsets::tcpi_bytes_received) : std::nullopt;
    if (record.bytes_acked != acked || record.bytes_received != received) std::abort();
    if (event.protocol() && *event.protocol() != sd::ipproto_tcp) std::abort();  // skipped, never visited
    // The dump path on the same message, less what a destroy message lacks.
    if (!sd::materialize(msg, dumped)) std::abort();  // parse() checked the attributes
    dumped.uid.reset();
    dumped.inode.reset();
    dumped.timer.reset();
    dumped.timer_expires_ms.reset();
    dumped.timer_retransmits.reset();
    if (!(dumped == record)) std::abort();
  });
  if (summary && summary->events != visited) std::abort();
  if (summary && summary->events + summary->skipped > size / (16 + sd::inet_diag_msg_size)) std::abort();
  return 0;
}
