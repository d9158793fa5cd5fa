#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "io/byte_source.h"

namespace netmeter::io {

// A file that is still being written, read while it grows: an uploaded capture is analyzed as its
// bytes arrive and stays on disk as that analysis's packet store (captures of the past read it).
// One writer appends; readers (ByteSources from openReader) read up to what was written and block
// until more arrives, the writer completes (then they see the end) or aborts (then they fail with
// the reason). Thread-safe.
class GrowingFile : public std::enable_shared_from_this<GrowingFile> {
 public:
  // Creates (truncates) `path`, readable only by its owner. nullptr and `error` set on failure.
  static std::shared_ptr<GrowingFile> create(const std::string& path, std::string& error);
  ~GrowingFile();
  GrowingFile(const GrowingFile&) = delete;
  GrowingFile& operator=(const GrowingFile&) = delete;

  // Writer side. append() false on a write error (error() says which); nothing after complete/abort.
  bool append(std::string_view data);
  void complete();
  void abort(std::string reason);

  // `expectedSize` is the announced total (progress: rawBytesTotal), 0 when unknown.
  std::unique_ptr<ByteSource> openReader(uint64_t expectedSize);

  const std::string& path() const { return path_; }
  uint64_t size() const;
  bool completed() const;
  // Why the file ended early ("" when it did not).
  std::string error() const;

 private:
  GrowingFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  void end(std::string reason);  // "" completes
  friend class GrowingFileReader;

  const std::string path_;
  std::mutex writeMutex_;  // the writer's descriptor: writes and its closing
  int fd_;                 // closed at complete/abort
  mutable std::mutex mutex_;  // what readers see: size_, done_, error_
  std::condition_variable grew_;
  uint64_t size_ = 0;
  bool done_ = false;
  std::string error_;
};

}  // namespace netmeter::io
