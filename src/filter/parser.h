#pragma once

#include <optional>
#include <string_view>

#include "filter/ast.h"
#include "filter/filter_error.h"

namespace netmeter::filter {

struct ParseResult {
  std::optional<AstNode> ast;
  FilterError error;  // set when !ast
  bool ok() const { return ast.has_value(); }
};

// Parenthesised nesting deeper than this is rejected (bounds the evaluator's recursion).
inline constexpr size_t kMaxNesting = 64;

// Parses the syntax of the language (grammar below) without interpreting values.
//   expression := conjunction { ("or" | "||") conjunction }
//   conjunction := primary { ("and" | "&&") primary }
//   primary := "(" expression ")" | OPERAND ("==" | "!=") VALUE
//   VALUE := quoted ("..." or “...”, \" for a quote) | unquoted (up to whitespace, parenthesis, && or ||)
// Keywords and operand names are case-insensitive. There is no negation operator (the reference has
// none); `!=` is the negation of `==`.
ParseResult parseExpression(std::string_view text);

}  // namespace netmeter::filter
