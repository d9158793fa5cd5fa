#include "filter/parser.h"

#include <cctype>
#include <string>

namespace netmeter::filter {

namespace {

// UTF-8 typographic quotes, which the reference itself uses (“...”).
constexpr std::string_view kLeftQuote = "\xE2\x80\x9C";
constexpr std::string_view kRightQuote = "\xE2\x80\x9D";

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool isNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  ParseResult run() {
    ParseResult result;
    skipSpace();
    if (pos_ == text_.size()) return fail(pos_, "expected an expression, got nothing");
    AstNode root;
    if (!parseOr(root, 0)) return failure();
    skipSpace();
    if (pos_ != text_.size()) {
      if (text_[pos_] == ')') return fail(pos_, "unbalanced ')'");
      return fail(pos_, "expected 'and', 'or' or the end of the expression, got '" + excerpt(pos_) + "'");
    }
    result.ast = std::move(root);
    return result;
  }

 private:
  ParseResult fail(size_t position, std::string message) {
    error(position, std::move(message));
    return failure();
  }
  ParseResult failure() const {
    ParseResult r;
    r.error = error_;
    return r;
  }
  bool error(size_t position, std::string message) {
    if (error_.empty()) error_ = FilterError{position, std::move(message)};
    return false;
  }

  // A short piece of the text at `at` for messages.
  std::string excerpt(size_t at) const {
    size_t end = at;
    while (end < text_.size() && end - at < 16 && !isSpace(text_[end])) ++end;
    if (end == at) end = std::min(text_.size(), at + 1);
    return std::string(text_.substr(at, end - at));
  }

  void skipSpace() {
    while (pos_ < text_.size() && isSpace(text_[pos_])) ++pos_;
  }
  bool startsWith(std::string_view s) const { return text_.substr(pos_, s.size()) == s; }

  // "and" / "&&" (or "or" / "||") at pos_; consumes it when found.
  bool takeKeyword(std::string_view word, std::string_view symbol) {
    if (startsWith(symbol)) {
      pos_ += symbol.size();
      return true;
    }
    if (pos_ + word.size() > text_.size()) return false;
    if (lower(text_.substr(pos_, word.size())) != word) return false;
    const size_t after = pos_ + word.size();
    if (after < text_.size() && isNameChar(text_[after])) return false;  // "order", "android", ...
    pos_ = after;
    return true;
  }

  bool parseOr(AstNode& out, size_t depth) {
    AstNode first;
    if (!parseAnd(first, depth)) return false;
    AstNode node;
    node.kind = AstNode::Kind::kOr;
    node.children.push_back(std::move(first));
    for (;;) {
      skipSpace();
      const size_t at = pos_;
      if (!takeKeyword("or", "||")) break;
      skipSpace();
      if (pos_ == text_.size())
        return error(pos_, "expected an expression after '" + std::string(text_.substr(at, pos_ - at)) + "'");
      AstNode next;
      if (!parseAnd(next, depth)) return false;
      node.children.push_back(std::move(next));
    }
    out = node.children.size() == 1 ? std::move(node.children.front()) : std::move(node);
    return true;
  }

  bool parseAnd(AstNode& out, size_t depth) {
    AstNode first;
    if (!parsePrimary(first, depth)) return false;
    AstNode node;
    node.kind = AstNode::Kind::kAnd;
    node.children.push_back(std::move(first));
    for (;;) {
      skipSpace();
      const size_t at = pos_;
      if (!takeKeyword("and", "&&")) break;
      skipSpace();
      if (pos_ == text_.size())
        return error(pos_, "expected an expression after '" + std::string(text_.substr(at, pos_ - at)) + "'");
      AstNode next;
      if (!parsePrimary(next, depth)) return false;
      node.children.push_back(std::move(next));
    }
    out = node.children.size() == 1 ? std::move(node.children.front()) : std::move(node);
    return true;
  }

  bool parsePrimary(AstNode& out, size_t depth) {
    skipSpace();
    if (pos_ == text_.size()) return error(pos_, "expected an operand or '('");
    if (text_[pos_] == '(') {
      if (depth + 1 > kMaxNesting)
        return error(pos_, "parentheses nested deeper than " + std::to_string(kMaxNesting));
      const size_t open = pos_++;
      if (!parseOr(out, depth + 1)) return false;
      skipSpace();
      if (pos_ == text_.size() || text_[pos_] != ')') {
        return error(pos_, "expected ')' to close the '(' at position " + std::to_string(open));
      }
      ++pos_;
      return true;
    }
    return parseComparison(out);
  }

  bool parseComparison(AstNode& out) {
    const size_t start = pos_;
    if (text_[pos_] == '!' && !startsWith("!=")) {
      return error(pos_, "expected an operand name; there is no '!' operator, use '!=' in a comparison");
    }
    while (pos_ < text_.size() && isNameChar(text_[pos_])) ++pos_;
    if (pos_ == start) return error(start, "expected an operand name or '(', got '" + excerpt(start) + "'");
    const std::string_view name = text_.substr(start, pos_ - start);
    const std::optional<Operand> operand = findOperand(name);
    if (!operand) {
      if (lower(name) == "not") return error(start, "there is no 'not' operator; use '!=' in a comparison");
      return error(start, "unknown operand '" + std::string(name) + "'");
    }
    skipSpace();
    bool notEqual = false;
    if (startsWith("==")) {
      notEqual = false;
    } else if (startsWith("!=")) {
      notEqual = true;
    } else {
      if (pos_ < text_.size() && text_[pos_] == '=')
        return error(pos_, "expected '==' or '!=' after '" + std::string(name) +
                               "' (a single '=' is not an operator)");
      return error(pos_, "expected '==' or '!=' after '" + std::string(name) + "'");
    }
    const std::string op(text_.substr(pos_, 2));
    pos_ += 2;
    skipSpace();
    Comparison c;
    c.operand = *operand;
    c.notEqual = notEqual;
    c.operandPosition = start;
    c.valuePosition = pos_;
    if (!parseValue(c, op)) return false;
    out.kind = AstNode::Kind::kComparison;
    out.comparison = std::move(c);
    return true;
  }

  bool parseValue(Comparison& c, const std::string& op) {
    if (pos_ == text_.size()) return error(pos_, "expected a value after '" + op + "'");
    if (text_[pos_] == '"' || startsWith(kLeftQuote) || startsWith(kRightQuote)) return parseQuoted(c);
    const size_t start = pos_;
    while (pos_ < text_.size()) {
      const char ch = text_[pos_];
      if (isSpace(ch) || ch == '(' || ch == ')' || ch == '"' || startsWith("&&") || startsWith("||")) break;
      ++pos_;
    }
    if (pos_ == start) return error(start, "expected a value after '" + op + "'");
    c.value = std::string(text_.substr(start, pos_ - start));
    return true;
  }

  bool parseQuoted(Comparison& c) {
    const size_t open = pos_;
    pos_ += text_[pos_] == '"' ? 1 : kLeftQuote.size();
    c.valuePosition = pos_;
    c.quoted = true;
    std::string value;
    while (pos_ < text_.size()) {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
        value.push_back('"');
        pos_ += 2;
        continue;
      }
      if (text_[pos_] == '"') {
        ++pos_;
        c.value = std::move(value);
        return true;
      }
      if (startsWith(kRightQuote) || startsWith(kLeftQuote)) {
        pos_ += kRightQuote.size();
        c.value = std::move(value);
        return true;
      }
      value.push_back(text_[pos_++]);
    }
    return error(open, "unterminated quoted value");
  }

  std::string_view text_;
  size_t pos_ = 0;
  FilterError error_;
};

}  // namespace

ParseResult parseExpression(std::string_view text) {
  return Parser(text).run();
}

}  // namespace netmeter::filter
