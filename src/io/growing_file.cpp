#include "io/growing_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "io/input_stall.h"

namespace netmeter::io {

class GrowingFileReader final : public ByteSource {
 public:
  GrowingFileReader(std::shared_ptr<GrowingFile> file, int fd, uint64_t expected)
      : file_(std::move(file)), fd_(fd), expected_(expected) {}
  ~GrowingFileReader() override { ::close(fd_); }
  GrowingFileReader(const GrowingFileReader&) = delete;
  GrowingFileReader& operator=(const GrowingFileReader&) = delete;

  size_t read(uint8_t* dst, size_t size) override {
    if (!error_.empty() || size == 0) return 0;
    uint64_t available = 0;
    {
      std::unique_lock lock(file_->mutex_);
      if (file_->size_ <= pos_ && !file_->done_) {
        // About to wait for the writer: let the engine hand over what it has read so far.
        lock.unlock();
        notifyInputStall();
        lock.lock();
      }
      file_->grew_.wait(lock, [&] { return file_->size_ > pos_ || file_->done_; });
      if (file_->size_ <= pos_) {  // done and everything read
        if (!file_->error_.empty()) error_ = file_->error_;
        return 0;
      }
      available = file_->size_ - pos_;
    }
    const size_t want = size_t(std::min<uint64_t>(size, available));
    for (;;) {
      const ssize_t got = ::pread(fd_, dst, want, off_t(pos_));
      if (got > 0) {
        pos_ += uint64_t(got);
        return size_t(got);
      }
      if (got < 0 && errno == EINTR) continue;
      error_ = got < 0 ? std::string("read failed: ") + std::strerror(errno) : "file shrank while it was read";
      return 0;
    }
  }
  uint64_t rawBytesConsumed() const override { return pos_; }
  uint64_t rawBytesTotal() const override { return expected_ != 0 ? expected_ : file_->size(); }

 private:
  std::shared_ptr<GrowingFile> file_;
  int fd_;
  uint64_t expected_;
  uint64_t pos_ = 0;
};

std::shared_ptr<GrowingFile> GrowingFile::create(const std::string& path, std::string& error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot create " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  return std::shared_ptr<GrowingFile>(new GrowingFile(path, fd));
}

GrowingFile::~GrowingFile() {
  if (fd_ >= 0) ::close(fd_);
}

bool GrowingFile::append(std::string_view data) {
  std::unique_lock writing(writeMutex_);
  if (fd_ < 0) return false;  // completed or aborted
  // Readers see the bytes once size_ says so.
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string reason = "cannot write " + path_ + ": " + std::strerror(n < 0 ? errno : ENOSPC);
      writing.unlock();
      abort(reason);
      return false;
    }
    data.remove_prefix(size_t(n));
    std::lock_guard lock(mutex_);
    size_ += uint64_t(n);
  }
  grew_.notify_all();
  return true;
}

void GrowingFile::complete() { end({}); }

void GrowingFile::abort(std::string reason) { end(reason.empty() ? "aborted" : std::move(reason)); }

void GrowingFile::end(std::string reason) {
  {
    std::lock_guard writing(writeMutex_);
    if (fd_ < 0) return;  // already ended
    ::close(fd_);
    fd_ = -1;
    std::lock_guard lock(mutex_);
    done_ = true;
    error_ = std::move(reason);
  }
  grew_.notify_all();
}

std::unique_ptr<ByteSource> GrowingFile::openReader(uint64_t expectedSize) {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  return std::make_unique<GrowingFileReader>(shared_from_this(), fd, expectedSize);
}

uint64_t GrowingFile::size() const {
  std::lock_guard lock(mutex_);
  return size_;
}

bool GrowingFile::completed() const {
  std::lock_guard lock(mutex_);
  return done_ && error_.empty();
}

std::string GrowingFile::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

}  // namespace netmeter::io
