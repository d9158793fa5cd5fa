#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace netmeter::io {

// Buffered output for the capture writers: to a file, or to a callback (which can feed an ostream, a
// socket or memory). Errors are kept, not thrown: write() returns false once anything failed.
class OutputStream {
 public:
  // Receives each flushed chunk; returns false to report failure.
  using Sink = std::function<bool(const uint8_t* data, size_t size)>;

  // Creates or truncates `path`; nullptr and `error` set when it cannot.
  static std::unique_ptr<OutputStream> toFile(const std::string& path, std::string& error);
  static std::unique_ptr<OutputStream> toSink(Sink sink);
  ~OutputStream();
  OutputStream(const OutputStream&) = delete;
  OutputStream& operator=(const OutputStream&) = delete;

  bool write(const void* data, size_t size);
  bool flush();
  bool close();  // flushes and closes the file; later writes fail
  const std::string& error() const { return error_; }
  uint64_t bytesWritten() const { return written_; }

 private:
  OutputStream(int fd, Sink sink, std::string name);
  bool emit(const uint8_t* data, size_t size);

  int fd_ = -1;
  Sink sink_;
  std::string name_;
  std::unique_ptr<uint8_t[]> buffer_;
  size_t used_ = 0;
  uint64_t written_ = 0;
  bool closed_ = false;
  std::string error_;
};

}  // namespace netmeter::io
