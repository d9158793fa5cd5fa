#pragma once

#include <string_view>

namespace netmeter {

// `s` without leading and trailing spaces, tabs, CRs and LFs (header values, list entries).
inline std::string_view trimWhitespace(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace netmeter
