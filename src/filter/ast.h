#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "filter/operand.h"

namespace netmeter::filter {

// One `operand == value` / `operand != value` clause as written; values are interpreted by the
// compiler (filter.cpp), which reports bad values at `valuePosition`.
struct Comparison {
  Operand operand = Operand::kIp;
  bool notEqual = false;
  std::string value;  // quotes removed, \" unescaped
  bool quoted = false;
  size_t operandPosition = 0;
  size_t valuePosition = 0;
};

// The parse tree. `and` binds tighter than `or` (as in C); chains of the same operator are flattened
// into one node with several children.
struct AstNode {
  enum class Kind : uint8_t { kAnd, kOr, kComparison };
  Kind kind = Kind::kComparison;
  std::vector<AstNode> children;  // kAnd / kOr
  Comparison comparison;          // kComparison
};

}  // namespace netmeter::filter
