#include "app/command_line.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace netmeter {

std::optional<int64_t> parseByteSize(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  double number = 0;
  try {
    size_t used = 0;
    number = std::stod(std::string(text.substr(0, i)), &used);
    if (used != i) return std::nullopt;
  } catch (...) {
    return std::nullopt;
  }
  std::string unit;
  for (char c : text.substr(i)) unit += char(std::toupper(static_cast<unsigned char>(c)));
  double multiplier = 1;
  if (unit.empty() || unit == "B")
    multiplier = 1;
  else if (unit == "K" || unit == "KB" || unit == "KIB")
    multiplier = 1024.0;
  else if (unit == "M" || unit == "MB" || unit == "MIB")
    multiplier = 1024.0 * 1024;
  else if (unit == "G" || unit == "GB" || unit == "GIB")
    multiplier = 1024.0 * 1024 * 1024;
  else if (unit == "T" || unit == "TB" || unit == "TIB")
    multiplier = 1024.0 * 1024 * 1024 * 1024;
  else
    return std::nullopt;
  const double bytes = number * multiplier;
  if (!std::isfinite(bytes) || bytes < 1 || bytes > 9.0e18) return std::nullopt;
  return static_cast<int64_t>(bytes);
}

std::optional<ReaderMode> parseReaderMode(std::string_view text) {
  if (text == "auto") return ReaderMode::kAuto;
  if (text == "thread") return ReaderMode::kDedicated;
  if (text == "workers") return ReaderMode::kShared;
  return std::nullopt;
}

std::optional<int64_t> parseIpReassembly(std::string_view text) {
  if (text == "off") return 0;
  const std::optional<int64_t> bytes = parseByteSize(text);
  if (!bytes || *bytes < (int64_t{64} << 10) || *bytes > (int64_t{1} << 30)) return std::nullopt;
  return bytes;
}

std::optional<int64_t> parseInteger(std::string_view text, int64_t min, int64_t max) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) return std::nullopt;
  return v;
}

}  // namespace netmeter

namespace netmeter {

std::optional<int64_t> parseEpochSeconds(std::string_view text) {
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  auto seconds = parseInteger(whole, 0, int64_t{9'000'000'000});
  if (!seconds) return std::nullopt;
  int64_t nanos = 0;
  if (dot != std::string_view::npos) {
    const std::string_view fraction = text.substr(dot + 1);
    if (fraction.empty() || fraction.size() > 9) return std::nullopt;
    for (size_t i = 0; i < 9; ++i) {
      const char c = i < fraction.size() ? fraction[i] : '0';
      if (c < '0' || c > '9') return std::nullopt;
      nanos = nanos * 10 + (c - '0');
    }
  }
  return *seconds * 1'000'000'000 + nanos;
}

}  // namespace netmeter
