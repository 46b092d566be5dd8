#include "metrics/aggregator.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "tcpstats/ip_address.hpp"

namespace tcpstats::reader::metrics {

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

// Label sets by port number, then command ("other" has no number: last).
bool set_before(const label_set& a, const label_set& b) {
  const auto number = [](const std::string& port) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    return ec == std::errc{} && end == port.data() + port.size() ? value : 65536u;
  };
  const unsigned na = number(a.port), nb = number(b.port);
  if (na != nb) return na < nb;
  if (a.command != b.command) return a.command < b.command;
  return a.cgroup < b.cgroup;
}

// No connection of the set has carried a byte or a segment, or had an RTT.
bool never_carried(const label_set& set) {
  const auto zero = [](const std::optional<std::uint64_t>& counter) { return counter.value_or(0) == 0; };
  return !set.rtt && zero(set.bytes_sent) && zero(set.bytes_received) && zero(set.retransmitted_segments) &&
         zero(set.sent_segments);
}

std::string endpoint(const ip_address& address, std::uint16_t port) {
  const std::string text = to_string(address);
  return (address.family == ip_family::ipv6 ? "[" + text + "]" : text) + ":" + std::to_string(port);
}

}  // namespace

std::size_t aggregator::identity_hash::operator()(const identity& id) const noexcept {
  std::uint64_t hash = mix(mix(0, id.socket), id.generation);
  if (id.socket == 0) {
    hash = mix(hash, load_u64(id.local.data()) ^ load_u64(id.local.data() + 8));
    hash = mix(hash, load_u64(id.remote.data()) ^ load_u64(id.remote.data() + 8));
    hash = mix(hash, (std::uint64_t{id.local_port} << 16) | id.remote_port);
  }
  return static_cast<std::size_t>(hash);
}

aggregator::aggregator(aggregator_options options) : options_(options) {
  other_.exported.port = "other";
  if (options_.command_label) other_.exported.command = "other";
  if (options_.cgroup_path) other_.exported.cgroup = "other";
  other_.admitted = other_.ever_admitted = true;
}

// The same identity connection_tracker gives a connection, so that its
// closed record finds what its live records left.
aggregator::identity aggregator::identity_of(const connection_record& r) {
  identity id;
  id.generation = r.inp_gencnt.value_or(0);
  if (r.socket_id && *r.socket_id != 0) {
    id.socket = *r.socket_id;
    return id;
  }
  if (r.local_address) {
    id.local = r.local_address->bytes;
    id.local_scope = r.local_address->scope_id;
  }
  if (r.remote_address) {
    id.remote = r.remote_address->bytes;
    id.remote_scope = r.remote_address->scope_id;
  }
  id.local_port = r.local_port;
  id.remote_port = r.remote_port;
  return id;
}

// Linux counts acknowledged and received bytes and retransmitted segments
// in tcp_info; macOS and FreeBSD's /dev/tcpstats in the PCB.
aggregator::counters aggregator::counters_of(const connection_record& r) {
  counters c;
  const auto put = [&c](counter which, const auto& value) {
    if (!value) return;
    c.value[which] = static_cast<std::uint64_t>(*value);
    c.present |= static_cast<std::uint8_t>(1u << which);
  };
  if (r.bytes_acked) put(sent, r.bytes_acked); else put(sent, r.tx_bytes);
  if (r.bytes_received) put(received, r.bytes_received); else put(received, r.rx_bytes);
  if (r.total_retrans) put(retransmits, r.total_retrans); else put(retransmits, r.rexmit_packets);
  if (r.data_segs_out) put(segments_sent, r.data_segs_out); else put(segments_sent, r.tx_packets);
  return c;
}

void aggregator::start(const pass_info& info) {
  items_.clear();
  listening_.reset();
  host_ = info.counters;
  timestamp_ns_ = info.timestamp_ns;
}

void aggregator::add(const connection_record& record) { add_tracked(record, record_delta{}, true); }

void aggregator::add_tracked(const connection_record& record, const record_delta& delta, bool) {
  item it;
  it.id = identity_of(record);
  it.values = counters_of(record);
  it.local_port = record.local_port;
  it.remote_port = record.remote_port;
  it.state = static_cast<std::uint8_t>(record.state ? static_cast<std::size_t>(*record.state) : tcp_state_count);
  it.closed = delta.closed;
  const bool listener = record.state == tcp_state::listen;
  if (listener && !it.closed) listening_.set(record.local_port);
  // A listener has no peer to time, and 0 is tcp_info's "no sample yet".
  if (!it.closed && !listener && record.rtt_us && *record.rtt_us > 0) {
    it.rtt_us = record.rtt_us;
    it.socket_id = record.socket_id;
    if (!it.socket_id) {
      it.local = record.local_address;
      it.remote = record.remote_address;
    }
  }
  if (options_.command_label && record.command) it.command = std::string(record.command->view());
  if (options_.cgroup_path && record.cgroup_id) it.cgroup = std::string(options_.cgroup_path(*record.cgroup_id));
  items_.push_back(std::move(it));
}

aggregator::set_state& aggregator::candidate(const item& it) {
  const std::uint16_t port = listening_.test(it.local_port) ? it.local_port : it.remote_port;
  std::string key = std::to_string(port);
  const std::size_t port_size = key.size();
  key += '\0';
  key += it.command;
  key += '\0';
  key += it.cgroup;
  auto [found, inserted] = sets_.try_emplace(std::move(key));
  set_state& set = found->second;
  if (inserted) {
    set.exported.port = found->first.substr(0, port_size);
    set.exported.command = it.command;
    set.exported.cgroup = it.cgroup;
  }
  // A connection that closed in this pass asks too: what it carried is
  // reported under its port when there is room, not under other.
  ++set.active;
  const bool counted = std::any_of(it.values.value.begin(), it.values.value.end(),
                                   [](std::uint64_t value) { return value != 0; });
  set.carrying = set.carrying || it.rtt_us || counted;
  return set;
}

// Admits the label sets this pass asks for, busiest first, while there is
// room; then lets a set displace the least busy one it is more than twice
// as busy as, once that one has had its time. A set whose series are all
// zeros (a port only listened on so far) has nothing to lose: a set whose
// connections carry data takes its place at once, so that their first
// bytes are not counted under other. (Only such a set: connections that
// never carry anything, TIME_WAIT entries or unanswered SYNs, would
// otherwise make ports trade places pass after pass.)
void aggregator::admit() {
  std::vector<set_state*> wanting;
  std::vector<set_state*> resident;  // past their residency: anyone busy enough may displace them
  std::vector<set_state*> empty;     // young, but with nothing to lose
  for (auto& [key, set] : sets_) {
    if (set.admitted && set.active > 0) set.last_busy_pass = pass_;
    if (!set.admitted && set.active > 0) wanting.push_back(&set);
    if (!set.admitted) continue;
    if (pass_ - set.admitted_in >= options_.min_residency_passes) {
      resident.push_back(&set);
    } else if (never_carried(set.exported)) {
      // (Even when its first connection arrives in this pass: a port only
      // listened on so far yields to one more than twice as busy.)
      empty.push_back(&set);
    }
  }
  std::sort(wanting.begin(), wanting.end(), [](const set_state* a, const set_state* b) {
    if (a->active != b->active) return a->active > b->active;
    return set_before(a->exported, b->exported);
  });
  const auto least_busy_first = [](const set_state* a, const set_state* b) {
    if (a->active != b->active) return a->active < b->active;
    if (a->last_busy_pass != b->last_busy_pass) return a->last_busy_pass < b->last_busy_pass;
    return set_before(b->exported, a->exported);
  };
  std::sort(resident.begin(), resident.end(), least_busy_first);
  std::sort(empty.begin(), empty.end(), least_busy_first);
  std::vector<set_state*> displaced;
  std::size_t next_resident = 0, next_empty = 0, admitted_now = 0;
  for (set_state* set : wanting) {
    if (admitted_ >= options_.max_label_sets) {
      // The least busy set this one may take the place of. Wanting sets
      // come busiest first: once a carrying one fails, every later one does.
      set_state* place = next_resident < resident.size() ? resident[next_resident] : nullptr;
      const bool take_empty =
          set->carrying && next_empty < empty.size() && (!place || empty[next_empty]->active <= place->active);
      if (take_empty) place = empty[next_empty];
      if (!place || set->active <= 2 * place->active) {
        if (set->carrying) break;
        continue;
      }
      ++(take_empty ? next_empty : next_resident);
      place->admitted = false;
      displaced.push_back(place);
      --admitted_;
    }
    set->admitted = set->ever_admitted = true;
    set->admitted_in = set->last_busy_pass = pass_;
    ++admitted_;
    ++admitted_now;
  }
  // What this pass counts under "other": the sets left waiting, and the
  // displaced ones that still have connections.
  dropped_ = wanting.size() - admitted_now;
  for (const set_state* set : displaced) dropped_ += set->active > 0 ? 1 : 0;
}

// Sets asked for but never admitted hold nothing; evicted ones keep their
// counters, up to a limit (past it the longest idle are forgotten, and their
// counters would start again from zero if they came back).
void aggregator::forget_retired() {
  std::vector<std::pair<std::uint64_t, std::string>> retired;
  for (auto it = sets_.begin(); it != sets_.end();) {
    it->second.active = 0;
    it->second.carrying = false;
    if (!it->second.ever_admitted) {
      it = sets_.erase(it);
      continue;
    }
    if (!it->second.admitted) retired.emplace_back(it->second.last_busy_pass, it->first);
    ++it;
  }
  const std::size_t keep = 16 * std::max<std::size_t>(options_.max_label_sets, 1);
  if (retired.size() <= keep) return;
  std::sort(retired.begin(), retired.end());
  for (std::size_t i = 0; i < retired.size() - keep; ++i) sets_.erase(retired[i].second);
}

void aggregator::add_live(set_state& set, const item& it, std::size_t index) {
  label_set& exported = set.exported;
  auto& connections = exported.connections[it.state];
  connections = connections.value_or(0) + 1;
  if (!it.rtt_us) return;
  if (!exported.rtt) exported.rtt.emplace();
  const std::uint32_t rtt = *it.rtt_us;
  // A bucket counts values up to and including its bound.
  const auto bound = std::lower_bound(rtt_bucket_us.begin(), rtt_bucket_us.end(), rtt);
  const auto bucket = static_cast<std::size_t>(bound - rtt_bucket_us.begin());
  ++exported.rtt->buckets[bucket];
  ++exported.rtt->count;
  exported.rtt->sum_us += rtt;
  auto& best = set.best[bucket];
  if (!best || rtt > best->first) best.emplace(rtt, index);
}

std::string aggregator::exemplar_labels(const item& it) {
  if (it.socket_id) return "socket_id=\"" + std::to_string(*it.socket_id) + "\"";
  if (!it.local || !it.remote) return {};
  std::string labels =
      "local=\"" + endpoint(*it.local, it.local_port) + "\",remote=\"" + endpoint(*it.remote, it.remote_port) + "\"";
  // OpenMetrics caps an exemplar's label names and values at 128 characters.
  const std::size_t syntax = std::string_view("=\"\",=\"\"").size();
  return labels.size() - syntax <= 128 ? labels : std::string{};
}

std::shared_ptr<const snapshot> aggregator::finish_pass(std::uint64_t took_ns) {
  ++pass_;
  std::vector<set_state*> chosen(items_.size());
  for (std::size_t i = 0; i < items_.size(); ++i) chosen[i] = &candidate(items_[i]);
  admit();
  // This pass's gauges start again from zero; which states and RTTs a set
  // has had, and its counters, stay.
  const auto reset = [](set_state& set) {
    for (auto& count : set.exported.connections) {
      if (count) count = 0;
    }
    if (set.exported.rtt) set.exported.rtt.emplace();
    set.best = {};
  };
  reset(other_);
  for (auto& [key, set] : sets_) reset(set);

  for (std::size_t i = 0; i < items_.size(); ++i) {
    const item& it = items_[i];
    set_state& set = chosen[i]->admitted ? *chosen[i] : other_;
    counters growth = it.values;  // what a connection not seen before adds
    const auto found = connections_.find(it.id);
    if (found != connections_.end()) {
      const counters& before = found->second.values;
      for (unsigned c = 0; c < counter_count; ++c) {
        const auto bit = static_cast<std::uint8_t>(1u << c);
        // A counter that went backwards starts again from its new value.
        if ((before.present & bit) != 0 && (growth.present & bit) != 0) {
          growth.value[c] = growth.value[c] >= before.value[c] ? growth.value[c] - before.value[c] : 0;
        }
      }
    }
    if (it.closed) {
      if (found != connections_.end()) connections_.erase(found);
    } else {
      last_values& last = found != connections_.end() ? found->second : connections_[it.id];
      last.values = it.values;
      last.seen_in = pass_;
      add_live(set, it, i);
    }
    std::optional<std::uint64_t>* totals[counter_count] = {&set.exported.bytes_sent, &set.exported.bytes_received,
                                                           &set.exported.retransmitted_segments,
                                                           &set.exported.sent_segments};
    for (unsigned c = 0; c < counter_count; ++c) {
      if ((growth.present & (1u << c)) != 0) *totals[c] = totals[c]->value_or(0) + growth.value[c];
    }
  }
  // Connections the tracker neither saw nor closed (none, with a tracker
  // in front) would otherwise be held for ever.
  std::erase_if(connections_, [this](const auto& entry) { return entry.second.seen_in != pass_; });

  auto next = std::make_shared<snapshot>();
  next->command_label = options_.command_label;
  next->cgroup_label = static_cast<bool>(options_.cgroup_path);
  const auto exported = [this](const set_state& set) {
    label_set out = set.exported;
    if (out.rtt) {
      for (std::size_t b = 0; b < set.best.size(); ++b) {
        if (!set.best[b]) continue;
        const item& it = items_[set.best[b]->second];
        std::string labels = exemplar_labels(it);
        if (!labels.empty()) out.rtt->exemplars[b] = exemplar{std::move(labels), *it.rtt_us};
      }
    }
    return out;
  };
  for (const auto& [key, set] : sets_) {
    if (set.admitted) next->sets.push_back(exported(set));
  }
  std::sort(next->sets.begin(), next->sets.end(), set_before);
  const label_set& other = other_.exported;
  const bool other_used = other.rtt || other.bytes_sent || other.bytes_received || other.retransmitted_segments ||
                          other.sent_segments ||
                          std::any_of(other.connections.begin(), other.connections.end(),
                                      [](const auto& count) { return count.has_value(); });
  if (other_used) next->sets.push_back(exported(other_));
  forget_retired();
  items_.clear();

  ++passes_;
  next->host = host_;
  next->passes = passes_;
  next->failed_passes = failed_passes_;
  next->last_pass_ns = took_ns;
  next->last_pass_timestamp_ns = timestamp_ns_;
  next->label_sets_dropped = dropped_;
  next->destroy_events_dropped = destroy_events_dropped_;
  last_ = next;
  return next;
}

std::shared_ptr<const snapshot> aggregator::fail_pass() {
  ++failed_passes_;
  items_.clear();
  auto next = last_ ? std::make_shared<snapshot>(*last_) : std::make_shared<snapshot>();
  next->command_label = options_.command_label;
  next->cgroup_label = static_cast<bool>(options_.cgroup_path);
  next->failed_passes = failed_passes_;
  next->passes = passes_;
  last_ = next;
  return next;
}

}  // namespace tcpstats::reader::metrics
