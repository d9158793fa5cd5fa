#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace netmeter {

// HTTP/1.x message heads (RFC 9112), parsed from a complete head (start line through the empty line).
// Parsing never reads outside the given text; values are views into it.
struct HttpRequestHead {
  std::string_view method;
  std::string_view target;     // request target as sent (path, absolute URL or authority for CONNECT)
  std::string_view host;       // Host header without port ("" when absent)
  int64_t contentLength = -1;  // -1: none
  bool chunked = false;
  // An HTTP/0.9 "simple request" (RFC 1945 4.1: "GET target" without a version, no headers): its
  // response is the body alone, without status line or headers, up to the connection's end.
  bool simple = false;
};

struct HttpResponseHead {
  uint16_t status = 0;
  int64_t contentLength = -1;
  bool chunked = false;
};

// Whether bytes start an HTTP/1.x request ("GET /..."), resp. a response ("HTTP/1.").
bool looksLikeHttpRequest(std::span<const uint8_t> bytes);
// The bytes are a non-empty beginning of a request method and its space ("G", "GE", "POST"): a
// request line sent in small pieces (tcp-http-with-padding.pcap: "G", "E", "T / HTTP", ...).
bool beginsLikeHttpRequest(std::span<const uint8_t> bytes);
bool looksLikeHttpResponse(std::span<const uint8_t> bytes);

bool parseHttpRequestHead(std::string_view head, HttpRequestHead& out);
bool parseHttpResponseHead(std::string_view head, HttpResponseHead& out);

// Position just after the "\r\n\r\n" (or "\n\n") that ends a head in `text`, or 0 if not there yet.
size_t findHeadEnd(std::string_view text);
// Position just after an HTTP/0.9 request line at the start of `text` ("GET /path" and its line feed,
// no version: such a request has no headers), or 0 if `text` does not begin with a complete one.
size_t findSimpleRequestEnd(std::string_view text);

}  // namespace netmeter
