#include "decode/tcp_options.h"

namespace netmeter {

namespace {
constexpr uint8_t kEnd = 0;
constexpr uint8_t kNop = 1;
constexpr uint8_t kMss = 2;
constexpr uint8_t kWindowScale = 3;
constexpr uint8_t kSackPermitted = 4;
}  // namespace

TcpOptions parseTcpOptions(const uint8_t* data, size_t length) {
  TcpOptions out;
  size_t i = 0;
  while (i < length) {
    const uint8_t kind = data[i];
    if (kind == kEnd) break;
    if (kind == kNop) {
      ++i;
      continue;
    }
    if (length - i < 2) {
      out.malformed = true;
      break;
    }
    const uint8_t optionLength = data[i + 1];
    if (optionLength < 2 || optionLength > length - i) {
      out.malformed = true;
      break;
    }
    const uint8_t* value = data + i + 2;
    switch (kind) {
      case kMss:
        if (optionLength == 4) out.mss = static_cast<uint16_t>((value[0] << 8) | value[1]);
        break;
      case kWindowScale:
        if (optionLength == 3) out.windowScale = value[0] > 14 ? uint8_t{14} : value[0];
        break;
      case kSackPermitted:
        if (optionLength == 2) out.sackPermitted = true;
        break;
      default:
        break;
    }
    i += optionLength;
  }
  return out;
}

}  // namespace netmeter
