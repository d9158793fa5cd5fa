#include "api/url.h"

namespace netmeter::api {

namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> percentDecode(std::string_view in, bool plusIsSpace) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      int hi = hexValue(in[i + 1]);
      int lo = hexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plusIsSpace) {
      c = ' ';
    }
    if (c == '\0') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

void splitTarget(std::string_view target, std::string_view& path, std::string_view& query) {
  auto hash = target.find('#');
  if (hash != std::string_view::npos) target = target.substr(0, hash);
  auto q = target.find('?');
  if (q == std::string_view::npos) {
    path = target;
    query = {};
  } else {
    path = target.substr(0, q);
    query = target.substr(q + 1);
  }
}

Expected<NameValues> parseQuery(std::string_view query) {
  NameValues out;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (piece.empty()) continue;
    auto eq = piece.find('=');
    auto key = percentDecode(piece.substr(0, eq), true);
    auto value =
        percentDecode(eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1), true);
    if (!key) return ApiError{400, "query parameter name is not valid URL encoding", {}};
    if (!value) return badParameter(*key, "parameter '" + *key + "' is not valid URL encoding");
    if (key->empty()) continue;
    for (const auto& [k, v] : out) {
      if (k == *key) return badParameter(*key, "parameter '" + *key + "' is given more than once");
    }
    out.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

}  // namespace netmeter::api
