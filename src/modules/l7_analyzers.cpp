#include "modules/l7_analyzers.h"

#include <array>
#include <utility>

namespace netmeter {

namespace {

constexpr std::array<std::pair<std::string_view, L7Analyzers::Bit>, 6> kNames{{
    {"dpi", L7Analyzers::kDpi},
    {"dns", L7Analyzers::kDns},
    {"http", L7Analyzers::kHttp},
    {"tls", L7Analyzers::kTls},
    {"quic", L7Analyzers::kQuic},
    {"starttls", L7Analyzers::kStartTls},
}};

}  // namespace

std::optional<L7Analyzers> L7Analyzers::parse(std::string_view text) {
  if (text == "all") return L7Analyzers{kAll};
  if (text == "off") return L7Analyzers{0};
  L7Analyzers result{0};
  for (;;) {
    const size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    bool known = false;
    for (const auto& [name, bit] : kNames) {
      if (item != name) continue;
      if (result.has(bit)) return std::nullopt;  // named twice: most likely a typo for another one
      result.bits |= bit;
      known = true;
    }
    if (!known) return std::nullopt;
    if (comma == std::string_view::npos) return result;
    text.remove_prefix(comma + 1);
  }
}

std::string L7Analyzers::toString() const {
  if (bits == kAll) return "all";
  if (bits == 0) return "off";
  std::string out;
  for (const auto& [name, bit] : kNames) {
    if (!has(bit)) continue;
    if (!out.empty()) out += ',';
    out += name;
  }
  return out;
}

}  // namespace netmeter
