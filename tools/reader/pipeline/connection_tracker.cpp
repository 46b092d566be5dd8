#include "pipeline/connection_tracker.hpp"

#include <cstring>
#include <limits>

#include "codec/wire_encoder.hpp"

namespace tcpstats::reader {

namespace {

// Folds 64 bits into a running hash (the murmur3 finaliser's multiply-xorshift).
std::uint64_t mix(std::uint64_t hash, std::uint64_t value) {
  hash ^= value + 0x9e3779b97f4a7c15u + (hash << 6) + (hash >> 2);
  hash = (hash ^ (hash >> 33)) * 0xff51afd7ed558ccdu;
  return hash ^ (hash >> 33);
}

std::uint64_t load_u64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::optional<double> per_second(const std::optional<std::uint64_t>& delta, std::optional<std::uint64_t> elapsed_ns) {
  if (!delta || !elapsed_ns || *elapsed_ns == 0) return std::nullopt;
  return static_cast<double>(*delta) * 1e9 / static_cast<double>(*elapsed_ns);
}

template <class T>
std::optional<T> narrow(const std::optional<std::uint64_t>& delta) {
  if (!delta || *delta > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) return std::nullopt;
  return static_cast<T>(*delta);
}


}  // namespace

std::size_t connection_tracker::identity_hash::operator()(const identity& id) const noexcept {
  std::uint64_t hash = mix(mix(0, id.socket), id.generation);
  if (id.socket == 0) {
    const flow& t = id.tuple;
    hash = mix(hash, load_u64(t.local.data()) ^ load_u64(t.local.data() + 8));
    hash = mix(hash, load_u64(t.remote.data()) ^ load_u64(t.remote.data() + 8));
    hash = mix(hash, (std::uint64_t{t.local_port} << 16) | t.remote_port);
  }
  return static_cast<std::size_t>(hash);
}

connection_tracker::flow connection_tracker::flow_of(const connection_record& r) {
  flow f;
  if (r.local_address) {
    f.local = r.local_address->bytes;
    f.local_scope = r.local_address->scope_id;
    f.family = static_cast<std::uint8_t>(r.local_address->family);
  }
  if (r.remote_address) {
    f.remote = r.remote_address->bytes;
    f.remote_scope = r.remote_address->scope_id;
  }
  f.local_port = r.local_port;
  f.remote_port = r.remote_port;
  return f;
}

connection_tracker::identity connection_tracker::identity_of(const connection_record& r, const flow& tuple) {
  identity id;
  id.generation = r.inp_gencnt.value_or(0);
  if (r.socket_id && *r.socket_id != 0) {
    id.socket = *r.socket_id;
  } else {
    id.tuple = tuple;
  }
  return id;
}

connection_tracker::counters connection_tracker::counters_of(const connection_record& r) {
  counters c;
  const auto put = [&c](counter which, const auto& value) {
    if (!value) return;
    c.value[which] = static_cast<std::uint64_t>(*value);
    c.present |= static_cast<std::uint16_t>(1u << which);
  };
  put(rexmit_packets, r.rexmit_packets);
  put(ooo_packets, r.ooo_packets);
  put(zerowin_probes, r.zerowin_probes);
  put(tx_bytes, r.tx_bytes);
  put(rx_bytes, r.rx_bytes);
  put(bytes_acked, r.bytes_acked);
  put(bytes_received, r.bytes_received);
  put(bytes_retrans, r.bytes_retrans);
  put(total_retrans, r.total_retrans);
  put(segs_out, r.segs_out);
  put(segs_in, r.segs_in);
  put(lost, r.lost);
  return c;
}

record_delta connection_tracker::delta_between(const entry& before, const counters& now) const {
  // A counter that went backwards (wrap, reset) has no delta this pass.
  const auto delta = [&](counter which) -> std::optional<std::uint64_t> {
    const auto bit = static_cast<std::uint16_t>(1u << which);
    if ((before.last.present & bit) == 0 || (now.present & bit) == 0) return std::nullopt;
    if (now.value[which] < before.last.value[which]) return std::nullopt;
    return now.value[which] - before.last.value[which];
  };
  record_delta d;
  d.rexmit_packets = narrow<std::int32_t>(delta(rexmit_packets));
  d.ooo_packets = narrow<std::int32_t>(delta(ooo_packets));
  d.zerowin_probes = narrow<std::int32_t>(delta(zerowin_probes));
  d.tx_bytes = narrow<std::int64_t>(delta(tx_bytes));
  d.rx_bytes = narrow<std::int64_t>(delta(rx_bytes));
  d.bytes_acked = delta(bytes_acked);
  d.bytes_received = delta(bytes_received);
  d.bytes_retrans = delta(bytes_retrans);
  d.total_retrans = delta(total_retrans);
  d.segs_out = delta(segs_out);
  d.segs_in = delta(segs_in);
  const auto lost_bit = static_cast<std::uint16_t>(1u << lost);
  if ((before.last.present & lost_bit) != 0 && (now.present & lost_bit) != 0) {
    // A gauge of 32-bit values: the signed difference always fits.
    d.lost = static_cast<std::int64_t>(now.value[lost]) - static_cast<std::int64_t>(before.last.value[lost]);
  }
  const auto sent = delta(tx_bytes) ? delta(tx_bytes) : delta(bytes_acked);
  const auto received = delta(rx_bytes) ? delta(rx_bytes) : delta(bytes_received);
  const auto retransmits = delta(rexmit_packets) ? delta(rexmit_packets) : delta(total_retrans);
  d.tx_bytes_per_sec = per_second(sent, elapsed_ns_);
  d.rx_bytes_per_sec = per_second(received, elapsed_ns_);
  d.retransmits_per_sec = per_second(retransmits, elapsed_ns_);
  d.retransmitted_bytes_per_sec = per_second(delta(bytes_retrans), elapsed_ns_);
  if (clock_ns_ && before.first_seen_ns && *clock_ns_ >= *before.first_seen_ns) {
    d.first_seen_age_ms = (*clock_ns_ - *before.first_seen_ns) / 1'000'000;
  }
  return d;
}

void connection_tracker::start_pass(std::uint64_t sequence, std::optional<std::uint64_t> clock_ns,
                                    tracker_mode mode) {
  sequence_ = sequence;
  mode_ = mode;
  clock_ns_ = clock_ns;
  elapsed_ns_.reset();
  if (clock_ns && previous_clock_ns_ && *clock_ns > *previous_clock_ns_) elapsed_ns_ = *clock_ns - *previous_clock_ns_;
  counts_ = {};
  has_previous_ = previous_sequence_ != 0;
}

std::optional<tracker_counts> connection_tracker::counts() const {
  if (!has_previous_) return std::nullopt;
  return counts_;
}

void connection_tracker::emit_closed(const entry& e, const record_consumer& out) {
  std::string error;
  // The bytes are this tracker's own encoding: they always decode.
  if (!decode_record({e.last_record.data(), e.last_record.size()}, closed_, error)) return;
  closed_.delta = {};
  closed_.delta.closed = true;
  ++counts_.closed;
  out(closed_.record, closed_.delta, true);
}

void connection_tracker::observe(const connection_record& record, const record_consumer& out) {
  const bool commit = mode_ == tracker_mode::commit;
  const flow tuple = flow_of(record);
  const identity id = identity_of(record, tuple);
  // The fields that count as a change first, then the timers and ages.
  char* const changes_end = encode_record_part(record, false, scratch_.data());
  const auto changes_size = static_cast<std::size_t>(changes_end - scratch_.data());
  const std::string_view changes(scratch_.data(), changes_size);
  const auto keep = [&](entry& e) {
    char* end = encode_record_part(record, true, changes_end);
    e.last_record.assign(scratch_.data(), static_cast<std::size_t>(end - scratch_.data()));
    e.changes_size = static_cast<std::uint32_t>(changes_size);
  };

  auto found = connections_.find(id);
  if (found != connections_.end()) {
    entry& e = found->second;
    const std::uint64_t stamp = commit ? e.seen_in : e.measured_in;
    if (stamp == sequence_) {
      // The same identity twice in one pass (not seen from a sane kernel):
      // the second is passed on as it is, without a delta, and not kept.
      out(record, record_delta{}, true);
      return;
    }
    (commit ? e.seen_in : e.measured_in) = sequence_;
    if (e.tuple != tuple) {
      // The identity now names another connection: the old one closed.
      emit_closed(e, out);
      found = commit ? found : connections_.end();
    }
  }

  const counters now = counters_of(record);
  if (found == connections_.end()) {
    ++counts_.new_connections;
    out(record, record_delta{}, true);
    if (commit) {
      entry& e = connections_[id];
      e = entry{};
      e.tuple = tuple;
      e.first_seen_ns = clock_ns_;
      e.seen_in = sequence_;
      e.last = now;
      keep(e);
    }
    return;
  }

  entry& e = found->second;
  const bool replaced = e.tuple != tuple;  // (measure mode left a replaced identity above)
  if (replaced) {
    ++counts_.new_connections;
    out(record, record_delta{}, true);
    e.tuple = tuple;
    e.first_seen_ns = clock_ns_;
  } else {
    const bool changed = std::string_view(e.last_record).substr(0, e.changes_size) != changes;
    if (!changed && changes_only_) ++counts_.unchanged;
    out(record, delta_between(e, now), changed || !changes_only_);
  }
  if (commit) {
    e.last = now;
    keep(e);
  }
}

void connection_tracker::finish_pass(const record_consumer& out) {
  const bool commit = mode_ == tracker_mode::commit;
  for (auto it = connections_.begin(); it != connections_.end();) {
    const entry& e = it->second;
    if ((commit ? e.seen_in : e.measured_in) == sequence_) {
      ++it;
      continue;
    }
    emit_closed(e, out);
    it = commit ? connections_.erase(it) : std::next(it);
  }
  if (commit) {
    previous_sequence_ = sequence_;
    previous_clock_ns_ = clock_ns_;
  }
}

}  // namespace tcpstats::reader
