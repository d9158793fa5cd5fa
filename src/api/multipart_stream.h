#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace netmeter::api {

// The boundary of a `multipart/form-data; boundary=...` Content-Type (RFC 7578, RFC 2046 §5.1.1), or
// nullopt when the type is not multipart/form-data or has no valid boundary.
std::optional<std::string> multipartBoundary(std::string_view contentType);

// Takes a multipart/form-data body piece by piece, as it arrives, and hands the content of ONE part
// (the file field: the part named `fieldName`, or else the first part that has a filename) to `onData`
// in pieces, without ever holding the body. Other parts are skipped. Memory: one part header (at most
// 16 KiB) and a boundary-sized tail.
class MultipartStream {
 public:
  enum class State : uint8_t { Preamble, PartHeaders, FileBody, OtherBody, Epilogue, Error };

  MultipartStream(std::string boundary, std::string fieldName,
                  std::function<bool(std::string_view)> onData);

  // Feeds the next piece. False when the body is malformed (error() says why) or onData refused a piece.
  bool feed(std::string_view piece);
  // Call once at the end of the body: false when the closing boundary or the file part was missing.
  bool finish();

  State state() const { return state_; }
  const std::string& error() const { return error_; }
  // The file part's filename parameter ("" when none), once its headers were read.
  const std::string& fileName() const { return fileName_; }
  bool sawFile() const { return sawFile_; }
  uint64_t fileBytes() const { return fileBytes_; }

 private:
  bool fail(std::string message);
  bool emit(std::string_view data);
  bool parseHeaders(std::string_view headers);
  // Body bytes of the current part up to the next delimiter; keeps a possible partial delimiter.
  bool scanBody();

  std::string delimiter_;  // "\r\n--" + boundary
  std::string fieldName_;
  std::function<bool(std::string_view)> onData_;
  State state_ = State::Preamble;
  std::string pending_;  // bytes not yet classified (bounded, see feed)
  std::string fileName_;
  std::string error_;
  bool sawFile_ = false;
  bool fileDone_ = false;
  uint64_t fileBytes_ = 0;
};

}  // namespace netmeter::api
