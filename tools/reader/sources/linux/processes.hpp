#pragma once
// --processes on Linux: which process holds each socket, found as `ss -p`
// does, by matching socket inodes with /proc/PID/fd/* links. Compiled only
// on Linux.

#include <cstdint>
#include <string>
#include <unordered_map>

#include "core/pass.hpp"

namespace tcpstats::reader {

// A record_sink in front of another that fills pid, fd and command. The
// inode → owner map is kept across passes and checked with one readlink
// per socket; /proc is rescanned only when a socket's owner is not known.
class process_attribution final : public record_sink {
 public:
  explicit process_attribution(record_sink& next) : next_(&next) {}
  // Where attributed records go next (a pass may be decoded twice: once to
  // measure a binary frame, once to write it).
  void set_next(record_sink& next) { next_ = &next; }

  void start(const pass_info& info) override;
  void add(const connection_record& record) override;

  // Sockets with an inode left without an owner in the last pass (owned by
  // processes this user may not inspect).
  [[nodiscard]] std::size_t unattributed() const { return unattributed_; }

 private:
  struct owner {
    std::int32_t pid;
    std::int32_t fd;
    std::string command;
  };
  [[nodiscard]] bool still_owned(std::uint64_t inode, const owner& o) const;
  void rescan();

  record_sink* next_;
  pass_info info_;
  std::unordered_map<std::uint64_t, owner> owners_;
  bool rescanned_this_pass_ = false;
  std::size_t unattributed_ = 0;
  connection_record scratch_;
};

}  // namespace tcpstats::reader
