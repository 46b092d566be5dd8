#include "archive/archive.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#if TCPSTATS_HAVE_ZLIB
#include <zlib.h>
#endif
#if TCPSTATS_HAVE_ZSTD
#include <zstd.h>
#endif

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "codec/proto_json.hpp"
#include "codec/wire_decoder.hpp"

namespace tcpstats::reader {

namespace {

// Reads start small (a short archive costs little) and grow to this as long
// lines or frames ask for more.
constexpr std::size_t first_read_size = 64 << 10;
constexpr std::size_t max_read_size = 1 << 20;

std::string size_text(std::uint64_t bytes) {
  return bytes % (1 << 20) == 0 ? std::to_string(bytes >> 20) + " MiB" : std::to_string(bytes) + " bytes";
}

}  // namespace

// One compression format's streaming decoder.
class decompressor {
 public:
  virtual ~decompressor() = default;
  // Decompresses from the front of `in` (consuming what it used) into
  // `out`; `finished` when a whole stream (a gzip member, a zstd frame)
  // ended. False with `error` on corrupt data.
  virtual bool run(std::string_view& in, char* out, std::size_t size, std::size_t& produced, bool& finished,
                   std::string& error) = 0;
};

#if TCPSTATS_HAVE_ZLIB
class gzip_decompressor final : public decompressor {
 public:
  gzip_decompressor() { ready_ = inflateInit2(&stream_, 15 + 32) == Z_OK; }
  ~gzip_decompressor() override {
    if (ready_) inflateEnd(&stream_);
  }
  [[nodiscard]] bool ready() const { return ready_; }
  bool run(std::string_view& in, char* out, std::size_t size, std::size_t& produced, bool& finished,
           std::string& error) override {
    if (finished) inflateReset(&stream_);  // another member follows (concatenated files)
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    stream_.avail_in = static_cast<uInt>(in.size());
    stream_.next_out = reinterpret_cast<Bytef*>(out);
    stream_.avail_out = static_cast<uInt>(size);
    const int status = inflate(&stream_, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR) {
      error = std::string("gzip: ") + (stream_.msg ? stream_.msg : "corrupt data");
      return false;
    }
    finished = status == Z_STREAM_END;
    in.remove_prefix(in.size() - stream_.avail_in);
    produced = size - stream_.avail_out;
    return true;
  }

 private:
  z_stream stream_{};
  bool ready_ = false;
};
#endif

#if TCPSTATS_HAVE_ZSTD
class zstd_decompressor final : public decompressor {
 public:
  zstd_decompressor() : stream_(ZSTD_createDStream()) {}
  ~zstd_decompressor() override { ZSTD_freeDStream(stream_); }
  [[nodiscard]] bool ready() const { return stream_ != nullptr && !ZSTD_isError(ZSTD_initDStream(stream_)); }
  bool run(std::string_view& in, char* out, std::size_t size, std::size_t& produced, bool& finished,
           std::string& error) override {
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    ZSTD_outBuffer output{out, size, 0};
    const std::size_t status = ZSTD_decompressStream(stream_, &output, &input);
    if (ZSTD_isError(status)) {
      error = std::string("zstd: ") + ZSTD_getErrorName(status);
      return false;
    }
    finished = status == 0;
    in.remove_prefix(input.pos);
    produced = output.pos;
    return true;
  }

 private:
  ZSTD_DStream* stream_;
};
#endif

// The archive's bytes, decompressed when they start with gzip's or zstd's
// magic number.
class byte_stream {
 public:
  explicit byte_stream(const archive_limits& limits) : limits_(limits) {}
  ~byte_stream() {
    if (owned_ && fd_ >= 0) ::close(fd_);
  }

  bool open(const std::string& path, std::string& error) {
    name_ = path == "-" ? "(standard input)" : path;
    if (path == "-") {
      fd_ = STDIN_FILENO;
    } else {
      // Non-blocking: a FIFO without a writer must not hang the open.
      fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
      if (fd_ < 0) return fail(error, std::strerror(errno));
      owned_ = true;
    }
    // A device (/dev/zero, a terminal) or a directory is not an archive:
    // the first would never end.
    struct stat info {};
    if (::fstat(fd_, &info) != 0) return fail(error, std::strerror(errno));
    if (!S_ISREG(info.st_mode) && !S_ISFIFO(info.st_mode) && !S_ISSOCK(info.st_mode)) {
      return fail(error, std::string(S_ISDIR(info.st_mode) ? "a directory" : "a device") +
                             ", not a regular file, FIFO or pipe: refused as an archive");
    }
    if (owned_ && ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK) != 0) {
      return fail(error, std::strerror(errno));
    }
    // The first bytes tell the compression.
    while (raw_.size() < 4) {
      const ssize_t n = read_raw(4 - raw_.size());
      if (n < 0) return fail(error, std::strerror(errno));
      if (n == 0) break;
    }
    const auto byte = [this](std::size_t i) { return i < raw_.size() ? static_cast<unsigned char>(raw_[i]) : 0u; };
    if (byte(0) == 0x1f && byte(1) == 0x8b) {
#if TCPSTATS_HAVE_ZLIB
      auto gzip = std::make_unique<gzip_decompressor>();
      if (!gzip->ready()) return fail(error, "cannot start gzip decompression");
      decompressor_ = std::move(gzip);
#else
      return fail(error, "gzip-compressed, and this build has no zlib: decompress it first (gunzip)");
#endif
    } else if (byte(0) == 0x28 && byte(1) == 0xb5 && byte(2) == 0x2f && byte(3) == 0xfd) {
#if TCPSTATS_HAVE_ZSTD
      auto zstd = std::make_unique<zstd_decompressor>();
      if (!zstd->ready()) return fail(error, "cannot start zstd decompression");
      decompressor_ = std::move(zstd);
#else
      return fail(error, "zstd-compressed, and this build has no libzstd: decompress it first (unzstd)");
#endif
    }
    return true;
  }

  // Appends up to `size` decompressed bytes to `out`: 0 at the end, -1 on
  // error (with `error` set).
  std::ptrdiff_t read(std::string& out, std::size_t size, std::string& error) {
    const std::size_t old = out.size();
    out.resize(old + size);
    std::size_t produced = 0;
    const bool ok = decompressor_ ? decompress(out.data() + old, size, produced, error)
                                  : copy(out.data() + old, size, produced, error);
    out.resize(old + produced);
    return ok ? static_cast<std::ptrdiff_t>(produced) : -1;
  }

 private:
  bool copy(char* to, std::size_t size, std::size_t& produced, std::string& error) {
    if (!raw_.empty()) {
      produced = std::min(size, raw_.size());
      std::memcpy(to, raw_.data(), produced);
      raw_.erase(0, produced);
      return true;
    }
    const ssize_t n = read_fd(to, size);
    if (n < 0) return fail(error, std::strerror(errno));
    produced = static_cast<std::size_t>(n);
    return true;
  }

  bool decompress(char* to, std::size_t size, std::size_t& produced, std::string& error) {
    while (produced == 0) {
      if (raw_.empty() && !raw_eof_) {
        const ssize_t n = read_raw(raw_read_size_);
        raw_read_size_ = std::min(2 * raw_read_size_, max_read_size);
        if (n < 0) return fail(error, std::strerror(errno));
        raw_eof_ = n == 0;
      }
      if (raw_.empty() && raw_eof_) {
        if (!finished_) return fail(error, "the compressed stream ends early");
        return true;  // the end
      }
      std::string_view in(raw_);
      std::string problem;
      if (!decompressor_->run(in, to, size, produced, finished_, problem)) return fail(error, problem);
      compressed_ += raw_.size() - in.size();
      raw_.erase(0, raw_.size() - in.size());
    }
    // A decompression bomb: judged past the first ratio_from bytes, where
    // headers no longer weigh.
    decompressed_ += produced;
    if (decompressed_ > limits_.ratio_from && decompressed_ / std::max<std::uint64_t>(compressed_, 1) > limits_.max_ratio) {
      return fail(error, "decompresses to more than " + std::to_string(limits_.max_ratio) + " times its size (" +
                             std::to_string(compressed_) + " bytes to " + std::to_string(decompressed_) +
                             "): refused as a likely decompression bomb (decompress it first to read it anyway)");
    }
    return true;
  }

  bool fail(std::string& error, const std::string& what) {
    error = name_ + ": " + what;
    return false;
  }
  ssize_t read_fd(char* to, std::size_t size) {
    for (;;) {
      const ssize_t n = ::read(fd_, to, size);
      if (n >= 0 || errno != EINTR) return n;
    }
  }
  ssize_t read_raw(std::size_t size) {
    const std::size_t old = raw_.size();
    raw_.resize(old + size);
    const ssize_t n = read_fd(raw_.data() + old, size);
    raw_.resize(old + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    return n;
  }

  std::string name_;
  int fd_ = -1;
  bool owned_ = false;
  std::string raw_;  // bytes read but not yet passed on
  bool raw_eof_ = false;
  std::size_t raw_read_size_ = first_read_size;
  std::unique_ptr<decompressor> decompressor_;
  bool finished_ = false;  // the last stream decompressed is complete
  const archive_limits& limits_;
  std::uint64_t compressed_ = 0, decompressed_ = 0;  // for the ratio
};

archive_reader::archive_reader(const archive_limits& limits) : limits_(limits), read_size_(first_read_size) {}
archive_reader::~archive_reader() = default;

bool archive_reader::open(const std::string& path, std::string& error) {
  path_ = path == "-" ? "(standard input)" : path;
  stream_ = std::make_unique<byte_stream>(limits_);
  return stream_->open(path, error);
}

bool archive_reader::fill(std::size_t at_least, std::string& error) {
  while (!eof_ && text_.size() < at_least) {
    const std::ptrdiff_t n = stream_->read(text_, read_size_, error);
    read_size_ = std::min(2 * read_size_, max_read_size);
    if (n < 0) return false;
    if (n == 0) eof_ = true;
  }
  return true;
}

bool archive_reader::detect(std::string& error) {
  // JSON Lines: an optional UTF-8 byte order mark, blank space, then '{'
  // and (after more blank space) '"' or '}'. A binary frame cannot look so:
  // after its length byte comes a field tag (0x0a, 0x12, 0x1a), and after
  // a length byte that is blank space, a field tag that is not '{'.
  constexpr std::size_t look = 4096;
  if (!fill(look, error)) return false;
  const std::string_view head = std::string_view(text_).substr(0, std::min(text_.size(), look));
  const bool bom = head.starts_with("\xEF\xBB\xBF");
  const std::size_t open = head.find_first_not_of(" \t\r\n", bom ? 3 : 0);
  const std::size_t next = open == std::string_view::npos ? open : head.find_first_not_of(" \t\r\n", open + 1);
  const bool json = open != std::string_view::npos && head[open] == '{' && next != std::string_view::npos &&
                    (head[next] == '"' || head[next] == '}');
  format_ = json ? format::jsonl : format::binary;
  if (json && bom) {  // simdjson reads JSON, not the mark
    text_.erase(0, 3);
    consumed_ += 3;
  }
  return true;
}

bool archive_reader::next(std::string_view& batch, std::string& error) {
  error.clear();
  if (format_ == format::unknown && !detect(error)) return false;
  if (format_ == format::binary) return next_frame(batch, error);
  for (have_batch_ = false; !have_batch_;) {
    if (in_region_) {
      if (!next_document(batch, error)) return false;
      continue;
    }
    if (!fill(1, error)) return false;
    if (text_.find_first_not_of(" \t\r\n") == std::string::npos && eof_) return false;
    if (!start_region(error)) return false;
  }
  return true;
}

bool archive_reader::next_frame(std::string_view& batch, std::string& error) {
  text_.erase(0, returned_frame_);
  consumed_ += returned_frame_;
  returned_frame_ = 0;
  if (!fill(10, error)) return false;
  if (text_.empty()) return false;  // the end, between frames
  std::uint64_t size = 0;
  std::size_t at = 0;
  if (!read_varint(text_, at, size)) {
    error = path_ + ": byte " + std::to_string(consumed_) + ": truncated or overlong frame length";
    return false;
  }
  // Not JSON Lines (e.g. --pretty output) if it starts with '{'.
  const std::string hint = consumed_ == 0 && text_[0] == '{' ? " (JSON must be JSON Lines, as --format jsonl writes it)" : "";
  if (size > limits_.max_batch_bytes) {
    error = path_ + ": byte " + std::to_string(consumed_) + ": a frame of " + std::to_string(size) +
            " bytes, more than the " + size_text(limits_.max_batch_bytes) + " limit (--max-batch-size)" + hint;
    return false;
  }
  if (!fill(at + size, error)) return false;
  if (text_.size() < at + size) {
    error = path_ + ": byte " + std::to_string(consumed_) + ": frame of " + std::to_string(size) +
            " bytes is truncated (" + std::to_string(text_.size() - at) + " bytes left)" + hint;
    return false;
  }
  batch = std::string_view(text_).substr(at, static_cast<std::size_t>(size));
  std::string problem;
  if (!validate_wire(batch, schema::BatchMessage_type, problem)) {
    // The problem's byte offset is within the frame; say where the frame is.
    error = path_ + ": frame at byte " + std::to_string(consumed_) + ": " + problem;
    if (consumed_ == 0 && text_[0] == '{') error += " (JSON must be JSON Lines, as --format jsonl writes it)";
    return false;
  }
  returned_frame_ = at + static_cast<std::size_t>(size);
  return count_empty(batch.size(), error);
}

bool archive_reader::count_empty(std::size_t size, std::string& error) {
  empty_run_ = size == 0 ? empty_run_ + 1 : 0;
  if (empty_run_ <= limits_.max_empty_run) return true;
  error = path_ + ": byte " + std::to_string(consumed_) + ": more than " + std::to_string(limits_.max_empty_run) +
          " empty batches in a row: not an archive this tool wrote";
  return false;
}

namespace {

// Newlines in `text`, found with memchr (lines are long, newlines few).
std::uint64_t count_newlines(std::string_view text) {
  std::uint64_t n = 0;
  for (const char* p = text.data(); (p = static_cast<const char*>(std::memchr(p, '\n', text.data() + text.size() - p)));
       ++p) {
    ++n;
  }
  return n;
}

// The offset of the last newline in `text`, or npos.
std::size_t last_newline(std::string_view text) {
#if defined(__GLIBC__)
  const void* at = memrchr(text.data(), '\n', text.size());  // vectorised; a line can be 100 MB
  return at ? static_cast<std::size_t>(static_cast<const char*>(at) - text.data()) : std::string_view::npos;
#else
  return text.rfind('\n');
#endif
}

}  // namespace

bool archive_reader::start_region(std::string& error) {
  // Whole lines only: up to the last newline, or everything at the end.
  // Only the bytes read since the last search are searched.
  std::size_t end = std::string::npos;
  for (std::size_t searched = 0;;) {
    if (const std::size_t at = last_newline(std::string_view(text_).substr(searched)); at != std::string_view::npos) {
      end = searched + at + 1;
      break;
    }
    if (eof_) {
      end = text_.size();
      break;
    }
    // A line longer than the limit is refused before it is read whole.
    if (text_.size() > limits_.max_batch_bytes) {
      error = path_ + ":" + std::to_string(line_ + 1) + ": a line of more than " +
              size_text(limits_.max_batch_bytes) + ", the limit (--max-batch-size)";
      return false;
    }
    searched = text_.size();
    // Grow geometrically: appending a megabyte at a time to a long line
    // would copy it again and again.
    if (text_.capacity() < text_.size() + read_size_ + simdjson::SIMDJSON_PADDING) {
      const std::uint64_t cap = limits_.max_batch_bytes + read_size_ + simdjson::SIMDJSON_PADDING;
      text_.reserve(static_cast<std::size_t>(
          std::min<std::uint64_t>(2 * (text_.size() + read_size_) + simdjson::SIMDJSON_PADDING, cap)));
    }
    if (!fill(text_.size() + read_size_, error)) return false;
  }
  region_end_ = end;
  region_lines_ = line_;
  region_counted_ = 0;
  // A region longer than the limit may hold a line that is (one that came
  // in whole with shorter ones, when the limit is below a read's size).
  if (end > limits_.max_batch_bytes) {
    std::uint64_t line = line_ + 1;
    for (std::size_t from = 0; from < end; ++line) {
      const void* newline = std::memchr(text_.data() + from, '\n', end - from);
      const std::size_t to = newline ? static_cast<std::size_t>(static_cast<const char*>(newline) - text_.data()) : end;
      if (to - from > limits_.max_batch_bytes) {
        error = path_ + ":" + std::to_string(line) + ": a line of more than " + size_text(limits_.max_batch_bytes) +
                ", the limit (--max-batch-size)";
        return false;
      }
      from = to + 1;
    }
  }
  if (text_.find_first_not_of(" \t\r\n") >= end) {  // only blank lines
    finish_region();
    return true;
  }
  // iterate_many reads up to SIMDJSON_PADDING bytes past the end.
  text_.reserve(text_.size() + simdjson::SIMDJSON_PADDING);
  const std::size_t batch_size = std::max<std::size_t>(end, simdjson::dom::MINIMAL_BATCH_SIZE);
  if (const auto e = parser_.iterate_many(text_.data(), end, batch_size).get(documents_); e != simdjson::SUCCESS) {
    error = path_ + ":" + std::to_string(line_ + 1) + ": " + simdjson::error_message(e);
    return false;
  }
  document_ = documents_.begin();
  in_region_ = true;
  return true;
}

std::uint64_t archive_reader::line_at(std::size_t offset) {
  // Documents come in order: count forward from the last one.
  if (offset > region_counted_) {
    region_lines_ += count_newlines(std::string_view(text_).substr(region_counted_, offset - region_counted_));
    region_counted_ = offset;
  }
  return region_lines_ + 1;
}

void archive_reader::finish_region() {
  line_ += count_newlines(std::string_view(text_).substr(0, region_end_));
  text_.erase(0, region_end_);
  consumed_ += region_end_;
  in_region_ = false;
}

bool archive_reader::next_document(std::string_view& batch, std::string& error) {
  if (!(document_ != documents_.end())) {
    if (const std::size_t truncated = documents_.truncated_bytes(); truncated != 0) {
      // The cut document is the region's last `truncated` bytes (not the
      // last whole one, last_start_), past any blank lines before it.
      std::size_t at = region_end_ - std::min(truncated, region_end_);
      while (at < region_end_ && std::isspace(static_cast<unsigned char>(text_[at]))) ++at;
      error = path_ + ":" + std::to_string(line_at(std::max(at, last_start_))) + ": the JSON is cut short";
      return false;
    }
    finish_region();
    return true;
  }
  const std::size_t start = document_.current_index();
  last_start_ = start;
  simdjson::ondemand::document_reference doc;
  simdjson::ondemand::value value;
  auto e = (*document_).get(doc);
  if (e == simdjson::SUCCESS) e = doc.get_value().get(value);
  if (e != simdjson::SUCCESS) {
    error = path_ + ":" + std::to_string(line_at(start)) + ": " +
            (e == simdjson::SCALAR_DOCUMENT_AS_VALUE ? "not a JSON object" : simdjson::error_message(e));
    return false;
  }
  std::string problem;
  std::size_t size = 0;
  if (!json_to_wire(value, schema::BatchMessage_type, wire_, size, problem)) {
    error = path_ + ":" + std::to_string(line_at(start)) + ": " + problem;
    return false;
  }
  batch = std::string_view(wire_).substr(0, size);
  ++document_;
  have_batch_ = true;
  return count_empty(size, error);
}

}  // namespace tcpstats::reader
