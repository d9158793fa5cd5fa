#pragma once

#include <string>
#include <string_view>

namespace netmeter {

// Names, URLs and queries read from traffic are stored as printable ASCII: any other byte becomes '?',
// so that every output (JSON, CSV, API) stays valid text whatever the packets carried.
inline char printableByte(char c) { return c >= 0x20 && c <= 0x7e ? c : '?'; }

inline void assignPrintable(std::string& out, std::string_view in) {
  out.resize(in.size());
  for (size_t i = 0; i < in.size(); ++i) out[i] = printableByte(in[i]);
}

}  // namespace netmeter
