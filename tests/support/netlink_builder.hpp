#pragma once
// Builds netlink byte streams as the kernel writes them: nlmsghdr + payload
// padded to 4 bytes; inet_diag_msg and rtattr lists for sock_diag replies.

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace tcpstats::test {

class netlink_builder {
 public:
  // A message with `payload`; nlmsg_len = 16 + payload size, then padding.
  netlink_builder& message(std::uint16_t type, std::uint16_t flags, const std::vector<std::byte>& payload) {
    const std::size_t at = bytes_.size();
    bytes_.resize(at + 16 + payload.size());
    put32(at, static_cast<std::uint32_t>(16 + payload.size()));
    put16(at + 4, type);
    put16(at + 6, flags);
    put32(at + 8, 1);
    if (!payload.empty()) std::memcpy(bytes_.data() + at + 16, payload.data(), payload.size());
    bytes_.resize((bytes_.size() + 3) & ~std::size_t{3});
    return *this;
  }
  netlink_builder& done(std::int32_t status = 0) {
    std::vector<std::byte> p(4);
    std::memcpy(p.data(), &status, 4);
    return message(3, 0x2, p);
  }
  netlink_builder& error(std::int32_t negative_errno) {
    std::vector<std::byte> p(20);
    std::memcpy(p.data(), &negative_errno, 4);
    return message(2, 0, p);
  }
  std::vector<std::byte> bytes() const { return bytes_; }

 private:
  void put16(std::size_t at, std::uint16_t v) { std::memcpy(bytes_.data() + at, &v, 2); }
  void put32(std::size_t at, std::uint32_t v) { std::memcpy(bytes_.data() + at, &v, 4); }
  std::vector<std::byte> bytes_;
};

// An inet_diag_msg followed by attributes.
class diag_payload {
 public:
  diag_payload(std::uint8_t family, std::uint8_t state) : bytes_(72) {
    bytes_[0] = std::byte{family};
    bytes_[1] = std::byte{state};
  }
  diag_payload& ports(std::uint16_t sport, std::uint16_t dport) {  // stored big-endian
    bytes_[4] = std::byte(sport >> 8);
    bytes_[5] = std::byte(sport & 0xff);
    bytes_[6] = std::byte(dport >> 8);
    bytes_[7] = std::byte(dport & 0xff);
    return *this;
  }
  diag_payload& src(const std::vector<std::uint8_t>& a) { return raw(8, a); }
  diag_payload& dst(const std::vector<std::uint8_t>& a) { return raw(24, a); }
  diag_payload& u32_at(std::size_t at, std::uint32_t v) {
    std::memcpy(bytes_.data() + at, &v, 4);
    return *this;
  }
  // An attribute: rta_len = 4 + size, padded to 4.
  diag_payload& attribute(std::uint16_t type, const std::vector<std::byte>& value) {
    const auto len = static_cast<std::uint16_t>(4 + value.size());
    std::array<std::byte, 4> header;
    std::memcpy(header.data(), &len, 2);
    std::memcpy(header.data() + 2, &type, 2);
    bytes_.insert(bytes_.end(), header.begin(), header.end());
    bytes_.insert(bytes_.end(), value.begin(), value.end());
    bytes_.resize((bytes_.size() + 3) & ~std::size_t{3});
    return *this;
  }
  std::vector<std::byte> bytes() const { return bytes_; }

 private:
  diag_payload& raw(std::size_t at, const std::vector<std::uint8_t>& a) {
    for (std::size_t i = 0; i < a.size(); ++i) bytes_[at + i] = std::byte{a[i]};
    return *this;
  }
  std::vector<std::byte> bytes_;
};

template <class T>
std::vector<std::byte> bytes_of(const T& value) {
  std::vector<std::byte> out(sizeof value);
  std::memcpy(out.data(), &value, sizeof value);
  return out;
}

}  // namespace tcpstats::test
