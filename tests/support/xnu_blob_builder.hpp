#pragma once
// Writes pcblist_n buffers exactly as XNU's get_pcblist_n does, driven by
// the computed layouts in tests/data/xnu/xnu-pcblist_n-layouts.json rather
// than by the library's own tables: fields are set by their XNU names, so a
// wrong offset in include/ cannot be mirrored here.

#include <simdjson.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tcpstats::test {

struct json_field {
  std::size_t offset;
  std::size_t size;
};

struct json_struct {
  std::size_t size;
  std::map<std::string, json_field> fields;
};

// {xnu version: {struct name: layout}} from the reference JSON.
class xnu_reference_layouts {
 public:
  static const xnu_reference_layouts& instance() {
    static const xnu_reference_layouts loaded(std::string(TCPSTATS_TEST_DATA) +
                                              "/xnu/xnu-pcblist_n-layouts.json");
    return loaded;
  }

  const json_struct& get(const std::string& version, const std::string& name) const {
    return versions_.at(version).at(name);
  }
  std::vector<std::string> versions() const {
    std::vector<std::string> out;
    for (const auto& [v, _] : versions_) out.push_back(v);
    return out;
  }
  const std::map<std::string, std::map<std::string, json_struct>>& all() const { return versions_; }

 private:
  explicit xnu_reference_layouts(const std::string& path) {
    simdjson::dom::parser parser;
    simdjson::dom::element root = parser.load(path);
    for (auto [version, structs] : root.get_object()) {
      auto& out = versions_[std::string(version)];
      for (auto [name, entry] : structs.get_object()) {
        json_struct s;
        s.size = static_cast<std::size_t>(std::uint64_t(entry["sizeof"]));
        for (auto [fname, f] : entry["fields"].get_object()) {
          s.fields[std::string(fname)] = {static_cast<std::size_t>(std::uint64_t(f["offset"])),
                                          static_cast<std::size_t>(std::uint64_t(f["size"]))};
        }
        out[std::string(name)] = std::move(s);
      }
    }
  }
  std::map<std::string, std::map<std::string, json_struct>> versions_;
};

inline constexpr const char* newest_xnu = "xnu-11417.121.6";

// Appends records to a buffer. Each record is zero-filled at its struct's
// size for the chosen XNU version, then fields are set by name; the next
// record starts at the next 8-byte boundary, as ROUNDUP64 in XNU.
class xnu_blob {
 public:
  explicit xnu_blob(std::string version = newest_xnu) : version_(std::move(version)) {}

  const std::string& version() const { return version_; }
  std::size_t size() const { return bytes_.size(); }
  const std::vector<std::byte>& bytes() const { return bytes_; }
  std::size_t last_record_offset() const { return record_start_; }

  xnu_blob& header(std::uint32_t count, std::uint64_t gen, std::uint64_t sogen = 0) {
    begin("xinpgen", std::nullopt);
    set("xig_len", 24).set("xig_count", count).set("xig_gen", gen).set("xig_sogen", sogen);
    return *this;
  }
  xnu_blob& trailer(std::uint32_t count, std::uint64_t gen, std::uint64_t sogen = 0) {
    return header(count, gen, sogen);
  }

  // Starts a record of `struct_name` with xgn_len = sizeof and the kind.
  xnu_blob& record(const std::string& struct_name, std::uint32_t kind) { return begin(struct_name, kind); }

  // Starts a record with an explicit length and kind (for malformed input
  // and unknown kinds); its body is zero.
  xnu_blob& raw_record(std::uint32_t len, std::uint32_t kind, std::size_t body_size) {
    pad();
    record_start_ = bytes_.size();
    current_ = nullptr;
    bytes_.resize(record_start_ + body_size);
    put_le(record_start_, 4, len);
    if (body_size >= 8) put_le(record_start_ + 4, 4, kind);
    return *this;
  }

  bool has_field(const std::string& name) const {
    return current_ != nullptr && current_->fields.count(name) != 0;
  }
  // Sets a field if this version's struct has it (newer fields on old kernels).
  xnu_blob& set_if_present(const std::string& name, std::uint64_t value) {
    return has_field(name) ? set(name, value) : *this;
  }

  // Sets a field of the current record, host (little-endian) order.
  xnu_blob& set(const std::string& name, std::uint64_t value) {
    const json_field f = field(name);
    put_le(record_start_ + f.offset, f.size, value);
    return *this;
  }
  // Sets a 16-bit field in network order (ports).
  xnu_blob& set_be16(const std::string& name, std::uint16_t value) {
    const json_field f = field(name);
    if (f.size != 2) throw std::logic_error(name + " is not 16-bit");
    bytes_[record_start_ + f.offset] = std::byte(value >> 8);
    bytes_[record_start_ + f.offset + 1] = std::byte(value & 0xff);
    return *this;
  }
  // Copies raw bytes into a field (addresses), which must be that large.
  xnu_blob& set_bytes(const std::string& name, const std::vector<std::uint8_t>& raw) {
    const json_field f = field(name);
    if (raw.size() != f.size) throw std::logic_error(name + ": size mismatch");
    for (std::size_t i = 0; i < raw.size(); ++i) bytes_[record_start_ + f.offset + i] = std::byte(raw[i]);
    return *this;
  }
  // Overwrites the current record's declared len (not its allocated size).
  xnu_blob& set_len(std::uint32_t len) {
    put_le(record_start_, 4, len);
    return *this;
  }
  xnu_blob& append_raw(const std::vector<std::byte>& raw) {
    bytes_.insert(bytes_.end(), raw.begin(), raw.end());
    return *this;
  }
  // Pads to 8 bytes, as the kernel does after every record.
  xnu_blob& pad() {
    bytes_.resize((bytes_.size() + 7) & ~std::size_t{7});
    return *this;
  }
  std::vector<std::byte> finish() {
    pad();
    return bytes_;
  }

 private:
  xnu_blob& begin(const std::string& struct_name, std::optional<std::uint32_t> kind) {
    pad();
    current_ = &xnu_reference_layouts::instance().get(version_, struct_name);
    record_start_ = bytes_.size();
    bytes_.resize(record_start_ + current_->size);
    if (kind) {
      put_le(record_start_, 4, current_->size);
      put_le(record_start_ + 4, 4, *kind);
    }
    return *this;
  }
  json_field field(const std::string& name) const {
    if (current_ == nullptr) throw std::logic_error("no struct record open");
    const auto it = current_->fields.find(name);
    if (it == current_->fields.end()) throw std::logic_error(name + " not in " + version_);
    return it->second;
  }
  void put_le(std::size_t at, std::size_t size, std::uint64_t value) {
    for (std::size_t i = 0; i < size; ++i) bytes_[at + i] = std::byte((value >> (8 * i)) & 0xff);
  }

  std::string version_;
  std::vector<std::byte> bytes_;
  std::size_t record_start_ = 0;
  const json_struct* current_ = nullptr;
};

}  // namespace tcpstats::test
