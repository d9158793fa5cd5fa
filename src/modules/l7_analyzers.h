#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace netmeter {

// Which layer-7 analysis the workers do (`--l7`): nDPI classification and each application analyzer
// can be switched on alone, so that the benchmark can measure what each one costs. Everything is on
// by default; an analyzer switched off leaves its statistics empty and its connections unanalyzed.
struct L7Analyzers {
  enum Bit : uint8_t { kDpi = 1, kDns = 2, kHttp = 4, kTls = 8, kQuic = 16, kStartTls = 32 };
  static constexpr uint8_t kApplication = kDns | kHttp | kTls | kQuic | kStartTls;
  static constexpr uint8_t kAll = kDpi | kApplication;

  uint8_t bits = kAll;

  bool has(Bit b) const { return (bits & b) != 0; }
  bool any() const { return bits != 0; }
  bool anyApplication() const { return (bits & kApplication) != 0; }

  // "all", "off", or a comma-separated list of dpi, dns, http, tls, quic, starttls (e.g. "dpi,dns").
  // Empty on anything else (an unknown name, an empty item, a repeated name).
  static std::optional<L7Analyzers> parse(std::string_view text);
  // The canonical spelling parse() reads back: "all", "off" or the list in the order above.
  std::string toString() const;

  friend bool operator==(L7Analyzers, L7Analyzers) = default;
};

}  // namespace netmeter
