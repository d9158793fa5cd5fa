// Streaming gzip (zlib) and zstd decompression as ByteSources: a fixed input buffer, output straight
// into the caller's buffer, so memory stays bounded whatever the compressed data claims.
#include <zlib.h>
#include <zstd.h>

#include <memory>

#include "io/byte_source.h"

namespace netmeter::io {
namespace {

constexpr size_t kCompressedChunk = 256 * 1024;

class GzipSource final : public ByteSource {
 public:
  explicit GzipSource(std::unique_ptr<ByteSource> inner)
      : inner_(std::move(inner)), in_(std::make_unique_for_overwrite<uint8_t[]>(kCompressedChunk)) {
    if (inflateInit2(&z_, 15 + 16) != Z_OK) error_ = "gzip: cannot initialise zlib";
  }
  ~GzipSource() override { inflateEnd(&z_); }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  size_t read(uint8_t* dst, size_t size) override {
    if (!error_.empty() || finished_ || size == 0) return 0;
    z_.next_out = dst;
    z_.avail_out = static_cast<uInt>(std::min<size_t>(size, 1u << 30));
    const uInt wanted = z_.avail_out;
    while (z_.avail_out == wanted) {
      bool atEnd = false;
      if (z_.avail_in == 0 && !refill()) {
        if (!error_.empty()) return 0;
        atEnd = true;  // inflate once more: zlib may still hold output for a full buffer
      }
      if (memberEnded_) {
        if (atEnd) {
          finished_ = true;
          break;
        }
        inflateReset(&z_);  // another gzip member follows (concatenated .gz files)
        memberEnded_ = false;
      }
      const int rc = inflate(&z_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        memberEnded_ = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        error_ = std::string("gzip: ") + (z_.msg != nullptr ? z_.msg : "corrupt compressed data");
        return 0;
      }
      if (atEnd && z_.avail_out == wanted && !memberEnded_) {
        error_ = "gzip: compressed stream truncated";
        return 0;
      }
      if (rc == Z_BUF_ERROR && z_.avail_in != 0 && z_.avail_out == wanted) {
        error_ = "gzip: decompression makes no progress";
        return 0;
      }
    }
    return wanted - z_.avail_out;
  }
  uint64_t rawBytesConsumed() const override { return inner_->rawBytesConsumed(); }
  uint64_t rawBytesTotal() const override { return inner_->rawBytesTotal(); }
  bool decompressing() const override { return true; }

 private:
  bool refill() {
    const size_t got = inner_->read(in_.get(), kCompressedChunk);
    if (got == 0) {
      if (!inner_->error().empty()) error_ = inner_->error();
      return false;
    }
    z_.next_in = in_.get();
    z_.avail_in = static_cast<uInt>(got);
    return true;
  }

  std::unique_ptr<ByteSource> inner_;
  std::unique_ptr<uint8_t[]> in_;
  z_stream z_{};
  bool memberEnded_ = false;
  bool finished_ = false;
};

class ZstdSource final : public ByteSource {
 public:
  explicit ZstdSource(std::unique_ptr<ByteSource> inner)
      : inner_(std::move(inner)),
        in_(std::make_unique_for_overwrite<uint8_t[]>(kCompressedChunk)),
        stream_(ZSTD_createDStream()) {
    if (stream_ == nullptr) {
      error_ = "zstd: cannot create decompression context";
      return;
    }
    ZSTD_initDStream(stream_);
    // Bounds the window a frame may ask for (128 MiB, zstd's default limit, stated explicitly).
    ZSTD_DCtx_setParameter(stream_, ZSTD_d_windowLogMax, 27);
  }
  ~ZstdSource() override { ZSTD_freeDStream(stream_); }
  ZstdSource(const ZstdSource&) = delete;
  ZstdSource& operator=(const ZstdSource&) = delete;

  size_t read(uint8_t* dst, size_t size) override {
    if (!error_.empty() || finished_ || size == 0) return 0;
    ZSTD_outBuffer out{dst, size, 0};
    while (out.pos == 0) {
      bool atEnd = false;
      if (input_.pos == input_.size && !refill()) {
        if (!error_.empty()) return 0;
        atEnd = true;  // decompress once more: zstd may still hold output for a full buffer
      }
      const size_t inBefore = input_.pos;
      const size_t rc = ZSTD_decompressStream(stream_, &out, &input_);
      if (ZSTD_isError(rc)) {
        error_ = std::string("zstd: ") + ZSTD_getErrorName(rc);
        return 0;
      }
      if (input_.pos != inBefore || out.pos != 0) frameDone_ = rc == 0;
      if (atEnd && out.pos == 0) {
        if (!frameDone_) {
          error_ = "zstd: compressed stream truncated";
          return 0;
        }
        finished_ = true;
        break;
      }
    }
    return out.pos;
  }
  uint64_t rawBytesConsumed() const override { return inner_->rawBytesConsumed(); }
  uint64_t rawBytesTotal() const override { return inner_->rawBytesTotal(); }
  bool decompressing() const override { return true; }

 private:
  bool refill() {
    const size_t got = inner_->read(in_.get(), kCompressedChunk);
    if (got == 0) {
      if (!inner_->error().empty()) error_ = inner_->error();
      return false;
    }
    input_ = ZSTD_inBuffer{in_.get(), got, 0};
    return true;
  }

  std::unique_ptr<ByteSource> inner_;
  std::unique_ptr<uint8_t[]> in_;
  ZSTD_DStream* stream_;
  ZSTD_inBuffer input_{nullptr, 0, 0};
  bool frameDone_ = true;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<ByteSource> gzipSource(std::unique_ptr<ByteSource> inner) {
  return std::make_unique<GzipSource>(std::move(inner));
}

std::unique_ptr<ByteSource> zstdSource(std::unique_ptr<ByteSource> inner) {
  return std::make_unique<ZstdSource>(std::move(inner));
}

}  // namespace netmeter::io
