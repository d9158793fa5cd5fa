#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace netmeter {

// `s` without leading and trailing spaces, tabs, CRs and LFs (header values, list entries).
inline std::string_view trimWhitespace(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// Payload bytes as text (protocol lines, headers: no copy).
inline std::string_view bytesAsText(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

inline char asciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}

// `s` begins with `lowerPrefix` (given in lower case), ASCII case-insensitively.
inline bool startsWithNoCase(std::string_view s, std::string_view lowerPrefix) {
  if (s.size() < lowerPrefix.size()) return false;
  for (size_t i = 0; i < lowerPrefix.size(); ++i)
    if (asciiLower(s[i]) != lowerPrefix[i]) return false;
  return true;
}

}  // namespace netmeter
