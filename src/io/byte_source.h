#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace netmeter::io {

// A stream of bytes: a file, a memory block, or a decompressor over one of those. Called once per
// buffer refill (megabytes), never per packet.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `size` bytes. Returns 0 at the end of the stream or on failure (then error() is set).
  virtual size_t read(uint8_t* dst, size_t size) = 0;
  // Bytes taken from the underlying file or memory (compressed bytes for a decompressor), and its size.
  virtual uint64_t rawBytesConsumed() const = 0;
  virtual uint64_t rawBytesTotal() const = 0;
  // True when read() returns decompressed bytes (error offsets then refer to the decompressed stream).
  virtual bool decompressing() const { return false; }
  // Moves `n` bytes ahead without reading them, when the source can (a plain file): true when done.
  // False means "not supported" (or failed; then error() is set): the caller reads through instead.
  virtual bool skipForward(uint64_t n) {
    (void)n;
    return false;
  }
  const std::string& error() const { return error_; }

 protected:
  std::string error_;
};

// Opens a file for reading; nullptr and `error` set when it cannot be opened.
std::unique_ptr<ByteSource> openFileSource(const std::string& path, std::string& error);
// A view of memory that must outlive the source.
std::unique_ptr<ByteSource> memorySource(const uint8_t* data, size_t size);
// Decompressors over another source (streaming, bounded memory).
std::unique_ptr<ByteSource> gzipSource(std::unique_ptr<ByteSource> inner);
std::unique_ptr<ByteSource> zstdSource(std::unique_ptr<ByteSource> inner);

enum class Compression { kNone, kGzip, kZstd };
// Recognises compressed streams by their magic bytes (needs at least 4 bytes, else kNone).
Compression detectCompression(const uint8_t* data, size_t size);

}  // namespace netmeter::io
