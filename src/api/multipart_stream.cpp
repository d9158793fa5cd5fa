#include "api/multipart_stream.h"

#include <algorithm>
#include <cctype>

#include "core/text.h"

namespace netmeter::api {

namespace {

constexpr size_t kMaxPartHeaders = 16 * 1024;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The value of parameter `name` in a header value like `form-data; name="file"; filename="a.pcap"`.
std::optional<std::string> headerParameter(std::string_view value, std::string_view name) {
  size_t pos = value.find(';');
  while (pos != std::string_view::npos) {
    std::string_view rest = trimWhitespace(value.substr(pos + 1));
    const size_t eq = rest.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string key = lower(trimWhitespace(rest.substr(0, eq)));
    std::string_view v = trimWhitespace(rest.substr(eq + 1));
    std::string out;
    size_t consumed = 0;
    if (!v.empty() && v.front() == '"') {
      size_t i = 1;
      for (; i < v.size() && v[i] != '"'; ++i) {
        if (v[i] == '\\' && i + 1 < v.size()) ++i;
        out.push_back(v[i]);
      }
      consumed = std::min(v.size(), i + 1);
    } else {
      consumed = std::min(v.size(), v.find(';'));
      out = std::string(trimWhitespace(v.substr(0, consumed)));
    }
    if (key == name) return out;
    const size_t next = v.substr(consumed).find(';');
    if (next == std::string_view::npos) return std::nullopt;
    value = v.substr(consumed + next);
    pos = 0;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> multipartBoundary(std::string_view contentType) {
  const size_t semi = contentType.find(';');
  if (semi == std::string_view::npos || lower(trimWhitespace(contentType.substr(0, semi))) != "multipart/form-data")
    return std::nullopt;
  auto boundary = headerParameter(contentType, "boundary");
  // RFC 2046: 1 to 70 characters, not ending with a space.
  if (!boundary || boundary->empty() || boundary->size() > 70 || boundary->back() == ' ') return std::nullopt;
  return boundary;
}

MultipartStream::MultipartStream(std::string boundary, std::string fieldName,
                                 std::function<bool(std::string_view)> onData)
    : delimiter_("\r\n--" + boundary), fieldName_(std::move(fieldName)), onData_(std::move(onData)) {
  // The body may start with the delimiter without its CRLF: pretend one came before.
  pending_ = "\r\n";
}

bool MultipartStream::fail(std::string message) {
  if (state_ != State::Error) error_ = std::move(message);
  state_ = State::Error;
  return false;
}

bool MultipartStream::emit(std::string_view data) {
  if (data.empty()) return true;
  fileBytes_ += data.size();
  if (!onData_(data)) return fail("the upload was refused");
  return true;
}

bool MultipartStream::parseHeaders(std::string_view headers) {
  std::string name;
  std::optional<std::string> fileName;
  bool sawDisposition = false;
  while (!headers.empty()) {
    const size_t eol = headers.find("\r\n");
    std::string_view line = headers.substr(0, eol);
    headers = eol == std::string_view::npos ? std::string_view{} : headers.substr(eol + 2);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return fail("malformed part header line");
    if (lower(trimWhitespace(line.substr(0, colon))) != "content-disposition") continue;
    const std::string_view value = trimWhitespace(line.substr(colon + 1));
    sawDisposition = true;
    name = headerParameter(value, "name").value_or("");
    fileName = headerParameter(value, "filename");
  }
  if (!sawDisposition) return fail("a part has no Content-Disposition header");
  const bool isFile = !fileDone_ && !sawFile_ && (name == fieldName_ || fileName.has_value());
  if (isFile) {
    sawFile_ = true;
    fileName_ = fileName.value_or("");
    state_ = State::FileBody;
  } else {
    state_ = State::OtherBody;
  }
  return true;
}

bool MultipartStream::scanBody() {
  const size_t at = pending_.find(delimiter_);
  if (at == std::string::npos) {
    // Everything except a tail that could be the start of a delimiter is content.
    const size_t keep = std::min(pending_.size(), delimiter_.size() - 1);
    const size_t take = pending_.size() - keep;
    if (state_ == State::FileBody && !emit(std::string_view(pending_).substr(0, take))) return false;
    pending_.erase(0, take);
    return true;
  }
  if (state_ == State::FileBody) {
    if (!emit(std::string_view(pending_).substr(0, at))) return false;
    fileDone_ = true;
  }
  pending_.erase(0, at + delimiter_.size());
  state_ = State::PartHeaders;  // the delimiter's line ending is checked with the headers
  return true;
}

bool MultipartStream::feed(std::string_view piece) {
  if (state_ == State::Error) return false;
  if (state_ == State::Epilogue) return true;  // ignored, as RFC 2046 says
  pending_.append(piece);
  for (;;) {
    switch (state_) {
      case State::Preamble: {
        const size_t at = pending_.find(delimiter_);
        if (at == std::string::npos) {
          // Keep only what could still start the delimiter.
          if (pending_.size() >= delimiter_.size()) pending_.erase(0, pending_.size() - (delimiter_.size() - 1));
          return true;
        }
        pending_.erase(0, at + delimiter_.size());
        state_ = State::PartHeaders;
        break;
      }
      case State::PartHeaders: {
        // After a delimiter: "--" closes the body; otherwise optional whitespace, CRLF, headers, CRLF.
        if (pending_.size() < 2) return true;
        if (pending_.compare(0, 2, "--") == 0) {
          state_ = State::Epilogue;
          pending_.clear();
          return true;
        }
        const size_t end = pending_.find("\r\n\r\n");
        if (end == std::string::npos) {
          if (pending_.size() > kMaxPartHeaders) return fail("part headers longer than 16 KiB");
          return true;
        }
        size_t start = 0;
        while (start < end && (pending_[start] == ' ' || pending_[start] == '\t')) ++start;
        if (pending_.compare(start, 2, "\r\n") != 0) return fail("malformed boundary line");
        const std::string headers = pending_.substr(start + 2, end >= start + 2 ? end - start - 2 : 0);
        pending_.erase(0, end + 4);
        if (end == start) {  // no headers at all: the CRLF CRLF began right after the boundary
          return fail("a part has no Content-Disposition header");
        }
        if (!parseHeaders(headers)) return false;
        break;
      }
      case State::FileBody:
      case State::OtherBody: {
        const State before = state_;
        if (!scanBody()) return false;
        if (state_ == before) return true;  // needs more bytes
        break;
      }
      case State::Epilogue:
        pending_.clear();
        return true;
      case State::Error:
        return false;
    }
  }
}

bool MultipartStream::finish() {
  if (state_ == State::Error) return false;
  if (state_ != State::Epilogue) return fail("the body ended before the closing boundary");
  if (!sawFile_) return fail("no file part (a part named '" + fieldName_ + "' or with a filename)");
  return true;
}

}  // namespace netmeter::api
