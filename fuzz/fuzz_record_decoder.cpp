// tcpstats-reader's TcpSocketRecord wire decoder (what closed records are
// rebuilt from, and what archives are read with) on arbitrary bytes: a
// record or one "byte N: ..." error line; a decoded record encodes to bytes
// that decode and encode to the same bytes again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "codec/wire_decoder.hpp"
#include "codec/wire_encoder.hpp"

namespace reader = tcpstats::reader;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  reader::decoded_record first;
  std::string error;
  if (!reader::decode_record({reinterpret_cast<const char*>(data), size}, first, error)) {
    if (error.rfind("byte ", 0) != 0 || error.find('\n') != std::string::npos) std::abort();
    return 0;
  }
  std::string wire;
  reader::encode_record(first.record, first.sources, wire, &first.delta);
  reader::decoded_record second;
  if (!reader::decode_record({wire.data(), wire.size()}, second, error)) std::abort();
  std::string again;
  reader::encode_record(second.record, second.sources, again, &second.delta);
  if (again != wire) std::abort();
  return 0;
}
