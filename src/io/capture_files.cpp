#include "io/capture_files.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "io/byte_order.h"
#include "io/merged_source.h"
#include "io/pcap_reader.h"
#include "io/pcapng_reader.h"

namespace netmeter {
namespace {

// Gives back the bytes read to recognise the compression, then the rest of the stream.
class PrefixedSource final : public io::ByteSource {
 public:
  PrefixedSource(const uint8_t* prefix, size_t size, std::unique_ptr<ByteSource> inner)
      : size_(size), inner_(std::move(inner)) {
    std::memcpy(prefix_.data(), prefix, size);
  }
  size_t read(uint8_t* dst, size_t size) override {
    if (pos_ < size_) {
      const size_t n = std::min(size, size_ - pos_);
      std::memcpy(dst, prefix_.data() + pos_, n);
      pos_ += n;
      return n;
    }
    const size_t got = inner_->read(dst, size);
    if (got == 0 && !inner_->error().empty()) error_ = inner_->error();
    return got;
  }
  uint64_t rawBytesConsumed() const override { return inner_->rawBytesConsumed(); }
  uint64_t rawBytesTotal() const override { return inner_->rawBytesTotal(); }
  // The inner source's jump, past what is left of the prefix; nothing moves when it cannot jump (the
  // caller then reads through from where it was).
  bool skipForward(uint64_t n) override {
    const size_t left = size_ - pos_;
    if (n < left) {
      pos_ += size_t(n);
      return true;
    }
    if (!inner_->skipForward(n - left)) {
      if (!inner_->error().empty()) error_ = inner_->error();
      return false;
    }
    pos_ = size_;
    return true;
  }

 private:
  std::array<uint8_t, 4> prefix_{};
  size_t size_;
  size_t pos_ = 0;
  std::unique_ptr<ByteSource> inner_;
};

std::unique_ptr<io::ByteSource> decompressIfNeeded(std::unique_ptr<io::ByteSource> raw, std::string& error) {
  std::array<uint8_t, 4> magic{};
  size_t got = 0;
  while (got < magic.size()) {
    const size_t n = raw->read(magic.data() + got, magic.size() - got);
    if (n == 0) break;
    got += n;
  }
  if (!raw->error().empty()) {
    error = raw->error();
    return nullptr;
  }
  const io::Compression compression = io::detectCompression(magic.data(), got);
  auto source = std::make_unique<PrefixedSource>(magic.data(), got, std::move(raw));
  if (compression == io::Compression::kGzip) return io::gzipSource(std::move(source));
  if (compression == io::Compression::kZstd) return io::zstdSource(std::move(source));
  return source;
}

OpenResult openInput(std::unique_ptr<io::InputBuffer> in, const ReaderOptions& options) {
  OpenResult result;
  result.error = ReadError{options.name, 0, {}, in->decompressing()};
  if (!in->ensure(4)) {
    if (in->failed()) {
      result.error.message = in->failure();
    } else {
      result.error.message =
          in->available() == 0 ? "empty file" : "unknown file format (shorter than 4 bytes)";
    }
    return result;
  }
  switch (detectCaptureFormat(in->data(), in->available())) {
    case CaptureFormat::kPcap:
      result.source = PcapReader::open(std::move(in), options, result.error);
      break;
    case CaptureFormat::kPcapng:
      result.source = PcapngReader::open(std::move(in), options, result.error);
      break;
    case CaptureFormat::kUnknown:
      result.error.message = "unknown file format (not pcap, pcapng, or a gzip/zstd-compressed one)";
      break;
  }
  return result;
}

}  // namespace

CaptureFormat detectCaptureFormat(const uint8_t* data, size_t size) {
  if (size < 4) return CaptureFormat::kUnknown;
  const uint32_t be = io::load32(data, true);
  const uint32_t le = io::load32(data, false);
  if (be == 0xa1b2c3d4 || be == 0xa1b23c4d || le == 0xa1b2c3d4 || le == 0xa1b23c4d)
    return CaptureFormat::kPcap;
  if (be == PcapngReader::kSectionHeaderBlock) return CaptureFormat::kPcapng;
  return CaptureFormat::kUnknown;
}

OpenResult openCaptureFile(const std::string& path, const ReaderOptions& options) {
  ReaderOptions named = options;
  if (named.name.empty()) named.name = path;
  OpenResult result;
  result.error.file = named.name;
  auto raw = io::openFileSource(path, result.error.message);
  if (raw == nullptr) return result;
  return openCaptureStream(std::move(raw), named);
}

OpenResult openCaptureStream(std::unique_ptr<io::ByteSource> raw, const ReaderOptions& options) {
  OpenResult result;
  result.error.file = options.name;
  auto source = decompressIfNeeded(std::move(raw), result.error.message);
  if (source == nullptr) return result;
  return openInput(
      std::make_unique<io::InputBuffer>(std::move(source), options.bufferSize, options.maxHeldChunks),
      options);
}

OpenResult openCaptureMemory(const uint8_t* data, size_t size, const ReaderOptions& options) {
  const io::Compression compression = io::detectCompression(data, size);
  if (compression == io::Compression::kNone)
    return openInput(std::make_unique<io::InputBuffer>(data, size), options);
  auto raw = io::memorySource(data, size);
  auto source =
      compression == io::Compression::kGzip ? io::gzipSource(std::move(raw)) : io::zstdSource(std::move(raw));
  return openInput(
      std::make_unique<io::InputBuffer>(std::move(source), options.bufferSize, options.maxHeldChunks),
      options);
}

std::vector<std::string> expandCapturePaths(const std::vector<std::string>& paths, ReadError& error) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> inDirectory;
    for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code typeError;
      if (it->is_regular_file(typeError)) inDirectory.push_back(it->path().string());
    }
    if (ec) {
      error = ReadError{path, 0, "cannot list directory: " + ec.message(), false};
      return {};
    }
    if (inDirectory.empty()) {
      error = ReadError{path, 0, "directory holds no files", false};
      return {};
    }
    std::sort(inDirectory.begin(), inDirectory.end());
    files.insert(files.end(), inDirectory.begin(), inDirectory.end());
  }
  if (files.empty()) error = ReadError{"", 0, "no capture file given", false};
  return files;
}

OpenResult openCaptureFiles(const std::vector<std::string>& paths, const OpenOptions& options) {
  OpenResult result;
  const std::vector<std::string> files = expandCapturePaths(paths, result.error);
  if (files.empty()) return result;
  constexpr size_t kTotalBudget = 64 << 20;
  ReaderOptions readerOptions;
  readerOptions.bufferSize =
      std::min(options.bufferSize, std::max(kTotalBudget / files.size(), size_t{64} << 10));
  // The chunks the engine may hold (zero copy) share a budget of the same size, one at least per file.
  readerOptions.maxHeldChunks =
      uint32_t(std::max<size_t>(1, kTotalBudget / files.size() / readerOptions.bufferSize));
  std::vector<std::unique_ptr<PacketSource>> sources;
  sources.reserve(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    readerOptions.name = files[i];
    readerOptions.sourceIndex = static_cast<uint32_t>(i);
    OpenResult one = openCaptureFile(files[i], readerOptions);
    if (!one.ok()) return one;
    if (i < options.startOffsets.size() && options.startOffsets[i] > 0) {
      // A failed skip leaves the reader ended with its error, reported like any damage.
      if (auto* reader = dynamic_cast<CaptureReader*>(one.source.get()))
        reader->skipTo(options.startOffsets[i],
                       i < options.structureBlocks.size() && options.structureBlocks[i]
                           ? &*options.structureBlocks[i]
                           : nullptr);
    }
    sources.push_back(std::move(one.source));
  }
  if (sources.size() == 1) {
    result.source = std::move(sources[0]);
  } else {
    result.source = std::make_unique<MergedPacketSource>(std::move(sources));
  }
  return result;
}

}  // namespace netmeter
