#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filter/filter.h"

namespace netmeter::filter {

// Snap-length rules of a capture profile (the reference's "capture profiles", evaluated like the
// packet ring buffer's snapshot-length filter): an ordered list of (condition, snap length); the first
// rule whose condition matches a packet decides how many bytes of it are kept. A rule without a
// condition matches every packet. A condition that is undecided for a packet (L7 protocol not
// classified yet) does not match it, so the next rule is tried.
class SnapRules {
 public:
  static constexpr size_t kMaxRules = 10;

  struct Rule {
    std::optional<Filter> condition;
    uint32_t snapLength = 0;  // bytes kept (layer 2, no FCS); 0: the whole packet
  };

  // Compiles one rule: `expression` (may be empty: every packet). Error text on failure.
  static std::optional<std::string> compileRule(std::string_view expression, uint32_t snapLength, Rule& out,
                                                const CompileOptions& options = {}) {
    if (expression.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      out = Rule{std::nullopt, snapLength};
      return std::nullopt;
    }
    CompileResult r = Filter::compile(expression, options);
    if (!r.ok()) return r.error.toString();
    out = Rule{std::move(r.filter), snapLength};
    return std::nullopt;
  }

  void add(Rule rule) { rules_.push_back(std::move(rule)); }
  bool empty() const { return rules_.empty(); }
  size_t size() const { return rules_.size(); }

  // The snap length of the first matching rule; nullopt when none matches.
  std::optional<uint32_t> select(const PacketView& packet) {
    for (Rule& r : rules_) {
      if (!r.condition.has_value() || r.condition->match(packet) == Match::kYes) return r.snapLength;
    }
    return std::nullopt;
  }

 private:
  std::vector<Rule> rules_;
};

}  // namespace netmeter::filter
