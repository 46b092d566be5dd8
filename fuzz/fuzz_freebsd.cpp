// FreeBSD: the pcblist walker and materialiser, kern.file and its join,
// net.inet.tcp.stats and net.inet.tcp.states, and /dev/tcpstats records,
// all on arbitrary bytes. The first byte picks the release the layouts
// follow (12 to 16); the rest is the input, given to every parser. Where it
// decodes, the zero-copy view path and the materialised record must agree.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <vector>

#include "tcpstats/freebsd/dev_tcpstats.hpp"
#include "tcpstats/freebsd/kern_file.hpp"
#include "tcpstats/freebsd/materialize.hpp"
#include "tcpstats/freebsd/pcblist.hpp"
#include "tcpstats/freebsd/socket_owners.hpp"
#include "tcpstats/freebsd/tcpstat.hpp"

namespace freebsd = tcpstats::freebsd;

namespace {

void walk_pcblist(const std::vector<std::byte>& bytes, freebsd::freebsd_release release) {
  const auto list = freebsd::pcblist::parse(bytes, release);
  if (!list) return;
  auto records = list->records();
  std::optional<tcpstats::parse_error> first_error;
  std::size_t yields_after_error = 0;
  tcpstats::connection_record record;
  for (const auto& r : records) {
    if (first_error) ++yields_after_error;
    if (!r) {
      first_error = r.error();
      continue;
    }
    if (r->inp_gencnt() > list->header().xig_gen()) std::abort();  // must have been skipped
    freebsd::materialize(*r, record);
    if (record.local_port != r->ie_lport() || record.remote_port != r->ie_fport()) std::abort();
    if (record.kernel_state != r->t_state()) std::abort();
    if (record.syncache_entry.has_value() != r->is_syncache_entry()) std::abort();
    if (!r->is_syncache_entry() && r->has_socket() && record.socket_id != r->xso_so()) std::abort();
    if (record.rtt_us || record.snd_nxt || record.tx_bytes) std::abort();  // never from pcblist
  }
  if (yields_after_error != 0) std::abort();  // an error is yielded once, then the walk ends
  const auto trailer = records.trailer();
  if (first_error && (trailer || !(trailer.error() == *first_error))) std::abort();
  if (!first_error && !trailer) std::abort();
}

void join_kern_file(const std::vector<std::byte>& bytes) {
  const auto files = freebsd::xfile_list::parse(bytes);
  if (!files) return;
  if (files->size() * freebsd::xfile_view::size != bytes.size()) std::abort();
  const freebsd::socket_owners owners(*files);
  for (std::size_t i = 0; i < files->size(); ++i) {
    const auto f = (*files)[i];
    const auto owner = owners.find(f.xf_data());
    // Every socket entry with an address is found, by its lowest pid.
    if (f.is_socket() && f.xf_data() != 0 && (!owner || owner->pid > f.xf_pid())) std::abort();
  }
}

void read_records(const std::vector<std::byte>& bytes) {
  const auto records = freebsd::tcpstats_records::parse(bytes);
  if (!records) return;
  tcpstats::connection_record record;
  for (std::size_t i = 0; i < records->size(); ++i) {
    const auto r = (*records)[i];
    freebsd::materialize(r, record);
    if (record.kernel_state != r.tsr_state()) std::abort();
    if (record.local_port != r.get<std::uint16_t>(freebsd::tsr::tsr_local_port)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const freebsd::freebsd_release release{12u + data[0] % 5u, 0};
  // An exact-size copy, so any read past the end is an ASan report.
  const std::vector<std::byte> bytes(reinterpret_cast<const std::byte*>(data) + 1,
                                     reinterpret_cast<const std::byte*>(data) + size);
  walk_pcblist(bytes, release);
  join_kern_file(bytes);
  read_records(bytes);
  (void)freebsd::decode_tcpstat(bytes, release);
  (void)freebsd::decode_tcp_states(bytes);
  return 0;
}
