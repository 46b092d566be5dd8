#pragma once
// The CollectionMetadata and SystemSummary fields of a batch, in field-number
// order, written once for the two direct encoders (binary and JSON, in
// batch_parts_encoder.cpp), as record_fields.hpp does for TcpSocketRecord.
// Each call names the field's number, its proto3 JSON name and its value.
// tests/reader_encoding_test.cpp checks both encoders against protobuf's own
// serializer and JSON printer fed by fill_metadata() and fill_summary()
// (proto_convert.cpp, the reference), so a wrong number or name here cannot
// go unnoticed.
//
// A new SystemSummary field is one line in visit_summary_fields (plus its
// setter in the reference fill_summary). For a counter delta, after adding
// the counter to system_counters (pass.hpp):
//   v.optional(19, "deltaFoo", in.delta(&system_counters::foo));

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "codec/record_fields.hpp"
#include "core/pass.hpp"
#include "core/summary.hpp"
#include "core/tool_version.hpp"

namespace tcpstats::reader {

// Platform names by number.
[[nodiscard]] constexpr std::string_view platform_enum_name(platform p) {
  switch (p) {
    case platform::unknown: break;
    case platform::macos: return "PLATFORM_MACOS";
    case platform::freebsd: return "PLATFORM_FREEBSD";
    case platform::linux_: return "PLATFORM_LINUX";
  }
  return "PLATFORM_UNKNOWN";
}

// Calls the visitor's methods for every CollectionMetadata field:
//   implicit(num, name, value)   proto3 field without presence: an integer
//                                (skipped when 0) or a string_view (skipped
//                                when empty)
//   enumeration(num, name, value, enum_name)   skipped when 0
//   optional(num, name, const std::optional<T>&)   T: u64, bool, double
//   repeated_enum(num, name, span<const data_source>)
template <class Visitor>
void visit_metadata_fields(const pass_info& p, const run_context& run, Visitor& v) {
  v.implicit(1, "timestampNs", p.timestamp_ns);
  v.implicit(2, "hostname", std::string_view(p.hostname));
  v.enumeration(3, "platform", static_cast<int>(p.platform), platform_enum_name(p.platform));
  v.implicit(4, "osVersion", std::string_view(p.os_version));
  v.implicit(5, "intervalMs", run.interval_ms);
  // 6, schedule_name, is not used by tcpstats-reader.
  v.repeated_enum(7, "dataSources", std::span<const data_source>(p.data_sources));
  v.implicit(8, "collectionDurationNs", p.collection_duration_ns);
  v.optional(9, "pcblistGeneration", p.pcblist_generation);
  v.implicit(10, "batchSequence", run.batch_sequence);
  v.implicit(11, "toolVersion", tool_version);
  v.implicit(12, "schemaVersion", schema_version);
  v.implicit(13, "osRelease", std::string_view(p.os_release));
  v.implicit(14, "sourceFile", std::string_view(p.source_file));
  v.optional(15, "pcblistGenerationChanged", p.pcblist_generation_changed);
}

// Calls the visitor's methods for every SystemSummary field: those of
// visit_metadata_fields, and
//   state_counts(num, name, const state_tally&)   repeated StateBucket, one
//                                                 per state present
//   kernel_state_counts(num, name, optional<array<u64, 11>>)   repeated
//                                  StateBucket, every state (FreeBSD)
template <class Visitor>
void visit_summary_fields(const summary_inputs& in, Visitor& v) {
  using c = system_counters;
  v.implicit(1, "timestampNs", in.info.timestamp_ns);
  v.implicit(2, "intervalMs", in.run.interval_ms);
  v.implicit(3, "totalSockets", in.tally.total);
  v.state_counts(4, "stateCounts", in.tally);
  v.optional(5, "deltaConnAttempts", in.delta(&c::conn_attempts));
  v.optional(6, "deltaAccepts", in.delta(&c::accepts));
  v.optional(7, "deltaConnects", in.delta(&c::connects));
  v.optional(8, "deltaDrops", in.delta(&c::drops));
  v.optional(9, "deltaSndTotalPackets", in.delta(&c::snd_total_packets));
  v.optional(10, "deltaSndBytes", in.delta(&c::snd_bytes));
  v.optional(11, "deltaSndRexmitPackets", in.delta(&c::snd_rexmit_packets));
  v.optional(12, "deltaSndRexmitBytes", in.delta(&c::snd_rexmit_bytes));
  v.optional(13, "deltaRcvTotalPackets", in.delta(&c::rcv_total_packets));
  v.optional(14, "deltaRcvBytes", in.delta(&c::rcv_bytes));
  v.optional(15, "deltaRcvDupPackets", in.delta(&c::rcv_dup_packets));
  v.optional(16, "deltaRcvBadsum", in.delta(&c::rcv_badsum));
  v.optional(17, "retransmitRate", in.ratio(&c::snd_rexmit_packets, &c::snd_total_packets));
  v.optional(18, "duplicateRate", in.ratio(&c::rcv_dup_packets, &c::rcv_total_packets));
  v.optional(19, "elapsedNs", in.run.elapsed_ns);
  v.optional(20, "connAttemptsPerSec", in.per_second(&c::conn_attempts));
  v.optional(21, "acceptsPerSec", in.per_second(&c::accepts));
  v.optional(22, "connectsPerSec", in.per_second(&c::connects));
  v.optional(23, "dropsPerSec", in.per_second(&c::drops));
  v.optional(24, "sndTotalPacketsPerSec", in.per_second(&c::snd_total_packets));
  v.optional(25, "sndBytesPerSec", in.per_second(&c::snd_bytes));
  v.optional(26, "sndRexmitPacketsPerSec", in.per_second(&c::snd_rexmit_packets));
  v.optional(27, "sndRexmitBytesPerSec", in.per_second(&c::snd_rexmit_bytes));
  v.optional(28, "rcvTotalPacketsPerSec", in.per_second(&c::rcv_total_packets));
  v.optional(29, "rcvBytesPerSec", in.per_second(&c::rcv_bytes));
  v.optional(30, "rcvDupPacketsPerSec", in.per_second(&c::rcv_dup_packets));
  v.optional(31, "rcvBadsumPerSec", in.per_second(&c::rcv_badsum));
  const auto count = [&in](std::uint32_t tracker_counts::*member) -> std::optional<std::uint32_t> {
    if (!in.run.connections) return std::nullopt;
    return (*in.run.connections).*member;
  };
  v.optional(32, "connectionsNew", count(&tracker_counts::new_connections));
  v.optional(33, "connectionsClosed", count(&tracker_counts::closed));
  v.optional(34, "connectionsUnchanged", count(&tracker_counts::unchanged));
  const auto events = [&in](auto event_counts::*member) {
    return in.run.events ? std::optional((*in.run.events).*member) : std::nullopt;
  };
  v.optional(35, "connectionsClosedByEvents", events(&event_counts::closed_by_events));
  v.optional(36, "connectionsClosedByPolling", events(&event_counts::closed_by_polling));
  v.optional(37, "eventsDropped", events(&event_counts::dropped));
  v.kernel_state_counts(200, "kernelStateCounts", in.info.kernel_state_counts);
}

}  // namespace tcpstats::reader
