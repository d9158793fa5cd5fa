#include "capture/split_output.h"

#include <ctime>

namespace netmeter::capture {

std::string captureFileName(std::string_view pattern, PacketTime t) {
  const std::string format(pattern.substr(0, 200));
  const time_t seconds = time_t(t >= 0 ? t / kNanosPerSecond : (t - kNanosPerSecond + 1) / kNanosPerSecond);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  std::string out(512, '\0');
  // The pattern is the user's by design (strftime conversions only; no arguments are read).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  size_t n = format.empty() ? 0 : std::strftime(out.data(), out.size(), format.c_str(), &tm);
#pragma GCC diagnostic pop
  out.resize(n);
  for (char& c : out)
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '_';
  while (!out.empty() && out.front() == '.') out.erase(out.begin());
  if (out.size() > 200) out.resize(200);
  if (out.empty()) out = "capture";
  return out;
}

SplitOutput::~SplitOutput() = default;

bool SplitOutput::finishPart() {
  if (sink_ == nullptr) return true;
  const bool ok = sink_->close();
  done_ += sink_->bytesWritten();
  donePackets_ += sink_->packetBytes();
  if (!ok) error_ = sink_->error();
  sink_.reset();
  std::string error;
  if (closed_ && !closed_(error) && error_.empty()) error_ = error;
  return error_.empty();
}

bool SplitOutput::write(const RawPacket& packet, const std::vector<InterfaceInfo>& interfaces, uint32_t snapLength) {
  if (sink_ != nullptr && ((policy_.bytes > 0 && sink_->packetBytes() >= policy_.bytes) ||
                           (policy_.duration > 0 && packet.timestamp - partStart_ >= policy_.duration))) {
    if (!finishPart()) return false;
  }
  if (sink_ == nullptr) {
    SinkTarget target;
    std::string error = open_(packet.timestamp, target);
    if (error.empty()) sink_ = CaptureSink::create(target, options_, interfaces, error);
    if (sink_ == nullptr) {
      error_ = error;
      return false;
    }
    partStart_ = packet.timestamp;
    ++parts_;
  }
  if (!sink_->write(packet, interfaces, snapLength)) {
    error_ = sink_->error();
    return false;
  }
  return true;
}

bool SplitOutput::flush() {
  if (sink_ != nullptr && !sink_->flush()) {
    error_ = sink_->error();
    return false;
  }
  return true;
}

bool SplitOutput::close() { return finishPart(); }

}  // namespace netmeter::capture
