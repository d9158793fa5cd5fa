#include "io/capture_reader.h"

namespace netmeter {

std::string ReadError::toString() const {
  std::string s = file + ": offset " + std::to_string(offset);
  if (decompressed) s += " (decompressed)";
  return s + ": " + message;
}

CaptureReader::CaptureReader(std::unique_ptr<io::InputBuffer> in, const ReaderOptions& options)
    : in_(std::move(in)), name_(options.name), sourceIndex_(options.sourceIndex) {}

ReadStatus CaptureReader::fail(uint64_t offset, std::string message) {
  finished_ = true;
  error_.file = name_;
  error_.offset = offset;
  error_.message = std::move(message);
  error_.decompressed = in_->decompressing();
  return ReadStatus::kError;
}

ReadStatus CaptureReader::shortInput(size_t needed, const char* what, bool cleanEndAllowed) {
  const size_t have = in_->available();
  if (in_->failed()) return fail(in_->offset(), in_->failure());
  if (have == 0 && cleanEndAllowed) {
    finished_ = true;
    return ReadStatus::kEnd;
  }
  return fail(in_->offset(), "truncated " + std::string(what) + ": " + std::to_string(have) + " of " +
                                 std::to_string(needed) + " bytes present");
}

}  // namespace netmeter
