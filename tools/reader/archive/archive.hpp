#pragma once
// Reading back what tcpstats-reader wrote (--input): JSON Lines, parsed with
// simdjson's on-demand iterate_many, or length-delimited binary frames; the
// format is recognised from the first bytes, as is gzip or zstd
// compression. Each batch comes out as BatchMessage wire bytes, checked
// against the schema. A malformed line is an error with its line number, a
// bad or truncated frame one with its byte offset; nothing is skipped.

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace tcpstats::reader {

class byte_stream;  // a file or standard input, decompressed

// What an archive may ask of memory and time (docs/security.md). A batch of
// 100,000 connections is ~93 MB as a JSON line and ~26 MB as a binary
// frame: raise max_batch_bytes (--max-batch-size) to read larger ones.
struct archive_limits {
  // The longest JSON line or binary frame; a longer one is an error before
  // it is buffered whole.
  std::uint64_t max_batch_bytes = std::uint64_t{64} << 20;
  // A compressed archive that grows more than this many times past its
  // first `ratio_from` decompressed bytes is refused (a live capture
  // compresses ~80:1 with zstd -19, identical batches ~1,700:1 with zstd
  // and at most ~1,030:1 with gzip); decompressing it first reads it anyway.
  std::uint64_t max_ratio = 1000;
  std::uint64_t ratio_from = std::uint64_t{64} << 20;
  // Empty batches (a zero-length frame, "{}") in a row: the tool never
  // writes one, and a stream of zeros is nothing but.
  std::uint64_t max_empty_run = 1000;
};

class archive_reader {
 public:
  explicit archive_reader(const archive_limits& limits = {});
  ~archive_reader();
  archive_reader(const archive_reader&) = delete;
  archive_reader& operator=(const archive_reader&) = delete;

  // Opens PATH ("-" for standard input): a regular file, a FIFO, a pipe or
  // a socket, never a device or a directory. False with `error` set when it
  // cannot be opened or is refused.
  [[nodiscard]] bool open(const std::string& path, std::string& error);

  // The next batch's wire bytes, valid until the next call. False at the
  // end (`error` empty) or on a malformed or unreadable archive (`error`
  // says where and why).
  [[nodiscard]] bool next(std::string_view& batch, std::string& error);

  enum class format { unknown, jsonl, binary };
  [[nodiscard]] format detected() const { return format_; }

 private:
  bool fill(std::size_t at_least, std::string& error);  // reads more into text_
  bool detect(std::string& error);
  bool count_empty(std::size_t size, std::string& error);  // max_empty_run
  bool next_frame(std::string_view& batch, std::string& error);
  // JSON Lines: a region is the complete lines buffered, parsed by
  // iterate_many one document per call.
  bool start_region(std::string& error);
  bool next_document(std::string_view& batch, std::string& error);
  void finish_region();
  std::uint64_t line_at(std::size_t offset);  // the line a region offset is on

  archive_limits limits_;
  std::uint64_t empty_run_ = 0;
  std::string path_;
  std::unique_ptr<byte_stream> stream_;
  format format_ = format::unknown;
  std::string text_;              // read but not yet consumed
  std::size_t consumed_ = 0;      // bytes of the (decompressed) input before text_
  bool eof_ = false;
  std::size_t read_size_;  // what the next read asks for; grows (archive.cpp)
  std::uint64_t line_ = 0;        // JSON Lines: lines before text_
  simdjson::ondemand::parser parser_;
  simdjson::ondemand::document_stream documents_;
  simdjson::ondemand::document_stream::iterator document_;
  bool in_region_ = false;
  bool have_batch_ = false;
  std::size_t region_end_ = 0;      // the region is text_[0, region_end_)
  std::uint64_t region_lines_ = 0;  // lines before text_[region_counted_]
  std::size_t region_counted_ = 0;
  std::size_t last_start_ = 0;
  std::size_t returned_frame_ = 0;  // bytes of text_ the last frame handed out still uses
  std::string wire_;                // the last document's wire bytes (storage, reused)
};

}  // namespace tcpstats::reader
