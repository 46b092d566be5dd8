#pragma once
// Writes FreeBSD net.inet.tcp.pcblist buffers, kern.file arrays and
// net.inet.tcp.stats blobs as the kernel does, driven by the computed
// layouts in tests/data/freebsd/freebsd-pcblist-layouts.json rather than by
// the library's tables: fields are set by their FreeBSD names (nested xtcpcb
// members by their full path, "xt_inp.inp_gencnt"), so a wrong offset in
// include/ cannot be mirrored here. /dev/tcpstats records are written from
// the offsets of docs/freebsd.md's module format, typed in here independently.

#include <simdjson.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace tcpstats::test {

struct freebsd_json_field {
  std::size_t offset;
  std::size_t size;
  std::size_t index;  // tcpstat members: position in the u64 array
};

struct freebsd_json_struct {
  std::size_t size = 0;
  std::map<std::string, freebsd_json_field> fields;
};

// {"12".."15": {struct name: layout}} from the layouts JSON.
class freebsd_reference_layouts {
 public:
  static const freebsd_reference_layouts& instance() {
    static const freebsd_reference_layouts loaded(std::string(TCPSTATS_TEST_DATA) +
                                                  "/freebsd/freebsd-pcblist-layouts.json");
    return loaded;
  }
  const freebsd_json_struct& get(const std::string& version, const std::string& name) const {
    return versions_.at(version).at(name);
  }
  bool has(const std::string& version, const std::string& name) const {
    return versions_.at(version).count(name) != 0;
  }
  std::vector<std::string> versions() const {
    std::vector<std::string> out;
    for (const auto& [v, _] : versions_) out.push_back(v);
    return out;
  }

 private:
  explicit freebsd_reference_layouts(const std::string& path) {
    simdjson::dom::parser parser;
    simdjson::dom::element root = parser.load(path);
    for (auto [version, structs] : root.get_object()) {
      if (version.front() == '_') continue;
      auto& out = versions_[std::string(version)];
      for (auto [name, entry] : structs.get_object()) {
        freebsd_json_struct s;
        s.size = static_cast<std::size_t>(std::uint64_t(entry["sizeof"]));
        for (auto [fname, f] : entry["fields"].get_object()) {
          // Only tcpstat members have an index; elsewhere it stays 0.
          std::uint64_t index = 0;
          if (f["index"].get(index) != simdjson::SUCCESS) index = 0;
          s.fields[std::string(fname)] = {static_cast<std::size_t>(std::uint64_t(f["offset"])),
                                          static_cast<std::size_t>(std::uint64_t(f["size"])),
                                          static_cast<std::size_t>(index)};
        }
        out[std::string(name)] = std::move(s);
      }
    }
  }
  std::map<std::string, std::map<std::string, freebsd_json_struct>> versions_;
};

inline constexpr const char* newest_freebsd = "15";

// Little-endian bytes of one struct, set by field name.
class freebsd_struct_writer {
 public:
  freebsd_struct_writer(std::vector<std::byte>& out, std::size_t start, const freebsd_json_struct& layout,
                        std::string version)
      : out_(out), start_(start), layout_(layout), version_(std::move(version)) {}

  bool has(const std::string& name) const { return layout_.fields.count(name) != 0; }
  freebsd_struct_writer& set(const std::string& name, std::uint64_t value) {
    const auto f = field(name);
    for (std::size_t i = 0; i < f.size && i < 8; ++i) out_[start_ + f.offset + i] = std::byte((value >> (8 * i)) & 0xff);
    return *this;
  }
  freebsd_struct_writer& set_if_present(const std::string& name, std::uint64_t value) {
    return has(name) ? set(name, value) : *this;
  }
  // A 16-bit field in network order (ports).
  freebsd_struct_writer& set_be16(const std::string& name, std::uint16_t value) {
    const auto f = field(name);
    if (f.size != 2) throw std::logic_error(name + " is not 16-bit");
    out_[start_ + f.offset] = std::byte(value >> 8);
    out_[start_ + f.offset + 1] = std::byte(value & 0xff);
    return *this;
  }
  freebsd_struct_writer& set_bytes(const std::string& name, const std::vector<std::uint8_t>& raw) {
    const auto f = field(name);
    if (raw.size() != f.size) throw std::logic_error(name + ": size mismatch");
    for (std::size_t i = 0; i < raw.size(); ++i) out_[start_ + f.offset + i] = std::byte(raw[i]);
    return *this;
  }
  // A char array: the text, NUL-padded; text as long as the field leaves no NUL.
  freebsd_struct_writer& set_string(const std::string& name, const std::string& text) {
    const auto f = field(name);
    if (text.size() > f.size) throw std::logic_error(name + ": text too long");
    for (std::size_t i = 0; i < f.size; ++i) out_[start_ + f.offset + i] = std::byte(i < text.size() ? text[i] : 0);
    return *this;
  }
  freebsd_json_field field(const std::string& name) const {
    const auto it = layout_.fields.find(name);
    if (it == layout_.fields.end()) throw std::logic_error(name + " not in FreeBSD " + version_);
    return it->second;
  }

 private:
  std::vector<std::byte>& out_;
  std::size_t start_;
  const freebsd_json_struct& layout_;
  std::string version_;
};

// A pcblist buffer: header, records, trailer, each record zero-filled at its
// struct's size (the kernel bzero()s them) with its u64 length set.
class freebsd_blob {
 public:
  explicit freebsd_blob(std::string version = newest_freebsd) : version_(std::move(version)) {}

  const std::string& version() const { return version_; }
  std::size_t size() const { return bytes_.size(); }
  std::size_t last_record_offset() const { return start_; }

  freebsd_blob& header(std::uint32_t count, std::uint64_t gen, std::uint64_t sogen = 0) {
    begin("xinpgen").set("xig_len", 64).set("xig_count", count).set("xig_gen", gen).set("xig_sogen", sogen);
    return *this;
  }
  freebsd_blob& trailer(std::uint32_t count, std::uint64_t gen, std::uint64_t sogen = 0) {
    return header(count, gen, sogen);
  }
  // Starts a struct xtcpcb with xt_len = sizeof.
  freebsd_struct_writer record() {
    auto w = begin("xtcpcb");
    w.set("xt_len", layout("xtcpcb").size);
    return w;
  }
  // The current record again.
  freebsd_struct_writer current() { return {bytes_, start_, *current_, version_}; }
  // A record of `body_size` zero bytes whose u64 length says `len`.
  freebsd_blob& raw_record(std::uint64_t len, std::size_t body_size) {
    start_ = bytes_.size();
    bytes_.resize(start_ + body_size);
    for (std::size_t i = 0; i < 8 && i < body_size; ++i) bytes_[start_ + i] = std::byte((len >> (8 * i)) & 0xff);
    return *this;
  }
  freebsd_blob& append_raw(const std::vector<std::byte>& raw) {
    bytes_.insert(bytes_.end(), raw.begin(), raw.end());
    return *this;
  }
  std::vector<std::byte> finish() const { return bytes_; }

 private:
  const freebsd_json_struct& layout(const std::string& name) const {
    return freebsd_reference_layouts::instance().get(version_, name);
  }
  freebsd_struct_writer begin(const std::string& name) {
    current_ = &layout(name);
    start_ = bytes_.size();
    bytes_.resize(start_ + current_->size);
    return {bytes_, start_, *current_, version_};
  }

  std::string version_;
  std::vector<std::byte> bytes_;
  std::size_t start_ = 0;
  const freebsd_json_struct* current_ = nullptr;
};

// One struct xfile (kern.file entry).
struct xfile_entry {
  std::int32_t pid = 0;
  std::uint32_t uid = 0;
  std::int32_t fd = 0;
  std::int16_t type = 2;  // DTYPE_SOCKET
  std::uint64_t data = 0;
  std::uint64_t file = 0;
};

inline std::vector<std::byte> kern_file_blob(const std::vector<xfile_entry>& entries,
                                             const std::string& version = newest_freebsd) {
  const auto& layout = freebsd_reference_layouts::instance().get(version, "xfile");
  std::vector<std::byte> out;
  for (const auto& e : entries) {
    const std::size_t start = out.size();
    out.resize(start + layout.size);
    freebsd_struct_writer w(out, start, layout, version);
    w.set("xf_size", layout.size).set("xf_pid", static_cast<std::uint32_t>(e.pid)).set("xf_uid", e.uid);
    w.set("xf_fd", static_cast<std::uint32_t>(e.fd)).set("xf_type", static_cast<std::uint16_t>(e.type));
    w.set("xf_data", e.data).set("xf_file", e.file);
  }
  return out;
}

// struct tcpstat of `version` ("14" or "15") with every member set to
// value(member name); the JSON's indexes must match the offsets.
template <class Value>
std::vector<std::byte> tcpstat_blob(const std::string& version, Value value) {
  const auto& layout = freebsd_reference_layouts::instance().get(version, "tcpstat");
  std::vector<std::byte> out(layout.size);
  freebsd_struct_writer w(out, 0, layout, version);
  for (const auto& [name, f] : layout.fields) {
    if (f.offset != f.index * 8) throw std::logic_error(name + ": index and offset disagree");
    w.set(name, value(name));
  }
  return out;
}

// net.inet.tcp.states: u64[11].
inline std::vector<std::byte> tcp_states_blob(const std::array<std::uint64_t, 11>& counts) {
  std::vector<std::byte> out(88);
  for (std::size_t i = 0; i < 11; ++i) {
    for (std::size_t b = 0; b < 8; ++b) out[i * 8 + b] = std::byte((counts[i] >> (8 * b)) & 0xff);
  }
  return out;
}

// One /dev/tcpstats record (version 1, 320 bytes), offsets from
// docs/freebsd.md ("/dev/tcpstats").
class tcpstats_record_writer {
 public:
  static constexpr std::size_t size = 320;
  tcpstats_record_writer() : bytes_(size) {
    put(0, 4, 1);
    put(4, 4, size);
  }
  static const std::map<std::string, std::pair<std::size_t, std::size_t>>& fields() {
    static const std::map<std::string, std::pair<std::size_t, std::size_t>> table{
        {"tsr_version", {0, 4}},        {"tsr_len", {4, 4}},           {"tsr_flags", {8, 4}},
        {"tsr_af", {16, 1}},            {"tsr_local_port", {20, 2}},   {"tsr_remote_port", {22, 2}},
        {"tsr_state", {56, 4}},         {"tsr_flags_tcp", {60, 4}},    {"tsr_snd_cwnd", {64, 4}},
        {"tsr_snd_ssthresh", {68, 4}},  {"tsr_snd_wnd", {72, 4}},      {"tsr_rcv_wnd", {76, 4}},
        {"tsr_maxseg", {80, 4}},        {"tsr_rtt", {116, 4}},         {"tsr_rttvar", {120, 4}},
        {"tsr_rto", {124, 4}},          {"tsr_rttmin", {128, 4}},      {"tsr_snd_wscale", {132, 1}},
        {"tsr_rcv_wscale", {133, 1}},   {"tsr_options", {134, 1}},     {"tsr_snd_nxt", {136, 4}},
        {"tsr_snd_una", {140, 4}},      {"tsr_snd_max", {144, 4}},     {"tsr_rcv_nxt", {148, 4}},
        {"tsr_rcv_adv", {152, 4}},      {"tsr_snd_rexmitpack", {156, 4}}, {"tsr_rcv_ooopack", {160, 4}},
        {"tsr_snd_zerowin", {164, 4}},  {"tsr_dupacks", {168, 4}},     {"tsr_rcv_numsacks", {172, 4}},
        {"tsr_ecn", {176, 4}},          {"tsr_delivered_ce", {180, 4}}, {"tsr_received_ce", {184, 4}},
        {"tsr_dsack_bytes", {188, 4}},  {"tsr_dsack_pack", {192, 4}},  {"tsr_total_tlp", {196, 4}},
        {"tsr_total_tlp_bytes", {200, 8}}, {"tsr_tt_rexmt", {208, 4}}, {"tsr_tt_persist", {212, 4}},
        {"tsr_tt_keep", {216, 4}},      {"tsr_tt_2msl", {220, 4}},     {"tsr_tt_delack", {224, 4}},
        {"tsr_rcvtime", {228, 4}},      {"tsr_snd_buf_cc", {232, 4}},  {"tsr_snd_buf_hiwat", {236, 4}},
        {"tsr_rcv_buf_cc", {240, 4}},   {"tsr_rcv_buf_hiwat", {244, 4}}, {"tsr_so_addr", {248, 8}},
        {"tsr_uid", {256, 4}},          {"tsr_inp_gencnt", {260, 8}}};
    return table;
  }
  tcpstats_record_writer& set(const std::string& name, std::uint64_t value) {
    const auto [offset, width] = fields().at(name);
    put(offset, width, value);
    return *this;
  }
  // Addresses: 16 bytes at 24 (local) and 40 (remote), IPv4 in the first 4.
  tcpstats_record_writer& addresses(const std::vector<std::uint8_t>& local, const std::vector<std::uint8_t>& remote) {
    for (std::size_t i = 0; i < local.size() && i < 16; ++i) bytes_[24 + i] = std::byte(local[i]);
    for (std::size_t i = 0; i < remote.size() && i < 16; ++i) bytes_[40 + i] = std::byte(remote[i]);
    return *this;
  }
  // tsr_cc @84 and tsr_stack @100, char[16] each.
  tcpstats_record_writer& names(const std::string& cc, const std::string& stack) {
    for (std::size_t i = 0; i < 16; ++i) {
      bytes_[84 + i] = std::byte(i < cc.size() ? cc[i] : 0);
      bytes_[100 + i] = std::byte(i < stack.size() ? stack[i] : 0);
    }
    return *this;
  }
  const std::vector<std::byte>& bytes() const { return bytes_; }

 private:
  void put(std::size_t at, std::size_t width, std::uint64_t value) {
    for (std::size_t i = 0; i < width; ++i) bytes_[at + i] = std::byte((value >> (8 * i)) & 0xff);
  }
  std::vector<std::byte> bytes_;
};

}  // namespace tcpstats::test
