#pragma once

#include <cstddef>
#include <string>

namespace netmeter::filter {

// Why an expression was rejected: the 0-based byte offset into the expression where the problem is,
// and a message saying what was expected ("expected a value after '=='").
struct FilterError {
  size_t position = 0;
  std::string message;

  bool empty() const { return message.empty(); }
  // "position 14: expected a value after '=='"
  std::string toString() const { return "position " + std::to_string(position) + ": " + message; }
};

}  // namespace netmeter::filter
