#pragma once

#include <cstddef>
#include <cstdint>

namespace netmeter {

inline constexpr uint8_t kNoWindowScale = 0xff;  // window scale option absent

// The TCP options netmeter uses, from a SYN or SYN-ACK (RFC 9293 MSS, RFC 7323 window scale,
// RFC 2018 SACK-permitted). Absent options keep their sentinel values.
struct TcpOptions {
  uint16_t mss = 0;                       // 0 = no MSS option
  uint8_t windowScale = kNoWindowScale;   // shift count, values above 14 taken as 14 (RFC 7323 2.3)
  bool sackPermitted = false;
  bool malformed = false;                 // an option's length ran past the header or was < 2
};

// Parses the options area of a TCP header (`length` bytes at `data`, everything after the fixed 20
// bytes). Reads nothing outside [data, data + length); stops at End-of-Option-List or at the first
// malformed option (options before it are kept). An option of a known kind with a wrong length is
// ignored, as receivers do.
TcpOptions parseTcpOptions(const uint8_t* data, size_t length);

}  // namespace netmeter
