#include "io/output_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace netmeter::io {
namespace {
constexpr size_t kBufferSize = 1 << 20;
}

OutputStream::OutputStream(int fd, Sink sink, std::string name)
    : fd_(fd),
      sink_(std::move(sink)),
      name_(std::move(name)),
      buffer_(std::make_unique_for_overwrite<uint8_t[]>(kBufferSize)) {}

OutputStream::~OutputStream() {
  close();
}

std::unique_ptr<OutputStream> OutputStream::toFile(const std::string& path, std::string& error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = path + ": cannot create: " + std::strerror(errno);
    return nullptr;
  }
  return std::unique_ptr<OutputStream>(new OutputStream(fd, nullptr, path));
}

std::unique_ptr<OutputStream> OutputStream::toSink(Sink sink) {
  return std::unique_ptr<OutputStream>(new OutputStream(-1, std::move(sink), "output"));
}

bool OutputStream::emit(const uint8_t* data, size_t size) {
  if (sink_) {
    if (!sink_(data, size)) {
      error_ = name_ + ": write failed";
      return false;
    }
    return true;
  }
  while (size > 0) {
    const ssize_t n = ::write(fd_, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      error_ = name_ + ": write failed: " + std::strerror(errno);
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool OutputStream::write(const void* data, size_t size) {
  if (!error_.empty()) return false;
  if (closed_) {
    error_ = name_ + ": write after close";
    return false;
  }
  const auto* bytes = static_cast<const uint8_t*>(data);
  if (used_ + size > kBufferSize) {
    if (!flush()) return false;
    if (size >= kBufferSize) {
      written_ += size;
      return emit(bytes, size);
    }
  }
  std::memcpy(buffer_.get() + used_, bytes, size);
  used_ += size;
  written_ += size;
  return true;
}

bool OutputStream::flush() {
  if (!error_.empty()) return false;
  if (used_ == 0) return true;
  const size_t n = used_;
  used_ = 0;
  return emit(buffer_.get(), n);
}

bool OutputStream::close() {
  if (closed_) return error_.empty();
  const bool ok = flush();
  closed_ = true;
  if (fd_ >= 0) {
    if (::close(fd_) != 0 && ok) error_ = name_ + ": close failed: " + std::strerror(errno);
    fd_ = -1;
  }
  return ok && error_.empty();
}

}  // namespace netmeter::io
