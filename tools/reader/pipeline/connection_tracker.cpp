#include "pipeline/connection_tracker.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>

#include "tcpstats/sock_diag/materialize.hpp"

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

std::size_t connection_tracker::flow_hash::operator()(const flow& t) const noexcept {
  std::uint64_t hash = mix(0, load_u64(t.local.data()) ^ load_u64(t.local.data() + 8));
  hash = mix(hash, load_u64(t.remote.data()) ^ load_u64(t.remote.data() + 8));
  return static_cast<std::size_t>(mix(hash, (std::uint64_t{t.local_port} << 16) | t.remote_port));
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

connection_tracker::identity connection_tracker::identity_of(const entry& e) {
  identity id;
  id.socket = e.socket;
  id.generation = e.generation;
  if (e.socket == 0) id.tuple = e.tuple;
  return id;
}

std::uint32_t connection_tracker::find(const identity& id) const {
  if (expected_ != none) {
    const entry& e = entries_[expected_];
    if (e.live && identity_of(e) == id) return expected_;
  }
  const auto found = index_.find(id);
  return found == index_.end() ? none : found->second;
}

std::uint32_t connection_tracker::add(const identity& id, const flow& tuple) {
  std::uint32_t position;
  if (!free_.empty()) {
    position = free_.back();
    free_.pop_back();
  } else {
    position = static_cast<std::uint32_t>(entries_.size());
    (void)entries_.emplace_back();
  }
  entry& e = entries_[position];
  const std::size_t record_at = e.record_at;  // the room a closed connection left
  const std::uint32_t record_room = e.record_room;
  e = entry{};
  e.record_at = record_at;
  e.record_room = record_room;
  e.socket = id.socket;
  e.generation = id.generation;
  e.tuple = tuple;
  e.live = true;
  index_.emplace(id, position);
  return position;
}

void connection_tracker::remove(std::uint32_t position) {
  entry& e = entries_[position];
  index_.erase(identity_of(e));
  e.live = false;
  free_.push_back(position);
}

void connection_tracker::follows(std::uint32_t position) {
  if (previous_ == none) {
    head_ = position;
  } else {
    entries_[previous_].next = position;
  }
  previous_ = position;
  expected_ = entries_[position].next;
}

void connection_tracker::store_record(entry& e, std::span<const char8_t> bytes) {
  if (bytes.size() > e.record_room) {
    const std::size_t room = bytes.size() + record_slack;
    if (records_.capacity() - records_used_ < room) grow_records(room);
    e.record_at = records_used_;
    e.record_room = static_cast<std::uint32_t>(room);
    records_used_ += room;
  }
  std::memcpy(records_.data() + e.record_at, bytes.data(), bytes.size());
  e.record_size = static_cast<std::uint32_t>(bytes.size());
}

void connection_tracker::last_record(const entry& e, connection_record& out) const {
  const auto bytes = record_of(e);
  if (e.rebuild == nullptr) {
    packed::unpack(bytes, out);
  } else {
    e.rebuild(std::as_bytes(bytes), out);
  }
}

void connection_tracker::reserve(std::size_t connections) {
  // The count is the dump's, before filters: room a filtered pass leaves
  // unused is address space only (pages are touched as records arrive).
  // Tables that must grow grow at least twice over, as adding one by one
  // would, so a host that grows a little each pass does not move them each
  // pass; none shrinks. A hint the system cannot map is dropped; each step
  // leaves the tables as they were when it fails.
  try {
    if (connections > entries_.capacity()) entries_.reserve(std::max(connections, 2 * entries_.capacity()));
    if (static_cast<double>(connections) > static_cast<double>(index_.bucket_count()) * index_.max_load_factor()) {
      index_.reserve(std::max(connections, 2 * index_.size()));
    }
    // Room for the records of the connections not tracked yet.
    const std::size_t untracked = connections > index_.size() ? connections - index_.size() : 0;
    const std::size_t wanted = untracked * expected_record_room;
    if (records_.capacity() - records_used_ < wanted) grow_records(wanted);
  } catch (const std::bad_alloc&) {
  }
}

void connection_tracker::grow_records(std::size_t more) {
  std::size_t needed = more;
  for (const entry& e : entries_) needed += e.live ? e.record_room : 0;
  page_region bigger(std::max<std::size_t>({2 * needed, records_.capacity(), 64 * 1024}));
  std::size_t used = 0;
  for (entry& e : entries_) {
    if (!e.live) {
      e.record_room = 0;
      continue;
    }
    if (e.record_size != 0) std::memcpy(bigger.data() + used, records_.data() + e.record_at, e.record_size);
    e.record_at = used;
    used += e.record_room;
  }
  records_ = std::move(bigger);
  records_used_ = used;
}

namespace {

// Calls visit(slot, delta_field) for each delta_fields entry that names a
// record counter; slot is its index in the tracker's counter array.
template <class Visit>
void for_each_counter(Visit&& visit) {
  std::size_t slot = 0;
  const auto one = [&](const auto& field) {
    if constexpr (std::remove_cvref_t<decltype(field)>::counter != nullptr) visit(slot++, field);
  };
  std::apply([&](const auto&... field) { (one(field), ...); }, delta_fields);
}

// The library's kind of a record member (counter, value, ...).
template <auto Member>
constexpr field_kind kind_of() {
  field_kind kind{};
  std::apply([&](const auto&... field) {
    (([&] {
       if constexpr (std::is_same_v<std::remove_cv_t<decltype(field.member)>, decltype(Member)>) {
         if (field.member == Member) kind = field.kind;
       }
     }()), ...);
  }, record_fields);
  return kind;
}

// The counter slot of a record member, for the rates below.
template <auto Member>
constexpr std::size_t slot_of() {
  std::size_t slot = 0, found = connection_tracker::counter_count;
  std::apply([&](const auto&... field) {
    (([&] {
       if constexpr (std::remove_cvref_t<decltype(field)>::counter != nullptr) {
         if constexpr (std::is_same_v<std::remove_cv_t<decltype(field.counter)>, decltype(Member)>) {
           if (field.counter == Member) found = slot;
         }
         ++slot;
       }
     }()), ...);
  }, delta_fields);
  if (found == connection_tracker::counter_count) throw "not a counter of delta_fields";
  return found;
}

}  // namespace

connection_tracker::counters connection_tracker::counters_of(const connection_record& r) {
  counters c;
  for_each_counter([&](std::size_t slot, const auto& field) {
    const auto& value = r.*(field.counter);
    if (!value) return;
    c.value[slot] = static_cast<std::uint64_t>(*value);
    c.present |= 1u << slot;
  });
  return c;
}

record_delta connection_tracker::delta_between(const entry& before, const counters& now) const {
  std::array<std::optional<std::uint64_t>, counter_count> change{};
  record_delta d;
  for_each_counter([&](std::size_t slot, const auto& field) {
    const std::uint32_t bit = 1u << slot;
    if ((before.last.present & bit) == 0 || (now.present & bit) == 0) return;
    const std::uint64_t earlier = before.last.value[slot];
    const std::uint64_t later = now.value[slot];
    auto& out = d.*(field.member);
    using delta_type = typename std::remove_cvref_t<decltype(out)>::value_type;
    if constexpr (kind_of<std::remove_cvref_t<decltype(field)>::counter>() != field_kind::counter) {
      // A gauge (tcpi_lost: segments now presumed lost) of 32-bit values:
      // its change may be negative and always fits.
      static_assert(std::is_signed_v<delta_type> && sizeof(delta_type) == 8);
      out = static_cast<std::int64_t>(later) - static_cast<std::int64_t>(earlier);
    } else {
      // A counter that went backwards (wrap, reset) has no delta this pass.
      if (later < earlier) return;
      change[slot] = later - earlier;
      if (*change[slot] <= static_cast<std::uint64_t>(std::numeric_limits<delta_type>::max())) {
        out = static_cast<delta_type>(*change[slot]);
      }
    }
  });
  // Rates: macOS's counters where present, else Linux's.
  using r = connection_record;
  const auto either = [&](std::size_t first, std::size_t second) { return change[first] ? change[first] : change[second]; };
  constexpr std::size_t tx = slot_of<&r::tx_bytes>(), acked = slot_of<&r::bytes_acked>();
  constexpr std::size_t rx = slot_of<&r::rx_bytes>(), received = slot_of<&r::bytes_received>();
  constexpr std::size_t rexmit = slot_of<&r::rexmit_packets>(), retrans = slot_of<&r::total_retrans>();
  constexpr std::size_t retrans_bytes = slot_of<&r::bytes_retrans>();
  d.tx_bytes_per_sec = per_second(either(tx, acked), elapsed_ns_);
  d.rx_bytes_per_sec = per_second(either(rx, received), elapsed_ns_);
  d.retransmits_per_sec = per_second(either(rexmit, retrans), elapsed_ns_);
  d.retransmitted_bytes_per_sec = per_second(change[retrans_bytes], elapsed_ns_);
  if (clock_ns_ && before.first_seen_ns && *clock_ns_ >= *before.first_seen_ns) {
    d.first_seen_age_ms = (*clock_ns_ - *before.first_seen_ns) / 1'000'000;
  }
  return d;
}

void connection_tracker::start_pass(std::uint64_t sequence, std::optional<std::uint64_t> clock_ns) {
  sequence_ = sequence;
  clock_ns_ = clock_ns;
  elapsed_ns_.reset();
  if (clock_ns && previous_clock_ns_ && *clock_ns > *previous_clock_ns_) elapsed_ns_ = *clock_ns - *previous_clock_ns_;
  counts_ = {};
  has_previous_ = previous_sequence_ != 0;
  events_ = events_complete_ = false;
  closed_by_events_ = 0;
  destroyed_now_.clear();
  previous_ = none;
  expected_ = head_;
}

void connection_tracker::expect_destroy_events(bool complete) {
  events_ = true;
  events_complete_ = complete;
}

void connection_tracker::observe_destroyed(const connection_record& final_values,
                                           const record_predicate& keep_untracked, const record_consumer& out) {
  const flow tuple = flow_of(final_values);
  const std::uint64_t cookie = final_values.socket_id.value_or(0);
  // The kernel frees a socket once: a second event is not another close.
  if (cookie != 0 && !destroyed_now_.insert(cookie).second) return;
  if (tuple.remote_port != 0) destroyed_flows_[tuple] = sequence_;
  if (polled_closed_.erase(cookie) != 0) return;
  const std::uint32_t found = cookie == 0 ? none : find(identity_of(final_values, tuple));
  if (found == none) {
    if (tuple.remote_port == 0 || !keep_untracked(final_values)) return;
    ++counts_.closed;
    ++closed_by_events_;
    record_delta delta;
    delta.closed = true;
    out(final_values, delta, true);
    return;
  }
  const entry& e = entries_[found];
  record_delta delta;
  if (tuple.remote_port == 0 && e.tuple.remote_port != 0) {
    // Disconnected before it was freed (SO_LINGER 0): the kernel zeroed its
    // peer and counters, so the last values seen are the ones to keep.
    last_record(e, closed_);
  } else {
    last_record(e, last_);
    const connection_record& last = last_;
    const auto keep_last = [](auto& now, const auto& before) {
      if (!now) now = before;
    };
    connection_record& merged = closed_;
    merged = final_values;
    keep_last(merged.uid, last.uid);
    keep_last(merged.inode, last.inode);
    keep_last(merged.pid, last.pid);
    keep_last(merged.effective_pid, last.effective_pid);
    keep_last(merged.fd, last.fd);
    keep_last(merged.command, last.command);
    keep_last(merged.cc_algo, last.cc_algo);
    keep_last(merged.cgroup_id, last.cgroup_id);
    delta = delta_between(e, counters_of(final_values));
  }
  delta.closed = true;
  ++counts_.closed;
  ++closed_by_events_;
  out(closed_, delta, true);
  remove(found);
}

std::optional<tracker_counts> connection_tracker::counts() const {
  if (!has_previous_) return std::nullopt;
  return counts_;
}

void connection_tracker::emit_closed(const entry& e, const record_consumer& out) {
  record_delta delta;
  delta.closed = true;
  ++counts_.closed;
  last_record(e, closed_);
  out(closed_, delta, true);
}

void connection_tracker::observe(const connection_record& record, const record_consumer& out,
                                 const record_origin* origin) {
  const flow tuple = flow_of(record);
  const identity id = identity_of(record, tuple);
  if (!destroyed_flows_.empty() || !destroyed_now_.empty()) {
    // The TIME_WAIT entry a destroyed socket left (its own cookie when no
    // pass had asked for the socket's): part of a connection already closed.
    const auto after = record.state == tcp_state::time_wait ? destroyed_flows_.find(tuple) : destroyed_flows_.end();
    if (after != destroyed_flows_.end()) {
      after->second = sequence_;
      if (const std::uint32_t tracked = find(id); tracked != none) remove(tracked);
      out(record, record_delta{}, !changes_only_);
      return;
    }
    // Dumped just before the kernel freed it: its closed record, with the
    // final values, stands for it (passed on too, a consumer that sums
    // what connections carried, the metrics, would count it twice).
    if (id.socket != 0 && destroyed_now_.count(id.socket) != 0) return;
  }
  if (events_complete_ && has_previous_ && record.state == tcp_state::time_wait && find(id) == none) {
    // A TIME_WAIT entry no pass saw is most likely what a socket the kernel
    // is freeing left, its event still on the way (under load the kernel's
    // workqueue sends it late): counted, and a new connection only if no
    // event for its 4-tuple came by the next pass.
    const auto held = held_time_waits_.find(id);
    if (held == held_time_waits_.end() || held->second == sequence_) {
      held_time_waits_[id] = sequence_;
      out(record, record_delta{}, false);
      return;
    }
    held_time_waits_.erase(held);
  }
  // Kept as the bytes it came from, when it has them and no comparison
  // needs its fields; else packed: what counts as a change first, then the
  // timers and ages.
  const bool keep_origin = !changes_only_ && origin != nullptr && origin->rebuild != nullptr;
  char8_t* const changes_end = keep_origin ? scratch_.data() : packed::pack_part<false>(record, scratch_.data());
  const std::span<const char8_t> changes(scratch_.data(), static_cast<std::size_t>(changes_end - scratch_.data()));
  const auto keep = [&](entry& e) {
    if (keep_origin) {
      store_record(e, {reinterpret_cast<const char8_t*>(origin->bytes.data()), origin->bytes.size()});
      e.rebuild = origin->rebuild;
    } else {
      const char8_t* end = packed::pack_part<true>(record, changes_end);
      store_record(e, {scratch_.data(), static_cast<std::size_t>(end - scratch_.data())});
      e.rebuild = nullptr;
    }
    e.changes_size = static_cast<std::uint32_t>(changes.size());
    // TIME_WAIT and request entries are not sockets: the kernel sends no
    // destroy event for them.
    e.awaits_event = id.socket != 0 && record.state != tcp_state::time_wait &&
                     record.kernel_state != sock_diag::linux_state::new_syn_recv;
    e.missed = false;
  };

  const std::uint32_t found = find(id);
  if (found != none) {
    entry& e = entries_[found];
    if (e.seen_in == sequence_) {
      // The same identity twice in one pass (not seen from a sane kernel):
      // the second is passed on as it is, without a delta, and not kept.
      out(record, record_delta{}, true);
      return;
    }
    e.seen_in = sequence_;
    if (e.tuple != tuple) emit_closed(e, out);  // the identity names another connection
  }

  const counters now = counters_of(record);
  if (found == none) {
    ++counts_.new_connections;
    out(record, record_delta{}, true);
    const std::uint32_t position = add(id, tuple);
    entry& e = entries_[position];
    e.first_seen_ns = clock_ns_;
    e.seen_in = sequence_;
    e.last = now;
    keep(e);
    follows(position);
    return;
  }

  entry& e = entries_[found];
  if (e.tuple != tuple) {  // its old connection's closed record went out above
    ++counts_.new_connections;
    out(record, record_delta{}, true);
    e.tuple = tuple;
    e.first_seen_ns = clock_ns_;
  } else {
    // Only --changes-only asks whether anything changed.
    const auto before = record_of(e).first(e.changes_size);
    const bool emit = !changes_only_ || !std::equal(before.begin(), before.end(), changes.begin(), changes.end());
    if (!emit) ++counts_.unchanged;
    out(record, delta_between(e, now), emit);
  }
  e.last = now;
  keep(e);
  follows(found);
}

void connection_tracker::finish_pass(const record_consumer& out) {
  for (std::uint32_t position = 0; position < entries_.size(); ++position) {
    entry& e = entries_[position];
    if (!e.live || e.seen_in == sequence_) continue;
    // What a destroyed socket left (a TIME_WAIT entry first taken for a
    // connection, its event late): that connection has its closed record.
    if (!e.awaits_event && destroyed_flows_.count(e.tuple) != 0) {
      remove(position);
      continue;
    }
    // Gone from the table before the kernel freed it (its event may lag,
    // or its owner still holds it): one pass to wait for the final values.
    if (events_complete_ && e.awaits_event && !e.missed) {
      e.missed = true;
      continue;
    }
    emit_closed(e, out);
    if (events_ && e.awaits_event) remember_polled_close(e.socket);
    remove(position);
  }
  // Where the next pass starts looking, and where this one ended.
  if (previous_ == none) {
    head_ = none;
  } else {
    entries_[previous_].next = none;
  }
  previous_sequence_ = sequence_;
  previous_clock_ns_ = clock_ns_;
  // A destroyed 4-tuple's TIME_WAIT entry shows up by the next pass.
  std::erase_if(destroyed_flows_, [this](const auto& entry) { return entry.second + 1 < sequence_; });
  std::erase_if(held_time_waits_, [this](const auto& entry) { return entry.second != sequence_; });
}

void connection_tracker::remember_polled_close(std::uint64_t cookie) {
  if (!polled_closed_.insert(cookie).second) return;
  polled_order_.push_back(cookie);
  if (polled_order_.size() > max_polled_closes) {
    polled_closed_.erase(polled_order_.front());
    polled_order_.pop_front();
  }
}

}  // namespace tcpstats::reader
