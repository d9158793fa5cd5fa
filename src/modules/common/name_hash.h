#pragma once

#include <absl/hash/hash.h>

#include <cstdint>
#include <string_view>

namespace netmeter {

// A 32-bit hash of a name, kept beside names that are looked up by comparison (a server's SNI list,
// an address's alternative names): a differing hash rules a name out without reading its string,
// which lies on the heap when longer than 15 bytes.
inline uint32_t nameHash(std::string_view name) {
  return static_cast<uint32_t>(absl::HashOf(name));
}

}  // namespace netmeter
