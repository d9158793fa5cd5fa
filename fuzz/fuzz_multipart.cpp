// libFuzzer target: multipart/form-data bodies (uploads) fed in pieces of varying size.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/multipart_stream.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t piece = size_t(data[0] % 64) + 1;  // the first byte chooses the piece size
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  uint64_t bytes = 0;
  netmeter::api::MultipartStream stream("b0undary", "file", [&](std::string_view d) {
    bytes += d.size();
    return true;
  });
  for (size_t i = 0; i < body.size(); i += piece) {
    if (!stream.feed(body.substr(i, piece))) break;
  }
  stream.finish();
  if (bytes > body.size()) __builtin_trap();  // the file part is a part of the body
  return 0;
}
