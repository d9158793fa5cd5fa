#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filter/filter_error.h"
#include "filter/names.h"
#include "filter/operand.h"
#include "filter/program.h"
#include "filter/regex_matcher.h"
#include "filter/rows.h"

namespace netmeter::filter {

struct CompileOptions {
  // Names accepted by l7Protocol/dpiProtocol and the ids they compile to (null: the built-in table).
  const L7ProtocolTable* l7Protocols = nullptr;
  // Group name -> bit index 1..63 in PacketContext::srcGroups (bit 0 is "default"). Null: only
  // "default" is known and other names are errors ("no groups are configured").
  std::function<std::optional<uint8_t>(std::string_view)> groupIndex;
};

struct CompileResult;

// A compiled filter expression. Compile once (parsing, name resolution, regex JIT), then match any
// number of rows; matching never allocates and never compares strings.
//
// Thread safety: match() uses per-object scratch space for regular expressions, so one Filter must
// not be used by two threads at once. Copies are cheap (compiled regexes are shared, scratch is
// not): give each worker its own copy.
class Filter {
 public:
  static CompileResult compile(std::string_view expression, const CompileOptions& options = {});

  Match match(const PacketView& row);
  Match match(const ConnectionView& row);
  Match match(const IpRow& row);
  Match match(const MacRow& row);

  // Convenience for callers that treat "undecided" as "no" (table filters).
  bool matches(const PacketView& row) { return match(row) == Match::kYes; }

  const std::string& expression() const { return expression_; }
  // True when the expression has an l7Protocol clause (so results can be kUndecided).
  bool usesL7() const { return usesL7_; }
  // True when some operand needs the packet bytes (regexp, multicastGroup).
  bool needsPayload() const { return needsPayload_; }
  // Operands used, each once, in order of first appearance.
  const std::vector<Operand>& operands() const { return operands_; }
  const Program& program() const { return program_; }

 private:
  Filter() = default;
  friend class Compiler;

  std::string expression_;
  Program program_;
  std::vector<RegexMatcher> regexes_;
  std::vector<Operand> operands_;
  bool usesL7_ = false;
  bool needsPayload_ = false;
};

struct CompileResult {
  std::optional<Filter> filter;  // set on success
  FilterError error;             // set otherwise: position in the expression and what was expected
  bool ok() const { return filter.has_value(); }
};

}  // namespace netmeter::filter
