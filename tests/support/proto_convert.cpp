#include "proto_convert.hpp"

#include <array>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>

#include "cli/options.hpp"

namespace tcpstats::reader {

namespace pb = tcpstats_reader;

static_assert(static_cast<int>(platform::macos) == pb::PLATFORM_MACOS);
static_assert(static_cast<int>(platform::freebsd) == pb::PLATFORM_FREEBSD);
static_assert(static_cast<int>(platform::linux_) == pb::PLATFORM_LINUX);
static_assert(static_cast<int>(data_source::macos_pcblist_n) == pb::DATA_SOURCE_MACOS_PCBLIST_N);
static_assert(static_cast<int>(data_source::freebsd_pcblist) == pb::DATA_SOURCE_FREEBSD_PCBLIST);
static_assert(static_cast<int>(data_source::kern_file) == pb::DATA_SOURCE_KERN_FILE);
static_assert(static_cast<int>(data_source::linux_sock_diag) == pb::DATA_SOURCE_LINUX_SOCK_DIAG);
static_assert(static_cast<int>(data_source::linux_proc_fd) == pb::DATA_SOURCE_LINUX_PROC_FD);
static_assert(static_cast<int>(data_source::macos_tcp_stats) == pb::DATA_SOURCE_MACOS_TCP_STATS);
static_assert(static_cast<int>(data_source::freebsd_tcp_stats) == pb::DATA_SOURCE_FREEBSD_TCP_STATS);
static_assert(static_cast<int>(data_source::linux_proc_net_snmp) == pb::DATA_SOURCE_LINUX_PROC_NET_SNMP);
static_assert(static_cast<int>(data_source::freebsd_kld) == pb::DATA_SOURCE_FREEBSD_KLD);
static_assert(static_cast<int>(data_source::freebsd_tcp_states) == pb::DATA_SOURCE_FREEBSD_TCP_STATES);

namespace {

using google::protobuf::FieldDescriptor;

// Sets the field `name` of `out` through protobuf's reflection, by the
// field's own C++ type: what protobuf's serializer and printer then write
// is the reference the direct encoders are checked against.
class reflected_setter {
 public:
  explicit reflected_setter(google::protobuf::Message& out)
      : out_(out), descriptor_(*out.GetDescriptor()), reflection_(*out.GetReflection()) {}

  template <class T>
  void set(std::string_view name, const T& value) {
    const FieldDescriptor* f = descriptor_.FindFieldByName(std::string(name));
    if (f == nullptr) throw std::logic_error("no field " + std::string(name) + " in " + descriptor_.name());
    if constexpr (std::is_same_v<T, short_name>) {
      reflection_.SetString(&out_, f, std::string(value.view()));
    } else if constexpr (std::is_same_v<T, std::string>) {
      reflection_.SetString(&out_, f, value);
    } else if constexpr (std::is_same_v<T, bool>) {
      reflection_.SetBool(&out_, f, value);
    } else if constexpr (std::is_same_v<T, double>) {
      reflection_.SetDouble(&out_, f, value);
    } else {
      switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_UINT32: reflection_.SetUInt32(&out_, f, static_cast<std::uint32_t>(value)); break;
        case FieldDescriptor::CPPTYPE_UINT64: reflection_.SetUInt64(&out_, f, static_cast<std::uint64_t>(value)); break;
        case FieldDescriptor::CPPTYPE_INT32: reflection_.SetInt32(&out_, f, static_cast<std::int32_t>(value)); break;
        case FieldDescriptor::CPPTYPE_INT64: reflection_.SetInt64(&out_, f, static_cast<std::int64_t>(value)); break;
        case FieldDescriptor::CPPTYPE_ENUM: reflection_.SetEnumValue(&out_, f, static_cast<int>(value)); break;
        default: throw std::logic_error("field " + std::string(name) + " is not an integer");
      }
    }
  }

 private:
  google::protobuf::Message& out_;
  const google::protobuf::Descriptor& descriptor_;
  const google::protobuf::Reflection& reflection_;
};

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

}  // namespace

void to_proto(const connection_record& r, std::span<const data_source> sources, pb::TcpSocketRecord& out,
              const record_delta* delta) {
  out.Clear();
  reflected_setter set(out);
  const auto bytes_of = [](const ip_address& a) {
    const auto octets = a.octets();
    return std::string(reinterpret_cast<const char*>(octets.data()), octets.size());
  };
  for_each_field(r, [&](const auto& field, const auto& value) {
    using V = std::decay_t<decltype(value)>;
    if constexpr (std::is_same_v<V, std::optional<ip_address>>) {
      if (!value) return;
      set.set(field.name, bytes_of(*value));
    } else if constexpr (std::is_same_v<V, std::optional<tcp_state>>) {
      if (value) set.set(field.name, static_cast<int>(*value) + 1);
    } else if constexpr (is_optional<V>::value) {
      if (value) set.set(field.name, *value);
    } else if (value != V{}) {  // plain members: ports and flags, proto3's 0 is absent
      set.set(field.name, value);
    }
  });
  // What the tool derives from the record.
  if (r.local_address) {
    out.set_ip_version(r.local_address->family == ip_family::ipv4 ? pb::IP_VERSION_4 : pb::IP_VERSION_6);
    if (r.local_address->scope_id != 0) out.set_local_scope_id(r.local_address->scope_id);
  }
  if (r.remote_address && r.remote_address->scope_id != 0) out.set_remote_scope_id(r.remote_address->scope_id);
  for (const data_source s : sources) out.add_sources(static_cast<pb::DataSource>(s));
  if (!delta) return;
  if (!r.connection_age_ms && delta->first_seen_age_ms) out.set_connection_age_ms(*delta->first_seen_age_ms);
  std::apply([&](const auto&... field) {
    (([&] {
       const auto& value = (*delta).*(field.member);
       if constexpr (is_optional<std::decay_t<decltype(value)>>::value) {
         if (value) set.set(field.name, *value);
       } else if (value) {
         set.set(field.name, value);
       }
     }()), ...);
  }, delta_fields);
}

void fill_metadata(const pass_info& p, const run_context& run, pb::CollectionMetadata& out) {
  out.Clear();
  out.set_timestamp_ns(p.timestamp_ns);
  out.set_hostname(p.hostname);
  out.set_platform(static_cast<pb::Platform>(p.platform));
  out.set_os_version(p.os_version);
  out.set_interval_ms(run.interval_ms);
  for (const data_source s : p.data_sources) out.add_data_sources(static_cast<pb::DataSource>(s));
  out.set_collection_duration_ns(p.collection_duration_ns);
  if (p.pcblist_generation) out.set_pcblist_generation(*p.pcblist_generation);
  out.set_batch_sequence(run.batch_sequence);
  out.set_tool_version(std::string(tool_version));
  out.set_schema_version(schema_version);
  out.set_os_release(p.os_release);
  out.set_source_file(p.source_file);
  if (p.pcblist_generation_changed) out.set_pcblist_generation_changed(*p.pcblist_generation_changed);
}

void fill_summary(const pass_info& p, const state_tally& tally, const run_context& run,
                  const std::optional<system_counters>& previous, pb::SystemSummary& out) {
  out.Clear();
  out.set_timestamp_ns(p.timestamp_ns);
  out.set_interval_ms(run.interval_ms);
  out.set_total_sockets(tally.total);
  for (std::size_t state = 0; state < tally.by_state.size(); ++state) {
    if (tally.by_state[state] == 0) continue;
    auto* bucket = out.add_state_counts();
    bucket->set_state(static_cast<pb::TcpState>(state));
    bucket->set_count(tally.by_state[state]);
  }
  if (run.elapsed_ns) out.set_elapsed_ns(*run.elapsed_ns);
  if (run.connections) {
    out.set_connections_new(run.connections->new_connections);
    out.set_connections_closed(run.connections->closed);
    out.set_connections_unchanged(run.connections->unchanged);
  }
  if (run.events) {
    out.set_connections_closed_by_events(run.events->closed_by_events);
    out.set_connections_closed_by_polling(run.events->closed_by_polling);
    out.set_events_dropped(run.events->dropped);
  }
  if (p.kernel_state_counts) {
    for (std::size_t state = 0; state < p.kernel_state_counts->size(); ++state) {
      auto* bucket = out.add_kernel_state_counts();
      bucket->set_state(static_cast<pb::TcpState>(state + 1));
      // StateBucket.count is 32-bit; no host holds 2^32 connections.
      const std::uint64_t count = (*p.kernel_state_counts)[state];
      bucket->set_count(count > UINT32_MAX ? UINT32_MAX : static_cast<std::uint32_t>(count));
    }
  }
  if (!previous || !p.counters || previous->width_bits != p.counters->width_bits) return;
  const system_counters& now = *p.counters;
  // Counters wrap at their own width; a modular difference is the delta.
  const std::uint64_t mask = now.width_bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << now.width_bits) - 1;
  const auto delta = [mask](const std::optional<std::uint64_t>& later, const std::optional<std::uint64_t>& earlier)
      -> std::optional<std::uint64_t> {
    if (!later || !earlier) return std::nullopt;
    return (*later - *earlier) & mask;
  };
  using setter = void (pb::SystemSummary::*)(std::uint64_t);
  using rate_setter = void (pb::SystemSummary::*)(double);
  const auto put = [&out, &run](setter set, rate_setter set_rate, const std::optional<std::uint64_t>& value) {
    if (!value) return;
    (out.*set)(*value);
    if (run.elapsed_ns && *run.elapsed_ns != 0) {
      (out.*set_rate)(static_cast<double>(*value) * 1e9 / static_cast<double>(*run.elapsed_ns));
    }
  };
  using S = pb::SystemSummary;
  const auto snd_total = delta(now.snd_total_packets, previous->snd_total_packets);
  const auto snd_rexmit = delta(now.snd_rexmit_packets, previous->snd_rexmit_packets);
  const auto rcv_total = delta(now.rcv_total_packets, previous->rcv_total_packets);
  const auto rcv_dup = delta(now.rcv_dup_packets, previous->rcv_dup_packets);
  put(&S::set_delta_conn_attempts, &S::set_conn_attempts_per_sec, delta(now.conn_attempts, previous->conn_attempts));
  put(&S::set_delta_accepts, &S::set_accepts_per_sec, delta(now.accepts, previous->accepts));
  put(&S::set_delta_connects, &S::set_connects_per_sec, delta(now.connects, previous->connects));
  put(&S::set_delta_drops, &S::set_drops_per_sec, delta(now.drops, previous->drops));
  put(&S::set_delta_snd_total_packets, &S::set_snd_total_packets_per_sec, snd_total);
  put(&S::set_delta_snd_bytes, &S::set_snd_bytes_per_sec, delta(now.snd_bytes, previous->snd_bytes));
  put(&S::set_delta_snd_rexmit_packets, &S::set_snd_rexmit_packets_per_sec, snd_rexmit);
  put(&S::set_delta_snd_rexmit_bytes, &S::set_snd_rexmit_bytes_per_sec,
      delta(now.snd_rexmit_bytes, previous->snd_rexmit_bytes));
  put(&S::set_delta_rcv_total_packets, &S::set_rcv_total_packets_per_sec, rcv_total);
  put(&S::set_delta_rcv_bytes, &S::set_rcv_bytes_per_sec, delta(now.rcv_bytes, previous->rcv_bytes));
  put(&S::set_delta_rcv_dup_packets, &S::set_rcv_dup_packets_per_sec, rcv_dup);
  put(&S::set_delta_rcv_badsum, &S::set_rcv_badsum_per_sec, delta(now.rcv_badsum, previous->rcv_badsum));
  if (snd_total && snd_rexmit && *snd_total != 0) {
    out.set_retransmit_rate(static_cast<double>(*snd_rexmit) / static_cast<double>(*snd_total));
  }
  if (rcv_total && rcv_dup && *rcv_total != 0) {
    out.set_duplicate_rate(static_cast<double>(*rcv_dup) / static_cast<double>(*rcv_total));
  }
}

void build_batch(const pass& p, const run_context& run, const std::optional<system_counters>& previous,
                 pb::BatchMessage& out, std::span<const record_delta> deltas) {
  out.Clear();
  fill_metadata(p, run, *out.mutable_metadata());
  out.mutable_records()->Reserve(static_cast<int>(p.records.size()));
  state_tally tally;
  for (std::size_t i = 0; i < p.records.size(); ++i) {
    const record_delta* delta = i < deltas.size() ? &deltas[i] : nullptr;
    to_proto(p.records[i], p.record_sources, *out.add_records(), delta);
    if (!delta || !delta->closed) tally.add(p.records[i]);
  }
  fill_summary(p, tally, run, previous, *out.mutable_summary());
}

}  // namespace tcpstats::reader
