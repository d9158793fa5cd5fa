#include "modules/http/http_parser.h"

#include <array>
#include <cstring>

#include "core/text.h"

namespace netmeter {

namespace {

constexpr std::array<std::string_view, 14> kMethods = {
    "GET ",   "POST ",  "HEAD ",     "PUT ",       "DELETE ", "OPTIONS ", "CONNECT ",
    "PATCH ", "TRACE ", "PROPFIND ", "PROPPATCH ", "MKCOL ",  "MOVE ",    "COPY "};

bool equalsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (asciiLower(a[i]) != asciiLower(b[i])) return false;
  return true;
}

// Next line of `rest` (without its line end); advances `rest`.
std::string_view nextLine(std::string_view& rest) {
  const size_t nl = rest.find('\n');
  std::string_view line = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

int64_t parseLength(std::string_view v) {
  v = trimWhitespace(v);
  if (v.empty() || v.size() > 18) return -1;
  int64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

bool containsChunked(std::string_view v) {
  for (size_t i = 0; i + 7 <= v.size(); ++i)
    if (equalsNoCase(v.substr(i, 7), "chunked")) return true;
  return false;
}

// Calls f(name, value) for every header line after the start line.
template <typename F>
void forEachHeader(std::string_view rest, F&& f) {
  while (!rest.empty()) {
    const std::string_view line = nextLine(rest);
    if (line.empty()) return;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    f(trimWhitespace(line.substr(0, colon)), trimWhitespace(line.substr(colon + 1)));
  }
}

std::string_view hostWithoutPort(std::string_view host) {
  if (!host.empty() && host.front() == '[') {  // [IPv6]:port
    const size_t close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(0, close + 1);
  }
  const size_t colon = host.rfind(':');
  if (colon != std::string_view::npos && host.find(':') == colon) return host.substr(0, colon);
  return host;
}

}  // namespace

bool looksLikeHttpRequest(std::span<const uint8_t> bytes) {
  const std::string_view t = bytesAsText(bytes);
  for (std::string_view m : kMethods)
    if (t.size() > m.size() && t.substr(0, m.size()) == m) return true;
  return false;
}

bool beginsLikeHttpRequest(std::span<const uint8_t> bytes) {
  const std::string_view t = bytesAsText(bytes);
  if (t.empty()) return false;
  for (std::string_view m : kMethods)
    if (t.size() <= m.size() && m.substr(0, t.size()) == t) return true;
  return false;
}

bool looksLikeHttpResponse(std::span<const uint8_t> bytes) {
  const std::string_view t = bytesAsText(bytes);
  return t.size() >= 12 && t.substr(0, 7) == "HTTP/1." && t[8] == ' ';
}

size_t findHeadEnd(std::string_view text) {
  if (text.size() < 2) return 0;
  const char* const begin = text.data();
  const char* const last = begin + text.size() - 1;  // a line feed here has nothing after it
  for (const char* p = begin; p < last;) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', size_t(last - p)));
    if (nl == nullptr) return 0;
    if (nl[1] == '\n') return size_t(nl - begin) + 2;
    if (nl[1] == '\r' && nl + 2 <= last && nl[2] == '\n') return size_t(nl - begin) + 3;
    p = nl + 1;
  }
  return 0;
}

size_t findSimpleRequestEnd(std::string_view text) {
  if (!text.starts_with("GET ")) return 0;
  const size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return 0;
  std::string_view line = text.substr(0, nl);
  if (line.ends_with('\r')) line.remove_suffix(1);
  // "GET target" and nothing after the target (RFC 1945 4.1's Simple-Request): the whole request.
  return line.size() > 4 && line.find(' ', 4) == std::string_view::npos ? nl + 1 : 0;
}

bool parseHttpRequestHead(std::string_view head, HttpRequestHead& out) {
  out = HttpRequestHead{};
  std::string_view rest = head;
  const std::string_view start = nextLine(rest);
  const size_t sp1 = start.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return false;
  const size_t sp2 = start.find(' ', sp1 + 1);
  out.method = start.substr(0, sp1);
  out.target = start.substr(sp1 + 1, sp2 == std::string_view::npos ? std::string_view::npos : sp2 - sp1 - 1);
  if (sp2 != std::string_view::npos && start.substr(sp2 + 1, 5) != "HTTP/") return false;
  out.simple = sp2 == std::string_view::npos && out.method == "GET" && !out.target.empty();
  if (out.simple) return true;  // HTTP/0.9 (RFC 1945 4.1): no headers
  forEachHeader(rest, [&](std::string_view name, std::string_view value) {
    if (equalsNoCase(name, "host"))
      out.host = hostWithoutPort(value);
    else if (equalsNoCase(name, "content-length"))
      out.contentLength = parseLength(value);
    else if (equalsNoCase(name, "transfer-encoding"))
      out.chunked = containsChunked(value);
  });
  return true;
}

bool parseHttpResponseHead(std::string_view head, HttpResponseHead& out) {
  out = HttpResponseHead{};
  std::string_view rest = head;
  const std::string_view start = nextLine(rest);
  if (start.size() < 12 || start.substr(0, 5) != "HTTP/") return false;
  const size_t sp = start.find(' ');
  if (sp == std::string_view::npos || sp + 4 > start.size()) return false;
  uint16_t status = 0;
  for (size_t i = sp + 1; i < sp + 4; ++i) {
    if (start[i] < '0' || start[i] > '9') return false;
    status = uint16_t(status * 10 + (start[i] - '0'));
  }
  out.status = status;
  forEachHeader(rest, [&](std::string_view name, std::string_view value) {
    if (equalsNoCase(name, "content-length"))
      out.contentLength = parseLength(value);
    else if (equalsNoCase(name, "transfer-encoding"))
      out.chunked = containsChunked(value);
  });
  return true;
}

}  // namespace netmeter
